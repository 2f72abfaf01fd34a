"""An admin sends failed mail again (the Mail screen's Retry)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.domain.ids import parse_id
from app.models import OutboxMessage, OutboxStatus
from app.permissions import RETRY_MAIL, require
from app.services import audit, use_case


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
        row.claimed_by = None
        row.waiting_for_server = None
    audit.record(session, "mail_retried", actor.id, {"outbox_ids": [r.id for r in rows]})
    return len(rows)
