"""The process as it happened on one invoice: decided tasks of every round, open tasks, payments."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import HumanTask, Payment, TaskStatus


def invoice_tasks(session: Session, invoice_id: int) -> list[HumanTask]:
    """Every task of the invoice, oldest first, cancelled ones too."""
    return list(
        session.scalars(
            select(HumanTask)
            .where(HumanTask.invoice_id == invoice_id)
            .order_by(HumanTask.created_at, HumanTask.id)
        ).unique()
    )


def process_history(
    session: Session, invoice_id: int, tasks: list[HumanTask] | None = None
) -> tuple[list, list, list]:
    """Decided tasks, open tasks and payments; `tasks` when invoice_tasks() was read already."""
    tasks = invoice_tasks(session, invoice_id) if tasks is None else tasks
    payments = list(
        session.scalars(
            select(Payment).where(Payment.invoice_id == invoice_id).order_by(Payment.id)
        )
    )
    done = [t for t in tasks if t.status == TaskStatus.DONE]
    open_tasks = [t for t in tasks if t.status == TaskStatus.OPEN]
    return done, open_tasks, payments
