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
from app.services.visibility import visible_invoices_clause

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


def _conditions(actor, criteria: InvoiceFilter, today: date) -> list:
    found = []
    visible = visible_invoices_clause(actor)
    if visible is not None:
        found.append(visible)
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


def _filtered(statement: Select, actor, criteria, today, narrow: Narrow | None) -> Select:
    statement = statement.where(*_conditions(actor, criteria, today))
    return narrow(statement) if narrow is not None else statement


def _rows_statement(actor, criteria, order: Order, today, narrow) -> Select:
    sort = SORTS.get(order.column, Invoice.id)
    ordering = sort.desc() if order.descending else sort.asc()
    tie = Invoice.id.desc() if order.descending else Invoice.id.asc()
    statement = (
        select(*_ROW_COLUMNS)
        .select_from(Invoice)
        .outerjoin(_TASK, _TASK.id == longest_waiting_open_task(Invoice.id))
        .outerjoin(_HOLDER, _HOLDER.id == _TASK.assignee_user_id)
        .join(_INITIATOR, _INITIATOR.id == Invoice.initiator_id)
        .order_by(ordering.nulls_last(), tie)
    )
    return _filtered(statement, actor, criteria, today, narrow)


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
    statement = _filtered(select(func.count()).select_from(Invoice), actor, criteria, today, narrow)
    return session.scalar(statement) or 0


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
    statement = _rows_statement(actor, criteria, order, today, narrow)
    found = session.execute(statement.limit(page_size).offset(page * page_size))
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
