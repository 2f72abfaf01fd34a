"""Messages waiting for a mail server that could not be reached: when it may be tried again,
the message that probes it, and the backlog pulled forward once it answers.

A server that could not take a message is left alone for PROBE_EVERY: whatever comes due
meanwhile waits, so a server that is down gets one try per PROBE_EVERY and worker, however
many messages wait and however short the worker's passes. Once it has rested that long, the
next try is a message due anyway or, when none is, the waiting message whose backoff ends
first (the probe). A probe that finds the server still away costs its message no attempt and
no place in its backoff: an outage of hours does not use up the attempts of the mail it
holds back. The first message the server accepts pulls every waiting one forward, so the
whole backlog leaves within about PROBE_EVERY (plus one pass) of the server's return.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, literal_column, select
from sqlalchemy.orm import Session

from app.models import OutboxMessage
from app.services.mail_claim import outbox_update

PROBE_EVERY = timedelta(seconds=10)
# Literals, not bound parameters: only then may the database use the partial indexes.
PENDING = OutboxMessage.status == literal_column("'pending'")
WAITING = OutboxMessage.waiting_for_server.is_not(None)


@dataclass(frozen=True)
class Probe:
    """The waiting message that tries the server, and where its own backoff had put it."""

    message_id: int
    due_at: datetime


def _waiting_for(server: str) -> tuple:
    return (WAITING, OutboxMessage.waiting_for_server == server, PENDING)


def last_try(session: Session, server: str) -> datetime | None:
    """When a message now waiting for `server` last tried it; None when none waits."""
    return session.scalar(
        select(func.max(OutboxMessage.attempt_started_at)).where(*_waiting_for(server))
    )


def resting(last: datetime | None, now: datetime) -> bool:
    """The server failed a try less than PROBE_EVERY ago: nothing tries it yet."""
    return last is not None and now - last < PROBE_EVERY


def claim_probe(
    session: Session, server: str, now: datetime, token: str, lease: timedelta
) -> Probe | None:
    """Lease to `token` the waiting message whose backoff ends first: it tries the server now.
    Another worker's probe is skipped. Commits."""
    row = session.execute(
        select(OutboxMessage.id, OutboxMessage.next_attempt_at)
        .where(*_waiting_for(server))
        .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
        .limit(1)
        .with_for_update(skip_locked=True)
    ).first()
    if row is None:
        session.rollback()
        return None
    claimed = session.execute(
        outbox_update(OutboxMessage.id == row.id, *_waiting_for(server)).values(
            next_attempt_at=now + lease, claimed_by=token, waiting_for_server=None
        )
    ).rowcount
    session.commit()
    return Probe(row.id, row.next_attempt_at) if claimed else None


def pull_forward(session: Session, server: str, now: datetime) -> int:
    """Messages in backoff because `server` was unreachable are due now (it answered again).
    Rows another worker is pulling forward meanwhile are skipped. Does not commit."""
    waiting = (
        select(OutboxMessage.id).where(*_waiting_for(server)).with_for_update(skip_locked=True)
    )
    return session.execute(
        outbox_update(
            OutboxMessage.id.in_(waiting.scalar_subquery()), *_waiting_for(server)
        ).values(next_attempt_at=now, waiting_for_server=None)
    ).rowcount
