"""When an invoice is overdue: its due date is before today and it is not closed (paid,
rejected or cancelled). One rule, in SQL for lists and counts and in Python for one row."""

from __future__ import annotations

from datetime import date

from sqlalchemy import and_

from app.models import Invoice
from app.models.invoice import CLOSED_STATUSES


def is_overdue(due_date: date | None, status: str, today: date) -> bool:
    return due_date is not None and due_date < today and status not in CLOSED_STATUSES


def overdue_clause(today: date):
    """is_overdue() as a WHERE clause on Invoice."""
    return and_(Invoice.due_date < today, Invoice.status.not_in(sorted(CLOSED_STATUSES)))
