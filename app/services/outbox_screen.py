"""The outbox screen: the rows of one list page, with their recipients, in one query."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import OutboxMessage


def outbox_rows(session: Session, ids: list[int]) -> list[OutboxMessage]:
    """The rows with these ids, in the order given (the list's order)."""
    if not ids:
        return []
    found = {
        row.id: row
        for row in session.scalars(select(OutboxMessage).where(OutboxMessage.id.in_(ids))).unique()
    }
    return [found[pk] for pk in ids if pk in found]
