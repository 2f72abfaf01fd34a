"""Telling a deputy that a period in which they stand in for someone was set, changed or
ended: a mail (through the outbox) and a bell notice, in the caller's transaction."""

from __future__ import annotations

from sqlalchemy.orm import Session

from app.models import Delegation
from app.services.notify import notify


def period_params(delegation: Delegation) -> dict:
    """The period as a notice keeps it: the absent person's days, and the instants it starts
    and ends (naive UTC), which each reader sees on their own clock."""
    return {
        "starts_on": delegation.starts_on.isoformat(),
        "ends_on": delegation.ends_on.isoformat(),
        "starts_at": delegation.starts_at.isoformat(),
        "ends_at": delegation.ends_at.isoformat(),
    }


def tell_deputy(
    session: Session,
    kind: str,
    delegation: Delegation,
    actor,
    event_id: int,
    deputy_id: int | None = None,
    period: dict | None = None,
    before: dict | None = None,
) -> None:
    """Notify the period's deputy of `kind`, or `deputy_id` (one replaced) of the `period` they
    no longer stand in for; `before` is the period as it was, for a change."""
    params = {
        "absent": delegation.user_id,
        "by": actor.id,
        "delegation": delegation.id,
        "note": delegation.note or "",
        **(period or period_params(delegation)),
    }
    if before is not None:
        params["before"] = before
    notify(
        session,
        kind,
        [deputy_id or delegation.deputy_id],
        event=f"delegation:{delegation.id}:{event_id}",
        params=params,
    )
