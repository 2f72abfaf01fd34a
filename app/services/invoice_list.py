"""The invoice list: the invoices a person may see, filtered, sorted and paged, each with its
stage, who holds it now and since when. The list screen and its export read the same query.

Filters come as plain values (app/services/invoice_filter.py);
`narrow` is an optional function adding further conditions to the statement (the list screen's
per-column search). Holder and waiting time come from the invoice's open task waiting longest
(app/services/task_holder.py), joined in the query: no statement per row.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Select, case, exists, func, select
from sqlalchemy.orm import Session, aliased

from app.i18n import _
from app.models import HumanTask, Invoice, InvoiceApprover, InvoiceStatus, TaskStatus
from app.models.user import User
from app.services.invoice_filter import InvoiceFilter
from app.services.overdue import is_overdue, overdue_clause
from app.services.task_holder import holder_name, holder_name_column, longest_waiting_open_task
from app.services.visibility import visible_invoice_parts, visible_invoices_clause

# The columns of the list, in order, as the screen and the export show them.
COLUMNS = (
    ("number", _("No.")),
    ("issue_date", _("Issue date")),
    ("counterparty_name", _("Counterparty")),
    ("amount", _("Amount")),
    ("currency", _("Currency")),
    ("status", _("Status")),
    ("stage", _("Stage")),
    ("holder", _("Holder")),
    ("waiting_since", _("Waiting since")),
    ("due_date", _("Due date")),
    ("initiator", _("Initiator")),
)


@dataclass(frozen=True)
class InvoiceRow:
    id: int
    number: int | None
    issue_date: date
    counterparty_name: str
    amount: Decimal
    currency: str
    status: str
    stage: str | None
    holder: str | None  # the assignee's name, or the role an unassigned task is offered to
    holder_is_person: bool
    waiting_since: datetime | None  # when the open task was created
    due_date: date | None
    initiator: str
    overdue: bool
    stage_translations: dict = field(default_factory=dict)  # {"ru": ...}: the diagram's name_ru


@dataclass(frozen=True)
class InvoicePage:
    count: int  # rows the filter matches, on every page
    rows: list[InvoiceRow]


@dataclass(frozen=True)
class Order:
    column: str = "id"
    descending: bool = True


# The open task each row shows, its assignee, and the initiator: joined once per statement.
_TASK = aliased(HumanTask, name="current_task")
_HOLDER = aliased(User, name="holder")
_INITIATOR = aliased(User, name="initiator_user")
_HOLDER_NAME = holder_name_column(_TASK, _HOLDER)
_INITIATOR_NAME = _INITIATOR.first_name + " " + _INITIATOR.last_name
_STATUS_RANK = case(
    {status: rank for rank, status in enumerate(InvoiceStatus)}, value=Invoice.status
)

# What each sortable column sorts by: statuses in the order an invoice goes through them.
SORTS = {
    "id": Invoice.id,
    "number": Invoice.number,
    "issue_date": Invoice.issue_date,
    "counterparty_name": Invoice.counterparty_name,
    "amount": Invoice.amount,
    "currency": Invoice.currency,
    "status": _STATUS_RANK,
    "stage": Invoice.stage,
    "holder": _HOLDER_NAME,
    "waiting_since": _TASK.created_at,
    "due_date": Invoice.due_date,
    "initiator": _INITIATOR_NAME,
}
SORTABLE = tuple(name for name in SORTS if name != "id")
# The sorts by what is never NULL (the invoice's own required columns, the initiator joined
# inner): read in index order where an index has it.
NEVER_NULL = frozenset(
    {"id", "issue_date", "counterparty_name", "amount", "currency", "status", "initiator"}
)

_ROW_COLUMNS = (
    Invoice.id,
    Invoice.number,
    Invoice.issue_date,
    Invoice.counterparty_name,
    Invoice.amount,
    Invoice.currency,
    Invoice.status,
    Invoice.stage,
    _HOLDER.first_name,
    _HOLDER.last_name,
    _TASK.candidate_role,
    _TASK.created_at,
    Invoice.due_date,
    _INITIATOR_NAME,
    Invoice.stage_translations,
)

Narrow = Callable[[Select], Select]


def _conditions(actor, criteria: InvoiceFilter, today: date, visible=True) -> list:
    found = []
    clause = visible_invoices_clause(actor) if visible else None
    if clause is not None:
        found.append(clause)
    if criteria.status:
        found.append(Invoice.status == criteria.status)
    if criteria.stage:
        found.append(Invoice.stage == criteria.stage)
    if criteria.initiator:
        found.append(Invoice.initiator_id == criteria.initiator)
    if criteria.approver:
        found.append(
            exists().where(
                InvoiceApprover.invoice_id == Invoice.id,
                InvoiceApprover.user_id == criteria.approver,
            )
        )
    found.extend(_holder_conditions(criteria))
    if criteria.due_from:
        found.append(Invoice.due_date >= criteria.due_from)
    if criteria.due_to:
        found.append(Invoice.due_date <= criteria.due_to)
    if criteria.overdue:
        found.append(overdue_clause(today))
    return found


def _holder_conditions(criteria: InvoiceFilter) -> list:
    def open_task(*conditions):
        return exists().where(
            HumanTask.invoice_id == Invoice.id, HumanTask.status == TaskStatus.OPEN, *conditions
        )

    found = []
    if criteria.holder:
        found.append(open_task(HumanTask.assignee_user_id == criteria.holder))
    if criteria.holder_role:
        found.append(
            open_task(
                HumanTask.assignee_user_id.is_(None),
                HumanTask.candidate_role == criteria.holder_role,
            )
        )
    return found


def _filtered(
    statement: Select, actor, criteria, today, narrow: Narrow | None, visible=True
) -> Select:
    statement = statement.where(*_conditions(actor, criteria, today, visible))
    return narrow(statement) if narrow is not None else statement


def _ordering(order: Order) -> tuple:
    sort = SORTS.get(order.column, Invoice.id)
    ordering = sort.desc() if order.descending else sort.asc()
    if order.column not in NEVER_NULL:
        # NULLS LAST on a column that has no NULL would stop PostgreSQL from reading the rows
        # in its index's order: it would sort every matching row to show 25.
        ordering = ordering.nulls_last()
    return ordering, Invoice.id.desc() if order.descending else Invoice.id.asc()


def _with_row_columns(statement: Select) -> Select:
    return (
        statement.outerjoin(_TASK, _TASK.id == longest_waiting_open_task(Invoice.id))
        .outerjoin(_HOLDER, _HOLDER.id == _TASK.assignee_user_id)
        .join(_INITIATOR, _INITIATOR.id == Invoice.initiator_id)
    )


def _rows_statement(actor, criteria, order: Order, today, narrow) -> Select:
    statement = _with_row_columns(select(*_ROW_COLUMNS).select_from(Invoice))
    return _filtered(statement.order_by(*_ordering(order)), actor, criteria, today, narrow)


# Sorts by what only the joined task and people give: the page cannot be chosen before them.
_SORTED_BY_JOINS = frozenset({"holder", "waiting_since", "initiator"})


def _page_statement(actor, criteria, order: Order, today, narrow, page, page_size) -> Select:
    """One page: its invoice ids chosen first (in index order, skipping `page` pages), then
    the open task and the people of those rows alone, not of every row skipped."""
    if order.column in _SORTED_BY_JOINS:
        statement = _rows_statement(actor, criteria, order, today, narrow)
        return statement.limit(page_size).offset(page * page_size)
    ordering = _ordering(order)
    chosen = (
        _chosen_ids(actor, criteria, order, today, narrow, ordering)
        .limit(page_size)
        .offset(page * page_size)
        .subquery("page_ids")
    )
    statement = select(*_ROW_COLUMNS).select_from(Invoice).join(chosen, chosen.c.id == Invoice.id)
    return _with_row_columns(statement).order_by(*ordering)


def _chosen_ids(actor, criteria, order: Order, today, narrow, ordering) -> Select:
    """The ids of the matching invoices in the page's order. Unfiltered and in id order, for
    someone who sees only some: straight from the rule's lookups, sorted, with no invoice row
    read (walking the invoices in id order tested the rule on every one skipped)."""
    parts = visible_invoice_parts(actor) if order.column == "id" else None
    if parts is None or not _unfiltered(actor, criteria, today, narrow):
        return _filtered(select(Invoice.id).order_by(*ordering), actor, criteria, today, narrow)
    ids = parts.every_id.c.id
    return select(ids.label("id")).order_by(ids.desc() if order.descending else ids.asc())


def _unfiltered(actor, criteria, today, narrow) -> bool:
    """Nothing but the visibility rule narrows the list."""
    return narrow is None and not _conditions(actor, criteria, today, visible=False)


def _row(values, today: date) -> InvoiceRow:
    (pk, number, issued, party, amount, currency, status, stage) = values[:8]
    (first, last, role, since, due, initiator, stage_translations) = values[8:]
    return InvoiceRow(
        pk,
        number,
        issued,
        party,
        amount,
        currency,
        status,
        stage,
        holder_name(first, last, role),
        first is not None,
        since,
        due,
        initiator,
        is_overdue(due, status, today),
        stage_translations or {},
    )


def count_invoices(
    session: Session, actor, criteria: InvoiceFilter, today: date, narrow: Narrow | None = None
) -> int:
    """How many invoices the actor may see match: their own and the others counted apart (one
    statement), each through its index, not the visibility rule tested on every invoice."""
    parts = visible_invoice_parts(actor)
    if parts is None:
        statement = _filtered(
            select(func.count()).select_from(Invoice), actor, criteria, today, narrow
        )
        return session.scalar(statement) or 0
    if _unfiltered(actor, criteria, today, narrow):
        return session.scalar(parts.count_all) or 0
    own, others = (
        _filtered(
            select(func.count()).select_from(Invoice).where(part),
            actor,
            criteria,
            today,
            narrow,
            visible=False,
        ).scalar_subquery()
        for part in (parts.own, parts.others)
    )
    return session.scalar(select(own + others)) or 0


def list_invoices(
    session: Session,
    actor,
    criteria: InvoiceFilter,
    order: Order,
    today: date,
    page: int,
    page_size: int,
    narrow: Narrow | None = None,
) -> InvoicePage:
    """One page (numbered from 0) of the invoices the actor may see that match the filter."""
    count = count_invoices(session, actor, criteria, today, narrow)
    statement = _page_statement(actor, criteria, order, today, narrow, page, page_size)
    found = session.execute(statement)
    return InvoicePage(count, [_row(values, today) for values in found])


def each_invoice(
    session: Session,
    actor,
    criteria: InvoiceFilter,
    order: Order,
    today: date,
    limit: int,
    narrow: Narrow | None = None,
    batch: int = 1000,
) -> Iterator[InvoiceRow]:
    """Every matching invoice in order (at most `limit`), read from the database in batches."""
    statement = _rows_statement(actor, criteria, order, today, narrow).limit(limit)
    for values in session.execute(statement.execution_options(yield_per=batch)):
        yield _row(values, today)
