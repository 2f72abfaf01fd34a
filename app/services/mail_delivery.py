"""Delivering the outbox: claim due rows, send, mark; retry with backoff; give up after N tries.

Several workers may run at once: on PostgreSQL each claims rows with FOR UPDATE SKIP LOCKED and
leases them; a worker that dies leaves its lease to expire, and the resend keeps the Message-ID.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Protocol

from sqlalchemy import literal_column, select, update
from sqlalchemy.orm import Session

from app.domain.ids import parse_id
from app.models import OutboxMessage, OutboxStatus
from app.permissions import RETRY_MAIL, require
from app.services import audit, use_case

LEASE = timedelta(minutes=5)
# A literal, not a bound parameter: only then may the database use the partial index.
PENDING = OutboxMessage.status == literal_column("'pending'")
MAX_ATTEMPTS = 8


class Mailer(Protocol):
    def connection(self):
        """A context manager: one connection for a batch of messages."""

    def send(self, message: OutboxMessage) -> None: ...


def header_value(text: str) -> str:
    """One line: a line break (CR, LF or any Unicode one) in a header value would start a
    header of its own, such as a Bcc the sender never meant."""
    return " ".join(part.strip() for part in str(text).splitlines() if part.strip())


class PermanentDeliveryError(Exception):
    """The server refused for good (5xx): retrying would not help."""


def backoff(attempts: int) -> timedelta:
    """1, 2, 4, 8 ... minutes, at most 6 hours."""
    return timedelta(minutes=min(2 ** (attempts - 1), 360))


def claim_due(session: Session, now: datetime, limit: int = 50) -> list[int]:
    """Lease due rows to this worker in one statement. PostgreSQL skips rows another worker
    holds; the UPDATE re-checks the row, so each row has one winner on SQLite too."""
    due = (
        select(OutboxMessage.id)
        .where(PENDING, OutboxMessage.next_attempt_at <= now)
        .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    claimed = session.scalars(
        update(OutboxMessage)
        .where(
            OutboxMessage.id.in_(due.scalar_subquery()),
            PENDING,
            OutboxMessage.next_attempt_at <= now,
        )
        .values(next_attempt_at=now + LEASE)
        .returning(OutboxMessage.id)
        .execution_options(synchronize_session=False)
    ).all()
    session.commit()
    return sorted(claimed)


def deliver_due(session: Session, mailer: Mailer, now: datetime, limit: int = 50) -> dict:
    """Send what is due over one connection; one transaction per message. Returns counts."""
    counts = {"sent": 0, "retry": 0, "failed": 0}
    claimed = claim_due(session, now, limit)
    if not claimed:
        return counts
    with mailer.connection():
        for message_id in claimed:
            message = session.get(OutboxMessage, message_id)
            counts[_deliver_one(mailer, message, now)] += 1
            session.commit()
    return counts


def _deliver_one(mailer: Mailer, message: OutboxMessage, now: datetime) -> str:
    message.attempts += 1
    try:
        mailer.send(message)
    except PermanentDeliveryError as exc:
        message.status = OutboxStatus.FAILED
        message.last_error = str(exc)[:2000]
        return "failed"
    except Exception as exc:  # noqa: BLE001 - any other failure is retried
        message.last_error = f"{type(exc).__name__}: {exc}"[:2000]
        if message.attempts >= MAX_ATTEMPTS:
            message.status = OutboxStatus.FAILED
            return "failed"
        message.next_attempt_at = now + backoff(message.attempts)
        return "retry"
    message.status = OutboxStatus.SENT
    message.sent_at = now
    return "sent"


@use_case
def retry_failed(session: Session, actor, message_ids, now: datetime) -> int:
    """An admin sends failed messages again. Raises PermissionDeniedError."""
    require(actor, RETRY_MAIL)
    rows = session.scalars(
        select(OutboxMessage).where(
            OutboxMessage.id.in_([pk for pk in map(parse_id, message_ids) if pk]),
            OutboxMessage.status == OutboxStatus.FAILED,
        )
    ).all()
    for row in rows:
        row.status = OutboxStatus.PENDING
        row.attempts = 0
        row.next_attempt_at = now
    audit.record(session, "mail_retried", actor.id, {"outbox_ids": [r.id for r in rows]})
    return len(rows)
