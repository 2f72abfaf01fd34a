"""Changing an out-of-office period: its days, its deputy or its note, while it runs or
before it begins. The deputy is told; a deputy replaced is told they no longer stand in."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.orm import Session

from app.errors import ValidationError
from app.i18n import _
from app.models import Delegation, NotificationKind
from app.models.base import utcnow
from app.services import audit, use_case
from app.services.delegation import (
    DeputyRequest,
    audit_details,
    checked_deputy,
    checked_fields,
    local_midnight,
    local_today,
    period_not_over,
    refuse_overlaps,
)
from app.services.deputy_notices import period_params, tell_deputy


@use_case
def change_delegation(
    session: Session, actor, delegation_id: object, request: DeputyRequest
) -> Delegation:
    """Raises NotFoundError, PermissionDeniedError (someone else's period, not an admin),
    ValidationError (over, dates, deputy, note, overlaps, the first day of a running period)."""
    delegation = period_not_over(session, actor, delegation_id)
    zone = delegation.time_zone  # the days stay the absent person's, as when it was set
    starts_on, ends_on, note = checked_fields(request, local_today(zone))
    if delegation.starts_at <= utcnow() and starts_on != delegation.starts_on:
        # Who held the tasks since then is on record: the first day is not rewritten.
        message = _(
            "The period has begun: its first day stays %(day)s.",
            day=delegation.starts_on.isoformat(),
        )
        raise ValidationError({"starts_on": [message]})
    deputy = checked_deputy(session, delegation.user, request.deputy_id)
    starts_at = local_midnight(starts_on, zone)
    ends_at = local_midnight(ends_on + timedelta(days=1), zone)
    refuse_overlaps(session, delegation.user, deputy, starts_at, ends_at, delegation.id)
    before, previous_deputy = period_params(delegation), delegation.deputy_id
    delegation.deputy_id, delegation.note = deputy.id, note
    delegation.starts_on, delegation.ends_on = starts_on, ends_on
    delegation.starts_at, delegation.ends_at = starts_at, ends_at
    session.flush()
    details = {**audit_details(delegation), "before": {**before, "deputy": previous_deputy}}
    event = audit.record(session, "deputy_changed", actor.id, details)
    if previous_deputy == deputy.id:
        tell_deputy(
            session, NotificationKind.DEPUTY_CHANGED, delegation, actor, event.id, before=before
        )
    else:
        tell_deputy(
            session,
            NotificationKind.DEPUTY_CANCELLED,
            delegation,
            actor,
            event.id,
            deputy_id=previous_deputy,
            period=before,
        )
        tell_deputy(session, NotificationKind.DEPUTY_NAMED, delegation, actor, event.id)
    return delegation
