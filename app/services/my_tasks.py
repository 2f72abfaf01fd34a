"""My tasks: one indexed query on human_task, never the serialized workflows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, case, exists, func, or_, select, union_all
from sqlalchemy.orm import Session, aliased

from app.domain.task_filters import TaskFilter, end_of_week
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


def my_open_tasks_matching(
    session: Session, actor, task_filter: TaskFilter, now: datetime, limit: int, offset: int = 0
) -> list[TaskRow]:
    """A page of my open tasks narrowed and ordered as the filter says: one statement."""
    if task_filter.is_default:
        return my_open_tasks(session, actor, limit, offset)
    # The invoice joined under another name: the rule's EXISTS on invoice stay correlated with
    # human_task alone.
    card = aliased(Invoice)
    chosen = (
        select(HumanTask.id)
        .join(card, card.id == HumanTask.invoice_id)
        .where(HumanTask.status == TaskStatus.OPEN, _mine(actor))
        .where(*_narrowed(card, task_filter, now))
        .order_by(*_ordered(card, task_filter))
        .limit(limit)
        .offset(offset)
        .subquery()
    )
    rows = session.execute(
        select(*_ROW_COLUMNS)
        .join_from(chosen, HumanTask, HumanTask.id == chosen.c.id)
        .join(Invoice, Invoice.id == HumanTask.invoice_id)
        .order_by(*_ordered(Invoice, task_filter))
    )
    return [TaskRow(*row) for row in rows]


def my_task_counterparties(session: Session, actor) -> list[tuple[int, str]]:
    """The counterparties of my open tasks, by name: what the counterparty filter offers."""
    card = aliased(Invoice)  # as in my_open_tasks_matching
    rows = session.execute(
        select(card.counterparty_id, func.min(card.counterparty_name))
        .join(HumanTask, HumanTask.invoice_id == card.id)
        .where(HumanTask.status == TaskStatus.OPEN, _mine(actor))
        .where(card.counterparty_id.is_not(None))
        .group_by(card.counterparty_id)
    )
    return sorted(((pk, name or "") for pk, name in rows), key=lambda row: row[1].casefold())


def _narrowed(card, task_filter: TaskFilter, now: datetime) -> list:
    conditions = []
    if task_filter.kind:
        conditions.append(HumanTask.form == task_filter.kind)
    if task_filter.counterparty_id:
        conditions.append(card.counterparty_id == task_filter.counterparty_id)
    if task_filter.due == "overdue":
        conditions.append(HumanTask.due_at < now)
    elif task_filter.due == "week":
        conditions.append(HumanTask.due_at < end_of_week(now))
    if task_filter.amount_from is not None:
        conditions.append(card.amount >= task_filter.amount_from)
    if task_filter.amount_to is not None:
        conditions.append(card.amount <= task_filter.amount_to)
    return conditions


def _ordered(card, task_filter: TaskFilter) -> tuple:
    """The sort asked for, tasks without a due date last either way; then oldest first."""
    key = {
        "waiting": HumanTask.created_at,
        "due": HumanTask.due_at,
        "amount": card.amount,
        "counterparty": card.counterparty_name,
        "kind": HumanTask.form,
    }[task_filter.sort]
    first = (HumanTask.due_at.is_(None),) if task_filter.sort == "due" else ()
    if task_filter.sort == "waiting":
        then = (HumanTask.id.desc(),) if task_filter.descending else (HumanTask.id,)
    else:
        then = (HumanTask.created_at, HumanTask.id)
    return (*first, key.desc() if task_filter.descending else key.asc(), *then)


def held_by(user):
    """SQL condition on human_task: the tasks `user` holds, as My tasks lists them (theirs, or
    offered to one of their roles and theirs to act on). Correlates with human_task alone: use
    it in a query whose FROM is human_task only."""
    return _mine(user)
