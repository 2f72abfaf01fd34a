"""Claiming the outbox: a worker leases a batch of due messages (and those whose lease ran out)
to its claim token, so that several workers on several machines never send the same one at once
(FOR UPDATE SKIP LOCKED on PostgreSQL; SQLite's single writer gives the same)."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from functools import cache

from sqlalchemy import Integer, bindparam, literal_column, select, update
from sqlalchemy.orm import Session

from app.models import OutboxMessage

LEASE = timedelta(seconds=30)
BATCH_SIZE = 25
# Literals, not bound parameters: only then may the database use the partial indexes.
CLAIMABLE = OutboxMessage.status.in_([literal_column("'pending'"), literal_column("'sending'")])


def new_claim_token() -> str:
    """Names one batch's lease: unique across workers, threads and passes."""
    return uuid.uuid4().hex


def claim_due(
    session: Session, now: datetime, token: str, limit: int = BATCH_SIZE, lease: timedelta = LEASE
) -> list[int]:
    """Lease due rows (and rows whose lease ran out) to `token`. PostgreSQL locks the rows it
    picks and skips those another worker holds; the UPDATE re-checks each row, so each has one
    winner on SQLite too. (Two statements: PostgreSQL may run a LIMIT subquery inside an UPDATE
    more than once and so lease more than `limit` rows.)"""
    due = session.scalars(_due_statement(), {"now": now, "limit": limit}).all()
    if not due:
        session.rollback()
        return []
    claimed = session.scalars(
        outbox_update(OutboxMessage.id.in_(due), CLAIMABLE, OutboxMessage.next_attempt_at <= now)
        .values(next_attempt_at=now + lease, claimed_by=token, waiting_for_server=None)
        .returning(OutboxMessage.id)
    ).all()
    session.commit()
    return sorted(claimed)


@cache
def _due_statement():
    return (
        select(OutboxMessage.id)
        .where(CLAIMABLE, OutboxMessage.next_attempt_at <= bindparam("now"))
        .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
        .limit(bindparam("limit", type_=Integer))
        .with_for_update(skip_locked=True)
    )


def outbox_update(*conditions):
    """An UPDATE of outbox rows, run as it is (nothing the session holds is synchronized)."""
    return update(OutboxMessage).where(*conditions).execution_options(synchronize_session=False)
