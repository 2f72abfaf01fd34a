"""The home page: what waits for each person, each block a few aggregate queries.

Blocks count only the invoices the reader may see (app/services/visibility.py); a reader's
open tasks follow My tasks' rule (app/services/my_tasks.py). Times are UTC.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from app import roles
from app.models import (
    HumanTask,
    Incident,
    IncidentStatus,
    Invoice,
    InvoiceStatus,
    OutboxMessage,
    OutboxStatus,
    TaskStatus,
)
from app.models.incident import reason_text
from app.models.user import User
from app.services.dashboard_charts import (
    StageTime,
    WeekApprovals,
    approvals_per_week,
    stage_times,
)
from app.services.incidents import action_text
from app.services.my_tasks import TaskRow, count_my_open_and_overdue, my_open_tasks_due_first
from app.services.overdue import overdue_clause
from app.services.task_holder import holder_name
from app.services.visibility import sees_all_invoices, visible_invoice_ids

REASON_SHOWN = 200  # characters of an incident's error the panel shows
# The order statuses are shown in; a process stage holds invoices in the running ones.
STATUS_ORDER = tuple(InvoiceStatus)
RUNNING_STATUSES = (
    InvoiceStatus.IN_APPROVAL,
    InvoiceStatus.ON_REWORK,
    InvoiceStatus.AWAITING_PAYMENT,
)


@dataclass(frozen=True)
class MyTasks:
    rows: list[TaskRow]  # overdue first, then by due date
    total: int
    overdue: int


@dataclass(frozen=True)
class InvoiceCounts:
    by_status: list[tuple[str, int]]  # every status, in STATUS_ORDER, zeros included
    by_stage: list[tuple[str, int]]  # stages of running invoices, largest first
    all_invoices: bool  # the reader sees every invoice, not only those they take part in

    @property
    def total(self) -> int:
        return sum(count for _, count in self.by_status)


@dataclass(frozen=True)
class CurrencyTotal:
    currency: str
    count: int
    amount: Decimal
    overdue_count: int
    overdue_amount: Decimal


@dataclass(frozen=True)
class OverdueInvoice:
    id: int
    number: int
    counterparty_name: str
    amount: Decimal
    currency: str
    due_date: date


@dataclass(frozen=True)
class AwaitingPayment:
    by_currency: list[CurrencyTotal]
    overdue: list[OverdueInvoice]  # past their due date, the longest overdue first

    @property
    def count(self) -> int:
        return sum(row.count for row in self.by_currency)

    @property
    def overdue_count(self) -> int:
        return sum(row.overdue_count for row in self.by_currency)


@dataclass(frozen=True)
class OpenIncident:
    id: int
    invoice_id: int
    invoice_number: int | None
    action: str  # the failed use case's code
    error: str  # the stored text, as the person whose action failed read it
    reason: dict | str | None  # the same failure as data (app.i18n.portable)
    last_seen_at: datetime
    occurrences: int

    @property
    def action_shown(self) -> str:
        return action_text(self.action)

    @property
    def reason_shown(self) -> str:
        """What failed, in the reader's language, cut to the panel's width."""
        shown = reason_text(self.reason, self.error)
        return shown if len(shown) <= REASON_SHOWN else shown[: REASON_SHOWN - 1] + "…"


@dataclass(frozen=True)
class WaitingTask:
    task_guid: str
    title_template: dict
    title_values: dict
    created_at: datetime
    due_at: datetime | None
    invoice_number: int
    holder: str  # the assignee's name, or the role the task is offered to


@dataclass(frozen=True)
class Operations:
    open_incidents: int
    failed_mails: int
    incidents: list[OpenIncident]  # the most recently seen first
    waiting_longest: list[WaitingTask]


@dataclass(frozen=True)
class Dashboard:
    now: datetime
    today: date  # the reader's date: what is overdue
    tasks: MyTasks
    invoices: InvoiceCounts
    stage_times: list[StageTime]
    approvals_per_week: list[WeekApprovals]
    payments: AwaitingPayment | None  # finance directors
    operations: Operations | None  # administrators


def load_dashboard(
    session: Session, actor, now: datetime, rows: int = 10, today: date | None = None
) -> Dashboard:
    """The blocks the actor's roles call for; `rows` bounds every list shown; `today` is the
    reader's date (what is overdue), the UTC date of `now` by default."""
    visible = visible_invoice_ids(actor)
    today = today or now.date()
    return Dashboard(
        now=now,
        today=today,
        tasks=my_tasks(session, actor, now, rows),
        invoices=invoice_counts(session, actor),
        stage_times=stage_times(session, visible, now),
        approvals_per_week=approvals_per_week(session, visible, now),
        payments=(
            awaiting_payment(session, today, rows)
            if roles.has_role(actor, roles.FINANCE_DIRECTOR)
            else None
        ),
        operations=operations(session, rows) if roles.has_role(actor, roles.ADMIN) else None,
    )


def my_tasks(session: Session, actor, now: datetime, rows: int) -> MyTasks:
    total, overdue = count_my_open_and_overdue(session, actor, now)
    return MyTasks(my_open_tasks_due_first(session, actor, rows), total, overdue)


def invoice_counts(session: Session, actor) -> InvoiceCounts:
    """Invoices the actor may see, by status and by the stage running ones are at."""
    query = select(Invoice.status, Invoice.stage, func.count()).group_by(
        Invoice.status, Invoice.stage
    )
    visible = visible_invoice_ids(actor)
    if visible is not None:
        query = query.where(Invoice.id.in_(visible))
    statuses: dict[str, int] = dict.fromkeys(STATUS_ORDER, 0)
    stages: dict[str, int] = {}
    for status, stage, count in session.execute(query):
        statuses[status] = statuses.get(status, 0) + count
        if status in RUNNING_STATUSES and stage:
            stages[stage] = stages.get(stage, 0) + count
    by_stage = sorted(stages.items(), key=lambda item: (-item[1], item[0]))
    return InvoiceCounts(list(statuses.items()), by_stage, sees_all_invoices(actor))


def awaiting_payment(session: Session, today: date, rows: int) -> AwaitingPayment:
    """Invoices awaiting payment, count and total per currency, and those past their due date
    (for finance directors, who see every invoice)."""
    waiting = Invoice.status == InvoiceStatus.AWAITING_PAYMENT
    late = overdue_clause(today)
    totals = session.execute(
        select(
            Invoice.currency,
            func.count(),
            func.sum(Invoice.amount),
            func.count(case((late, 1))),
            func.sum(case((late, Invoice.amount))),
        )
        .where(waiting)
        .group_by(Invoice.currency)
        .order_by(Invoice.currency)
    ).all()
    overdue = session.execute(
        select(
            Invoice.id,
            Invoice.number,
            Invoice.counterparty_name,
            Invoice.amount,
            Invoice.currency,
            Invoice.due_date,
        )
        .where(waiting, late)
        .order_by(Invoice.due_date, Invoice.id)
        .limit(rows)
    ).all()
    return AwaitingPayment(
        [
            CurrencyTotal(currency, n, amount or Decimal(0), n_late, late_amount or Decimal(0))
            for currency, n, amount, n_late, late_amount in totals
        ],
        [OverdueInvoice(*row) for row in overdue],
    )


def operations(session: Session, rows: int) -> Operations:
    """What needs an administrator: open incidents, failed mails, the tasks waiting longest."""
    open_incidents = Incident.status == IncidentStatus.OPEN
    counts = session.execute(
        select(
            select(func.count()).select_from(Incident).where(open_incidents).scalar_subquery(),
            select(func.count())
            .select_from(OutboxMessage)
            .where(OutboxMessage.status == OutboxStatus.FAILED)
            .scalar_subquery(),
        )
    ).one()
    incidents = session.execute(
        select(
            Incident.id,
            Incident.invoice_id,
            Invoice.number,
            Incident.action,
            func.substr(Incident.error, 1, REASON_SHOWN),
            Incident.reason,
            Incident.last_seen_at,
            Incident.occurrences,
        )
        .outerjoin(Invoice, Invoice.id == Incident.invoice_id)
        .where(open_incidents)
        .order_by(Incident.last_seen_at.desc(), Incident.id.desc())
        .limit(rows)
    ).all()
    return Operations(
        counts[0] or 0,
        counts[1] or 0,
        [OpenIncident(*row) for row in incidents],
        waiting_longest(session, rows),
    )


def waiting_longest(session: Session, rows: int) -> list[WaitingTask]:
    found = session.execute(
        select(
            HumanTask.task_guid,
            HumanTask.title_template,
            HumanTask.title_values,
            HumanTask.created_at,
            HumanTask.due_at,
            Invoice.number,
            User.first_name,
            User.last_name,
            HumanTask.candidate_role,
        )
        .join(Invoice, Invoice.id == HumanTask.invoice_id)
        .outerjoin(User, User.id == HumanTask.assignee_user_id)
        .where(HumanTask.status == TaskStatus.OPEN)
        .order_by(HumanTask.created_at, HumanTask.id)
        .limit(rows)
    ).all()
    return [
        WaitingTask(
            guid,
            template or {},
            values or {},
            created,
            due,
            number,
            holder_name(first, last, role) or "",
        )
        for guid, template, values, created, due, number, first, last, role in found
    ]
