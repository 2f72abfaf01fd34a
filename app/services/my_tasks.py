"""My tasks: one indexed query on human_task, never the serialized workflows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, case, exists, func, or_, select, union_all
from sqlalchemy.orm import Session

from app.models import FormKind, HumanTask, Invoice, InvoiceApprover, TaskStatus
from app.roles import role_names


@dataclass(frozen=True)
class TaskRow:
    task_guid: str
    form: str
    title_template: dict
    title_values: dict
    created_at: datetime
    due_at: datetime | None
    invoice_id: int
    number: int
    amount: object
    currency: str
    counterparty_name: str


_ROW_COLUMNS = (
    HumanTask.task_guid,
    HumanTask.form,
    HumanTask.title_template,
    HumanTask.title_values,
    HumanTask.created_at,
    HumanTask.due_at,
    Invoice.id,
    Invoice.number,
    Invoice.amount,
    Invoice.currency,
    Invoice.counterparty_name,
)


def _mine(actor):
    return or_(HumanTask.assignee_user_id == actor.id, _offered(actor))


def _offered(actor):
    """Open to my roles, and mine to act on: never on my own invoice, nor the payment of one
    I approve (the same rules that refuse the action)."""
    own_invoice = exists().where(
        Invoice.id == HumanTask.invoice_id, Invoice.initiator_id == actor.id
    )
    my_approval = exists().where(
        InvoiceApprover.invoice_id == HumanTask.invoice_id, InvoiceApprover.user_id == actor.id
    )
    return and_(
        HumanTask.assignee_user_id.is_(None),
        HumanTask.candidate_role.in_(sorted(role_names(actor))),
        ~own_invoice,
        ~and_(HumanTask.form == FormKind.PAYMENT, my_approval),
    )


def _page_of_ids(actor, limit: int, offset: int):
    """Two index-ordered branches (mine, offered to my roles), each cut at offset + limit."""
    depth = offset + limit
    columns = (HumanTask.id, HumanTask.created_at)
    mine = (
        select(*columns)
        .where(HumanTask.status == TaskStatus.OPEN, HumanTask.assignee_user_id == actor.id)
        .order_by(HumanTask.created_at, HumanTask.id)
        .limit(depth)
        .subquery()
    )
    offered = (
        select(*columns)
        .where(HumanTask.status == TaskStatus.OPEN, _offered(actor))
        .order_by(HumanTask.created_at, HumanTask.id)
        .limit(depth)
        .subquery()
    )
    both = union_all(
        select(mine.c.id, mine.c.created_at), select(offered.c.id, offered.c.created_at)
    ).subquery()
    return select(both.c.id).order_by(both.c.created_at, both.c.id).limit(limit).offset(offset)


def my_open_tasks(session: Session, actor, limit: int = 50, offset: int = 0) -> list[TaskRow]:
    ids = list(session.scalars(_page_of_ids(actor, limit, offset)))
    if not ids:
        return []
    rows = session.execute(
        select(*_ROW_COLUMNS)
        .join(Invoice, Invoice.id == HumanTask.invoice_id)
        .where(HumanTask.id.in_(ids))
        .order_by(HumanTask.created_at, HumanTask.id)
    )
    return [TaskRow(*row) for row in rows]


def my_open_tasks_due_first(session: Session, actor, limit: int) -> list[TaskRow]:
    """My open tasks by due date: overdue ones first, tasks without a due date last."""
    order = (HumanTask.due_at.is_(None), HumanTask.due_at, HumanTask.created_at, HumanTask.id)
    # Chosen in a derived table: the rule's EXISTS on invoice correlate with human_task alone.
    chosen = (
        select(HumanTask.id)
        .where(HumanTask.status == TaskStatus.OPEN, _mine(actor))
        .order_by(*order)
        .limit(limit)
        .subquery()
    )
    rows = session.execute(
        select(*_ROW_COLUMNS)
        .join_from(chosen, HumanTask, HumanTask.id == chosen.c.id)
        .join(Invoice, Invoice.id == HumanTask.invoice_id)
        .order_by(*order)
    )
    return [TaskRow(*row) for row in rows]


def count_my_open_and_overdue(session: Session, actor, now: datetime) -> tuple[int, int]:
    """How many open tasks I have, and how many of them are past their due time."""
    overdue = func.count(case((HumanTask.due_at < now, 1)))
    total, late = session.execute(
        select(func.count(), overdue)
        .select_from(HumanTask)
        .where(HumanTask.status == TaskStatus.OPEN, _mine(actor))
    ).one()
    return total or 0, late or 0


def count_my_open_tasks(session: Session, actor) -> int:
    return (
        session.scalar(
            select(func.count())
            .select_from(HumanTask)
            .where(HumanTask.status == TaskStatus.OPEN, _mine(actor))
        )
        or 0
    )
