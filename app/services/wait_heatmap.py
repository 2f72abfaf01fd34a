"""Where invoices wait, on a process version's diagram: each user task's median and 90th
percentile waiting time over a period, and how many invoices took each sequence flow.

A task's waiting time is its human task's created_at to completed_at (the dashboard's stage
time), for the tasks completed in the period. Flows come from the order of each invoice's human
tasks: one SQL pass pairs every task with the next task of its invoice (window functions) and
counts the pairs; the diagram then tells which flows join each pair (app/workflow/flow_paths.py),
once per pair, not per invoice. An invoice's first task counts the way from the start event, its
last task (on a closed invoice) the way to the end event of its status. Deserializing every
workflow for its completed path would be exact for parallel branches too, but costs a workflow
load per invoice; parallel tasks of one invoice are paired in the order they were created.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from sqlalchemy import and_, func, literal, null, or_, select, union_all
from sqlalchemy.orm import Session, aliased

from app.models import HumanTask, Invoice, ProcessInstance, TaskStatus
from app.models.invoice import CLOSED_STATUSES
from app.permissions import READ_WAIT_REPORTS, require
from app.services.process_catalog import get_version
from app.services.report_period import Period
from app.services.wait_percentiles import Spread, seconds_between, spreads
from app.workflow.flow_paths import START, flows_between, flows_to_end, user_task_names

BANDS = 5  # colours on the diagram, from quick to slow (and flow widths, from few to many)
Task = aliased(HumanTask, name="waited_task")


@dataclass(frozen=True)
class TaskHeat:
    bpmn_id: str
    name: str  # in the reader's language where the diagram gives one
    tasks: int  # human tasks completed in the period
    invoices: int  # distinct invoices among them
    median_seconds: float | None
    p90_seconds: float | None
    band: int  # 1 (quickest) .. BANDS (slowest median), relative to the slowest task


@dataclass(frozen=True)
class Heatmap:
    version_id: int
    version: int
    period: Period
    tasks: list[TaskHeat] = field(default_factory=list)
    flows: dict[str, int] = field(default_factory=dict)  # flow id: invoices that took it
    flow_bands: dict[str, int] = field(default_factory=dict)  # flow id: 1 .. BANDS
    slowest_median_seconds: float = 0.0
    busiest_flow: int = 0


def wait_heatmap(
    session: Session, actor, version_id, period: Period, language: str | None = None
) -> Heatmap:
    """The figures for one version and period. Raises PermissionDeniedError without the
    wait reports permission, NotFoundError for an unknown version."""
    require(actor, READ_WAIT_REPORTS)
    version = get_version(session, actor, version_id)
    spread = _task_spreads(session, version.id, period)
    slowest = max((s.median or 0.0 for s in spread.values()), default=0.0)
    names = user_task_names(version.bpmn_xml, language)
    tasks = [
        TaskHeat(
            bpmn_id,
            names.get(bpmn_id, bpmn_id),
            s.count,
            s.distinct or 0,
            s.median,
            s.p90,
            _band(s, slowest),
        )
        for (bpmn_id,), s in sorted(spread.items())
    ]
    flows = _flow_counts(session, version, period)
    busiest = max(flows.values(), default=0)
    return Heatmap(
        version.id,
        version.version,
        period,
        tasks,
        flows,
        {flow: _scaled(count, busiest) for flow, count in flows.items()},
        slowest,
        busiest,
    )


def _of_version(version_id: int):
    return Task.instance_id.in_(
        select(ProcessInstance.id).where(ProcessInstance.process_version_id == version_id)
    )


def _done_in(period: Period) -> list:
    return [
        Task.status == TaskStatus.DONE,
        Task.completed_at >= period.starts,
        Task.completed_at < period.ends,
    ]


def _task_spreads(session: Session, version_id: int, period: Period) -> dict[tuple, Spread]:
    seconds = seconds_between(session, Task.created_at, Task.completed_at)
    where = [_of_version(version_id), *_done_in(period)]
    return spreads(session, [Task.bpmn_id], seconds, where, distinct=Task.invoice_id)


def _band(spread: Spread, slowest: float) -> int:
    if not spread.median or not slowest:
        return 1
    return _scaled(spread.median, slowest)


def _scaled(value: float, top: float) -> int:
    """1 .. BANDS: which fifth of `top` the value falls in."""
    if top <= 0:
        return 1
    return min(BANDS, 1 + int(BANDS * value / top * 0.9999))


def _steps(version_id: int, period: Period):
    """The version's tasks alive in the period, each beside the bpmn ids of the tasks before
    and after it on its invoice (cancelled tasks led nowhere: left out). A task completed in
    the period has its successor here too (created after it was completed); an invoice first
    submitted in the period has every task here, so its first one has none before it."""
    order = (Task.created_at, Task.id)
    alive = or_(
        Task.created_at >= period.starts,
        and_(Task.status == TaskStatus.DONE, Task.completed_at >= period.starts),
    )
    window = {"partition_by": Task.instance_id, "order_by": order}
    return (
        select(
            Task.bpmn_id,
            Task.status,
            Task.completed_at,
            Task.invoice_id,
            ProcessInstance.created_at.label("submitted_at"),
            func.lag(Task.bpmn_id).over(**window).label("before"),
            func.lead(Task.bpmn_id).over(**window).label("after"),
        )
        .join(ProcessInstance, ProcessInstance.id == Task.instance_id)
        .where(
            ProcessInstance.process_version_id == version_id,
            Task.status != TaskStatus.CANCELLED,
            Task.created_at < period.ends,
            alive,
        )
        .cte("steps")
    )


def _flow_counts(session: Session, version, period: Period) -> dict[str, int]:
    xml = version.bpmn_xml
    counts: Counter[str] = Counter()
    for kind, bpmn_id, other, times in _moves(session, version.id, period):
        if kind == "next":  # `other` is the next task
            _add(counts, flows_between(xml, bpmn_id, other), times)
        elif kind == "end":  # `other` is the status the invoice ended with
            _add(counts, flows_to_end(xml, bpmn_id, other), times)
        else:  # the invoice's first task, on an invoice first submitted in the period
            _add(counts, flows_between(xml, START, bpmn_id), times)
    return dict(counts)


def _moves(session: Session, version_id: int, period: Period):
    """("next", task, next task, invoices) for each pair of consecutive tasks whose first was
    completed in the period; ("end", last task, invoice status, invoices) for closed invoices
    whose last task was: they went from it to the end event of their status; ("start", first
    task, None, invoices) for invoices first submitted in the period. One statement: the window
    runs once."""
    steps = _steps(version_id, period)
    done_in_period = and_(
        steps.c.status == TaskStatus.DONE,
        steps.c.completed_at >= period.starts,
        steps.c.completed_at < period.ends,
    )
    pairs = (
        select(literal("next").label("kind"), steps.c.bpmn_id, steps.c.after, func.count())
        .where(done_in_period, steps.c.after.is_not(None))
        .group_by(steps.c.bpmn_id, steps.c.after)
    )
    endings = (
        select(literal("end").label("kind"), steps.c.bpmn_id, Invoice.status, func.count())
        .join(Invoice, Invoice.id == steps.c.invoice_id)
        .where(
            done_in_period,
            steps.c.after.is_(None),
            Invoice.status.in_(sorted(CLOSED_STATUSES)),
        )
        .group_by(steps.c.bpmn_id, Invoice.status)
    )
    entries = (
        select(literal("start").label("kind"), steps.c.bpmn_id, null(), func.count())
        .where(
            steps.c.before.is_(None),
            steps.c.submitted_at >= period.starts,
            steps.c.submitted_at < period.ends,
        )
        .group_by(steps.c.bpmn_id)
    )
    return session.execute(union_all(pairs, endings, entries)).all()


def _add(counts: Counter, flows: tuple[str, ...], times: int) -> None:
    for flow in flows:
        counts[flow] += times
