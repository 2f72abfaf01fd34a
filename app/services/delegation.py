"""Out of office: a person names a deputy for a period of their own days; admins do it for
others. While it runs, the deputy holds the person's tasks (app/services/task_holders.py).

One hop only: a deputy may not be away themselves during the period, and someone who stands in
for another may not go away meanwhile. A chain (A for B for C) or a loop (A for B for A) is
refused with the names and dates, so who acted for whom is always one step an auditor reads.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from app.domain.dates import DateError, parse_date
from app.domain.ids import parse_id
from app.errors import NotFoundError, PermissionDeniedError, ValidationError
from app.i18n import _
from app.models import Delegation, NotificationKind
from app.models.base import utcnow
from app.models.user import User
from app.roles import ADMIN, has_role
from app.services import audit, use_case
from app.services.choose_time_zone import time_zone_of
from app.services.deputy_notices import tell_deputy

LONGEST_DAYS = 366
NOTE_LIMIT = 500
MAX_CHOICES = 200


@dataclass(frozen=True)
class DeputyRequest:
    """What the form or the API sent, unchecked."""

    deputy_id: object
    starts_on: object
    ends_on: object
    note: object = None
    user_id: object = None  # whose absence: the actor's own when empty


@use_case
def set_deputy(session: Session, actor, request: DeputyRequest, default_zone: str) -> Delegation:
    """Name a deputy for a period. Raises PermissionDeniedError (someone else's absence, not an
    admin), NotFoundError (no such person), ValidationError (dates, deputy, note, overlaps)."""
    absent = absent_person(session, actor, request.user_id)
    zone = time_zone_of(session, absent.id, default_zone)
    starts_on, ends_on, note = checked_fields(request, local_today(zone))
    deputy = checked_deputy(session, absent, request.deputy_id)
    starts_at, ends_at = (
        local_midnight(starts_on, zone),
        local_midnight(ends_on + timedelta(days=1), zone),
    )
    refuse_overlaps(session, absent, deputy, starts_at, ends_at)
    delegation = Delegation(
        user_id=absent.id,
        deputy_id=deputy.id,
        starts_on=starts_on,
        ends_on=ends_on,
        time_zone=zone,
        starts_at=starts_at,
        ends_at=ends_at,
        note=note,
        created_by_id=actor.id,
        created_at=utcnow(),
    )
    session.add(delegation)
    session.flush()
    event = audit.record(session, "deputy_named", actor.id, audit_details(delegation))
    tell_deputy(session, NotificationKind.DEPUTY_NAMED, delegation, actor, event.id)
    return delegation


@use_case
def cancel_delegation(session: Session, actor, delegation_id: object) -> Delegation:
    """End a delegation now (or drop one not begun). Raises NotFoundError, PermissionDeniedError,
    ValidationError (already over or cancelled)."""
    delegation = period_not_over(session, actor, delegation_id)
    delegation.cancelled_at = utcnow()
    delegation.cancelled_by_id = actor.id
    event = audit.record(session, "deputy_cancelled", actor.id, audit_details(delegation))
    tell_deputy(session, NotificationKind.DEPUTY_CANCELLED, delegation, actor, event.id)
    return delegation


def period_not_over(session: Session, actor, delegation_id: object) -> Delegation:
    """A period the actor may end or change: theirs (or anyone's for an admin), running or to
    come. Raises NotFoundError, PermissionDeniedError, ValidationError (over or cancelled)."""
    pk = parse_id(delegation_id)
    delegation = session.get(Delegation, pk) if pk else None
    if delegation is None:
        raise NotFoundError(_("No such out-of-office period."))
    if delegation.user_id != actor.id and not has_role(actor, ADMIN):
        raise PermissionDeniedError(_("Only the person away or an administrator may end it."))
    if delegation.cancelled_at is not None or delegation.ends_at <= utcnow():
        raise ValidationError({"delegation": [_("This out-of-office period is already over.")]})
    return delegation


def current_and_coming(session: Session, user_id: int | None) -> list[Delegation]:
    """The person's absences and the ones they stand in for that are running or to come
    (everyone's for None: what an administrator's screen lists)."""
    query = select(Delegation).where(
        Delegation.cancelled_at.is_(None), Delegation.ends_at > utcnow()
    )
    if user_id is not None:
        query = query.where(or_(Delegation.user_id == user_id, Delegation.deputy_id == user_id))
    query = query.order_by(Delegation.starts_at, Delegation.id).limit(MAX_CHOICES)
    return list(session.scalars(query).unique())


def deputy_choices(session: Session, absent_id: int) -> list[User]:
    """Who may be named: any active user but the person away."""
    query = (
        select(User)
        .where(User.active.is_(True), User.id != absent_id)
        .order_by(User.last_name, User.first_name)
        .limit(MAX_CHOICES)
    )
    return list(session.scalars(query))


def may_name_for_others(actor) -> bool:
    return has_role(actor, ADMIN)


def absent_person(session: Session, actor, user_id: object) -> User:
    if user_id in (None, ""):
        return actor
    pk = parse_id(user_id)
    user = session.get(User, pk) if pk else None
    if user is None:
        raise NotFoundError(_("No such user."))
    if user.id != actor.id and not may_name_for_others(actor):
        raise PermissionDeniedError(_("Only an administrator may name a deputy for someone else."))
    return user


def checked_fields(request: DeputyRequest, today: date) -> tuple[date, date, str | None]:
    errors: dict[str, list] = {}
    starts_on = _date(request.starts_on, "starts_on", errors)
    ends_on = _date(request.ends_on, "ends_on", errors)
    if starts_on and ends_on:
        if ends_on < starts_on:
            errors["ends_on"] = [_("The last day comes on or after the first.")]
        elif ends_on < today:
            errors["ends_on"] = [_("This period is over already: choose days from today on.")]
        elif (ends_on - starts_on).days >= LONGEST_DAYS:
            errors["ends_on"] = [_("At most %(n)d days at a time.", n=LONGEST_DAYS)]
    note = request.note
    if note is not None and not isinstance(note, str):
        errors["note"] = [_("The note must be text.")]
    elif note and len(note.strip()) > NOTE_LIMIT:
        errors["note"] = [_("Use at most %(n)s characters.", n=NOTE_LIMIT)]
    if errors:
        raise ValidationError(errors)
    return starts_on, ends_on, (note or "").strip() or None


def _date(value: object, name: str, errors: dict) -> date | None:
    """ISO or the reader's way (31.12.2026), as every date box of the app reads."""
    try:
        day = parse_date(value)
    except DateError as exc:
        errors[name] = [exc.args[0]]
        return None
    if day is None:
        errors[name] = [_("Give a date (YYYY-MM-DD).")]
    return day


def checked_deputy(session: Session, absent: User, deputy_id: object) -> User:
    pk = parse_id(deputy_id)
    deputy = session.get(User, pk) if pk else None
    if deputy is None or not deputy.active:
        raise ValidationError({"deputy_id": [_("Choose an active user as the deputy.")]})
    if deputy.id == absent.id:
        raise ValidationError({"deputy_id": [_("A person cannot be their own deputy.")]})
    return deputy


def refuse_overlaps(
    session: Session, absent: User, deputy: User, starts_at, ends_at, changing: int | None = None
) -> None:
    """Refuse a second period at once, a deputy away, a person away who stands in; the period
    being changed (its id) does not count."""

    def overlapping(*conditions):
        return session.scalars(
            select(Delegation)
            .where(
                *conditions,
                Delegation.id != (changing or 0),
                Delegation.cancelled_at.is_(None),
                Delegation.starts_at < ends_at,
                Delegation.ends_at > max(starts_at, utcnow()),
            )
            .order_by(Delegation.starts_at)
            .limit(1)
        ).first()

    clash = overlapping(Delegation.user_id == absent.id)
    if clash is not None:
        message = _(
            "%(name)s already has a deputy from %(start)s to %(end)s: end that period first.",
            **_names_and_days(absent, clash),
        )
        raise ValidationError({"starts_on": [message]})
    clash = overlapping(Delegation.user_id == deputy.id)
    if clash is not None:
        message = _(
            "%(name)s is out of office from %(start)s to %(end)s: choose another deputy.",
            **_names_and_days(deputy, clash),
        )
        raise ValidationError({"deputy_id": [message]})
    clash = overlapping(Delegation.deputy_id == absent.id)
    if clash is not None:
        message = _(
            "%(name)s stands in for %(other)s from %(start)s to %(end)s: that person needs "
            "another deputy first.",
            other=f"{clash.user.first_name} {clash.user.last_name}",
            **_names_and_days(absent, clash),
        )
        raise ValidationError({"deputy_id": [message]})


def _names_and_days(user: User, delegation: Delegation) -> dict:
    return {
        "name": f"{user.first_name} {user.last_name}",
        "start": delegation.starts_on.isoformat(),
        "end": delegation.ends_on.isoformat(),
    }


def local_today(zone: str) -> date:
    return datetime.now(ZoneInfo(zone)).date()


def local_midnight(day: date, zone: str) -> datetime:
    """The local midnight starting `day`, as naive UTC."""
    local = datetime.combine(day, time(0), tzinfo=ZoneInfo(zone))
    return local.astimezone(UTC).replace(tzinfo=None)


def audit_details(delegation: Delegation) -> dict:
    return {
        "delegation": delegation.id,
        "user": delegation.user_id,
        "deputy": delegation.deputy_id,
        "starts_on": delegation.starts_on.isoformat(),
        "ends_on": delegation.ends_on.isoformat(),
        "time_zone": delegation.time_zone,
        "note": delegation.note,
    }
