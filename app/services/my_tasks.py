"""My tasks: one indexed query on human_task, never the serialized workflows."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from functools import cache, lru_cache

from sqlalchemy import BigInteger, Integer, Select, bindparam, case, func, select, union
from sqlalchemy.orm import Session, aliased

from app.domain.task_filters import TaskFilter, end_of_week
from app.models import HumanTask, Invoice, TaskStatus
from app.services.task_holders import Person, Standing, acts_on, branches, holds, standing_of


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
    assignee_user_id: int | None = None
    candidate_role: str | None = None
    on_behalf_of: int | None = None  # the absent person whose task it is, for their deputy


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
    HumanTask.assignee_user_id,
    HumanTask.candidate_role,
)


def _rows(standing: Standing, rows) -> list[TaskRow]:
    """The rows, each naming the absent person it is held for when the reader is a deputy."""
    result = [TaskRow(*row) for row in rows]
    if not standing.stands_in_for:
        return result
    return [replace(row, on_behalf_of=_held_for(standing, row)) for row in result]


def _held_for(standing: Standing, row: TaskRow) -> int | None:
    if holds(standing.me, row):
        return None
    return next((p.id for p in standing.stands_in_for if holds(p, row)), None)


@dataclass(frozen=True)
class _Shape:
    """What a statement of the rule depends on beside the people's ids: the roles of each
    person and whether a deputy takes their tasks. The ids go in as parameters, so that one
    statement, built once (building one costs more than running it), serves every user of
    the same shape."""

    roles: frozenset[str]
    handed_on: bool
    absent_roles: tuple[frozenset[str], ...]


SHAPES_KEPT = 256  # role combinations x delegations: few; the bound keeps memory flat


def _shape_of(standing: Standing) -> tuple[_Shape, dict]:
    """The standing's shape, and its ids as the parameters of _bound(shape)."""
    absent = standing.stands_in_for
    parameters = {"me_id": standing.me.id}
    if standing.deputy_id is not None:
        parameters["deputy_id"] = standing.deputy_id
    parameters.update({f"absent_{i}_id": person.id for i, person in enumerate(absent)})
    shape = _Shape(
        standing.me.roles, standing.deputy_id is not None, tuple(p.roles for p in absent)
    )
    return shape, parameters


def _bound(shape: _Shape) -> Standing:
    """A standing of this shape whose ids are bound parameters (see _shape_of)."""
    me = Person(bindparam("me_id", type_=Integer), shape.roles)
    deputy = bindparam("deputy_id", type_=Integer) if shape.handed_on else None
    absent = tuple(
        Person(bindparam(f"absent_{i}_id", type_=Integer), roles)
        for i, roles in enumerate(shape.absent_roles)
    )
    return Standing(me, deputy, absent)


def _mine(standing: Standing):
    """The open tasks I may act on: task_holders' one rule."""
    return acts_on(standing, status=TaskStatus.OPEN)


@lru_cache(maxsize=SHAPES_KEPT)
def _page_of_ids(shape: _Shape) -> Select:
    """One index-ordered branch per holder lookup (assigned to me, offered to my roles, and
    the same for whom I stand in for), each cut at :depth (offset + limit)."""
    standing = _bound(shape)
    # BIGINT: a page number far beyond the last still reads an (empty) page.
    depth = bindparam("depth", type_=BigInteger)
    limit, offset = bindparam("limit", type_=BigInteger), bindparam("offset", type_=BigInteger)
    columns = (HumanTask.id, HumanTask.created_at)
    cut = [
        select(*columns)
        .where(HumanTask.status == TaskStatus.OPEN, branch)
        .order_by(HumanTask.created_at, HumanTask.id)
        .limit(depth)
        .subquery()
        for branch in branches(standing)
    ]
    # UNION, not UNION ALL: my role and the absent person's may offer the same task.
    every = union(*(select(part.c.id, part.c.created_at) for part in cut)).subquery()
    return select(every.c.id).order_by(every.c.created_at, every.c.id).limit(limit).offset(offset)


@cache
def _rows_of_ids() -> Select:
    return (
        select(*_ROW_COLUMNS)
        .join(Invoice, Invoice.id == HumanTask.invoice_id)
        .where(HumanTask.id.in_(bindparam("ids", expanding=True)))
        .order_by(HumanTask.created_at, HumanTask.id)
    )


def my_open_tasks(session: Session, actor, limit: int = 50, offset: int = 0) -> list[TaskRow]:
    standing = standing_of(session, actor)
    shape, parameters = _shape_of(standing)
    page = {"depth": offset + limit, "limit": limit, "offset": offset}
    ids = list(session.scalars(_page_of_ids(shape), {**parameters, **page}))
    if not ids:
        return []
    return _rows(standing, session.execute(_rows_of_ids(), {"ids": ids}))


def my_open_tasks_due_first(session: Session, actor, limit: int) -> list[TaskRow]:
    """My open tasks by due date: overdue ones first, tasks without a due date last."""
    order = (HumanTask.due_at.is_(None), HumanTask.due_at, HumanTask.created_at, HumanTask.id)
    standing = standing_of(session, actor)
    # Chosen in a derived table: the rule's EXISTS on invoice correlate with human_task alone.
    chosen = (
        select(HumanTask.id)
        .where(HumanTask.status == TaskStatus.OPEN, _mine(standing))
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
    return _rows(standing, rows)


def _my_open(standing: Standing, *columns):
    """My open tasks (id and `columns`) as a UNION of the rule's branches, each read through
    its index: counted as they are, not matched again against every open task."""
    return union(
        *(
            select(HumanTask.id, *columns).where(HumanTask.status == TaskStatus.OPEN, branch)
            for branch in branches(standing)
        )
    ).subquery()


def count_my_open_and_overdue(session: Session, actor, now: datetime) -> tuple[int, int]:
    """How many open tasks I have, and how many of them are past their due time."""
    mine = _my_open(standing_of(session, actor), HumanTask.due_at)
    overdue = func.count(case((mine.c.due_at < now, 1)))
    total, late = session.execute(select(func.count(), overdue).select_from(mine)).one()
    return total or 0, late or 0


@lru_cache(maxsize=SHAPES_KEPT)
def _count_of_my_open(shape: _Shape) -> Select:
    return select(func.count()).select_from(_my_open(_bound(shape)))


def count_my_open_tasks(session: Session, actor) -> int:
    """What the menu shows beside My tasks on every page."""
    shape, parameters = _shape_of(standing_of(session, actor))
    return session.scalar(_count_of_my_open(shape), parameters) or 0


def my_open_tasks_matching(
    session: Session, actor, task_filter: TaskFilter, now: datetime, limit: int, offset: int = 0
) -> list[TaskRow]:
    """A page of my open tasks narrowed and ordered as the filter says: one statement."""
    if task_filter.is_default:
        return my_open_tasks(session, actor, limit, offset)
    # The invoice joined under another name: the rule's EXISTS on invoice stay correlated with
    # human_task alone.
    card = aliased(Invoice)
    standing = standing_of(session, actor)
    chosen = (
        select(HumanTask.id)
        .join(card, card.id == HumanTask.invoice_id)
        .where(HumanTask.status == TaskStatus.OPEN, _mine(standing))
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
    return _rows(standing, rows)


@lru_cache(maxsize=SHAPES_KEPT)
def _counterparties_of_my_open(shape: _Shape) -> Select:
    card = aliased(Invoice)  # as in my_open_tasks_matching
    return (
        select(card.counterparty_id, func.min(card.counterparty_name))
        .join(HumanTask, HumanTask.invoice_id == card.id)
        .where(HumanTask.status == TaskStatus.OPEN, _mine(_bound(shape)))
        .where(card.counterparty_id.is_not(None))
        .group_by(card.counterparty_id)
    )


def my_task_counterparties(session: Session, actor) -> list[tuple[int, str]]:
    """The counterparties of my open tasks, by name: what the counterparty filter offers."""
    shape, parameters = _shape_of(standing_of(session, actor))
    rows = session.execute(_counterparties_of_my_open(shape), parameters)
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
    return _mine(standing_of(None, user))
