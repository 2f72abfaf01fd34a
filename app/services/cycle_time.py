"""The cycle-time report: how long invoices take from submit to payment, per month of payment,
and how long each stage and each approver holds them; the slowest invoices of the period.

An invoice's cycle runs from its first submit (its process instance's creation) to the moment
its payment was recorded; months are calendar months (UTC) of that moment. Stages and approvers
are timed on the human tasks completed in the period (created_at to completed_at, stored on the
task by the mirror), as the dashboard times stages. Percentiles come from the database
(app/services/wait_percentiles.py): the tasks' waits walked in order from an index, the
months' cycles sorted.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from sqlalchemy import DateTime, func, select
from sqlalchemy.orm import Session, aliased

from app.models import (
    FormKind,
    HumanTask,
    Invoice,
    Payment,
    ProcessInstance,
    ProcessVersion,
    TaskStatus,
)
from app.models.user import User
from app.permissions import READ_WAIT_REPORTS, require
from app.services.invoice_export import neutralised
from app.services.report_period import Period
from app.services.visibility import visible_invoice_ids
from app.services.wait_percentiles import Spread, spreads, walked_spreads
from app.workflow.flow_paths import task_name_translations

SLOWEST_SHOWN = 20
Task = aliased(HumanTask, name="timed_task")


@dataclass(frozen=True)
class Figure:
    """One line of the report: what it is about, how many, median and p90 in seconds."""

    label: str
    key: str
    count: int
    median_seconds: float | None
    p90_seconds: float | None


@dataclass(frozen=True)
class SlowInvoice:
    invoice_id: int
    number: int
    counterparty: str
    amount: Decimal
    currency: str
    submitted_at: datetime
    paid_at: datetime
    seconds: float


@dataclass(frozen=True)
class CycleTimeReport:
    period: Period
    months: list[Figure] = field(default_factory=list)
    stages: list[Figure] = field(default_factory=list)
    approvers: list[Figure] = field(default_factory=list)
    slowest: list[SlowInvoice] = field(default_factory=list)


def cycle_time_report(session: Session, actor, period: Period, language: str) -> CycleTimeReport:
    """The report for a period. Raises PermissionDeniedError without the wait reports
    permission. The slowest invoices are those the actor may see; the figures count all."""
    require(actor, READ_WAIT_REPORTS)
    stages, approvers = _done_counts(session, period)
    return CycleTimeReport(
        period,
        _months(session, period),
        _stages(session, period, language, stages),
        _approvers(session, period, approvers),
        _slowest(session, actor, period),
    )


def _paid_in(period: Period) -> list:
    """The payments recorded in the period, of invoices with a cycle (submitted ones)."""
    return [
        Payment.recorded_at >= period.starts,
        Payment.recorded_at < period.ends,
        Payment.cycle_seconds.isnot(None),
    ]


def _month_of(session: Session, moment):
    """The month as a group key: PostgreSQL's date_trunc (a timestamp, sorted faster than the
    text to_char gives), SQLite's strftime text; `_month_label` names either."""
    if session.get_bind().dialect.name == "postgresql":
        return func.date_trunc("month", moment, type_=DateTime)
    return func.strftime("%Y-%m", moment)


def _month_label(key) -> str:
    return key.strftime("%Y-%m") if isinstance(key, datetime) else key


def _months(session: Session, period: Period) -> list[Figure]:
    month = _month_of(session, Payment.recorded_at)
    found = spreads(session, [month], Payment.cycle_seconds, _paid_in(period))
    labelled = sorted(
        ((_month_label(key), spread) for (key,), spread in found.items()), key=lambda m: m[0]
    )
    return [_figure(label, label, spread) for label, spread in labelled]


def _done_in(period: Period) -> list:
    return [
        Task.status == TaskStatus.DONE,
        Task.completed_at >= period.starts,
        Task.completed_at < period.ends,
    ]


def _done_counts(session: Session, period: Period) -> tuple[Counter, Counter]:
    """The tasks done in the period per stage and per approver (approval tasks), from one
    range of ix_human_task_done_holders."""
    keys = [Task.name, Task.form, Task.completed_by_id]
    rows = session.execute(select(*keys, func.count()).where(*_done_in(period)).group_by(*keys))
    stages: Counter[tuple] = Counter()
    approvers: Counter[tuple] = Counter()
    for name, form, user_id, done in rows:
        stages[(name,)] += done
        if form == FormKind.APPROVAL and user_id is not None:
            approvers[(form, user_id)] += done
    return stages, approvers


def _stages(session: Session, period: Period, language: str, counts: Counter) -> list[Figure]:
    found = _walked(session, [Task.name], _done_in(period), counts)
    names = _stage_names(session, language)
    figures = [
        _figure(names.get(name) or name or "", name or "", spread)
        for (name,), spread in found.items()
    ]
    return sorted(figures, key=lambda f: f.label.casefold())


def _walked(session: Session, keys: list, where: list, counts: Counter) -> dict[tuple, Spread]:
    """Waits of the tasks done, in the order of an index led by `keys` (migration 0030)."""
    return walked_spreads(session, keys, Task.wait_seconds, where, counts)


def _stage_names(session: Session, language: str) -> dict[str, str]:
    """{stage as stored: in the reader's language}, from the diagrams (the newest version's
    name wins): a few parsed (and cached) diagrams instead of a scan of the tasks."""
    names: dict[str, str] = {}
    for xml in session.scalars(select(ProcessVersion.bpmn_xml).order_by(ProcessVersion.id)):
        names.update(task_name_translations(xml, language))
    return names


def _approvers(session: Session, period: Period, counts: Counter) -> list[Figure]:
    where = [*_done_in(period), Task.form == FormKind.APPROVAL]
    found = _walked(session, [Task.form, Task.completed_by_id], where, counts)
    found = {(user_id,): spread for (_form, user_id), spread in found.items()}
    ids = [user_id for (user_id,) in found if user_id is not None]
    names = dict(
        session.execute(
            select(User.id, func.trim(User.first_name + " " + User.last_name)).where(
                User.id.in_(ids)
            )
        ).all()
    )
    figures = [
        _figure(names.get(user_id, "?"), str(user_id), spread)
        for (user_id,), spread in found.items()
        if user_id is not None
    ]
    return sorted(figures, key=lambda f: (-(f.median_seconds or 0), f.label))


def _slowest(session: Session, actor, period: Period) -> list[SlowInvoice]:
    """Walked from the top of ix_payment_slowest_cycles until enough are found in the period:
    no join and no sort of the period's payments."""
    top = (
        select(Payment.invoice_id, Payment.recorded_at, Payment.cycle_seconds)
        .where(*_paid_in(period))
        .order_by(Payment.cycle_seconds.desc(), Payment.invoice_id)
        .limit(SLOWEST_SHOWN)
    )
    visible = visible_invoice_ids(actor)
    if visible is not None:
        top = top.where(Payment.invoice_id.in_(visible))
    top = top.subquery("slowest")
    query = (
        select(
            Invoice.id,
            Invoice.number,
            Invoice.counterparty_name,
            Invoice.amount,
            Invoice.currency,
            ProcessInstance.created_at,
            top.c.recorded_at,
            top.c.cycle_seconds,
        )
        .join(Invoice, Invoice.id == top.c.invoice_id)
        .join(ProcessInstance, ProcessInstance.invoice_id == top.c.invoice_id)
        .order_by(top.c.cycle_seconds.desc(), top.c.invoice_id)
    )
    return [SlowInvoice(*row[:-1], float(row[-1])) for row in session.execute(query)]


def _figure(label: str, key: str, spread: Spread) -> Figure:
    return Figure(label, key, spread.count, spread.median, spread.p90)


# --------------------------------------------------------------------------- CSV


def report_csv(
    report: CycleTimeReport, headings: dict[str, str], delimiter: str, decimal_mark: str
) -> bytes:
    """The report as one CSV (UTF-8 with a byte order mark): a section column, then label,
    count, median and p90 in hours; `headings` names the columns and sections in the reader's
    language. Text is neutralised against spreadsheet formulas."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    for row in _csv_rows(report, headings):
        writer.writerow([_local(cell, decimal_mark) for cell in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def _csv_rows(report: CycleTimeReport, headings: dict[str, str]) -> Iterator[list]:
    names = ("section", "label", "count", "median_hours", "p90_hours")
    yield [neutralised(headings[name]) for name in names]
    for section, figures in (
        ("month", report.months),
        ("stage", report.stages),
        ("approver", report.approvers),
    ):
        for figure in figures:
            yield [
                headings[section],
                neutralised(figure.label),
                figure.count,
                _hours(figure.median_seconds),
                _hours(figure.p90_seconds),
            ]
    for slow in report.slowest:
        label = neutralised(f"#{slow.number} {slow.counterparty}")
        yield [headings["slowest"], label, 1, _hours(slow.seconds), _hours(slow.seconds)]


class _Hours(str):
    """Hours written with the reader's decimal mark."""


def _local(cell, decimal_mark: str):
    return cell.replace(".", decimal_mark) if isinstance(cell, _Hours) else cell


def _hours(seconds: float | None) -> str:
    return _Hours("" if seconds is None else f"{seconds / 3600:.1f}")
