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
Each task counts on the diagram of the version it came from (human_task.process_version_id,
written by the mirror): an invoice moved to a newer version shows its earlier tasks on the
older diagram and its later ones on the newer.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from sqlalchemy import and_, any_, func, or_, select, true
from sqlalchemy.orm import Session, aliased

from app.models import HumanTask, Invoice, ProcessInstance, TaskStatus
from app.models.invoice import CLOSED_STATUSES
from app.permissions import READ_WAIT_REPORTS, require
from app.services.process_catalog import get_version
from app.services.report_period import Period
from app.services.wait_percentiles import Spread, seconds_between, spreads
from app.workflow.flow_paths import START, flows_between, flows_to_end, user_task_names

CLOSED = sorted(CLOSED_STATUSES)  # the statuses an invoice ends with, each a column
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


def _done_in(period: Period) -> list:
    return [
        Task.status == TaskStatus.DONE,
        Task.completed_at >= period.starts,
        Task.completed_at < period.ends,
    ]


def _task_spreads(session: Session, version_id: int, period: Period) -> dict[tuple, Spread]:
    seconds = seconds_between(session, Task.created_at, Task.completed_at)
    where = [Task.process_version_id == version_id, *_done_in(period)]
    return spreads(
        session, [Task.bpmn_id], seconds, where, distinct=Task.invoice_id, in_key_order=True
    )


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
    """Every task alive in the period, each beside the bpmn ids of the tasks before and after
    it on its invoice (cancelled tasks led nowhere: left out) and whether it was done in the
    period. A task completed in the period has its successor here too (created after it was
    completed); an invoice first submitted in the period has every task here, so its first one
    has none before it. The tasks are read in the window's order from
    ix_human_task_version_steps: no sort, no table rows, no join for the version (a task keeps
    the version it came from)."""
    order = (Task.created_at, Task.id)
    alive = or_(
        Task.created_at >= period.starts,
        and_(Task.status == TaskStatus.DONE, Task.completed_at >= period.starts),
    )
    window = {"partition_by": Task.instance_id, "order_by": order}
    return (
        select(
            Task.instance_id,
            Task.invoice_id,
            Task.bpmn_id,
            and_(*_done_in(period)).label("done"),
            func.lag(Task.bpmn_id).over(**window).label("before"),
            func.lead(Task.bpmn_id).over(**window).label("after"),
        )
        .where(
            Task.process_version_id == version_id,
            Task.status != TaskStatus.CANCELLED,
            Task.created_at < period.ends,
            alive,
        )
        .subquery("steps")
    )


def _flow_counts(session: Session, version, period: Period) -> dict[str, int]:
    xml = version.bpmn_xml
    counts: Counter[str] = Counter()
    for move in _moves(session, version.id, period):
        if move.after is not None and move.done:  # from the task to the next one
            _add(counts, flows_between(xml, move.bpmn_id, move.after), move.done)
        for status in CLOSED:  # the task was the last: to the end event of the status
            if ended := move._mapping[f"ended_{status}"]:
                _add(counts, flows_to_end(xml, move.bpmn_id, status), ended)
        if move.entered:  # the invoice's first task, on an invoice first submitted in the period
            _add(counts, flows_between(xml, START, move.bpmn_id), move.entered)
    return dict(counts)


def _moves(session: Session, version_id: int, period: Period):
    """Per task of the version and the task after it (None after the last): how many of them
    were done in the period (moves to that next task), how many were the first task of an
    invoice first submitted in the period (moves from the start), and per closed status how
    many were the last task, done in the period, of an invoice that ended so (moves to that end
    event). One statement, one pass over the tasks, a few rows back. The instances first
    submitted in the period are looked up once (a hashed set), only for first tasks."""
    steps = _steps(version_id, period)
    submitted_in = select(ProcessInstance.id).where(
        ProcessInstance.created_at >= period.starts,
        ProcessInstance.created_at < period.ends,
    )
    entered = and_(steps.c.before.is_(None), steps.c.instance_id.in_(submitted_in))
    last_done = and_(steps.c.done, steps.c.after.is_(None))
    query = select(
        steps.c.bpmn_id,
        steps.c.after,
        func.count().filter(steps.c.done).label("done"),
        func.count().filter(entered).label("entered"),
    ).group_by(steps.c.bpmn_id, steps.c.after)
    if session.get_bind().dialect.name == "postgresql":
        query = _ended_looked_up(query, steps.c.invoice_id, last_done)
    else:
        query = _ended_joined(query, steps.c.invoice_id, last_done)
    return session.execute(query).all()


def _ended_counts(ended):
    return [
        func.count().filter(ended, Invoice.status == status).label(f"ended_{status}")
        for status in CLOSED
    ]


def _ended_joined(query, invoice_id, last_done):
    """Per closed status, the last tasks done whose invoice ended so: the invoices joined."""
    closed = and_(Invoice.id == invoice_id, Invoice.status.in_(CLOSED))
    return query.outerjoin(Invoice, closed).add_columns(*_ended_counts(last_done))


def _ended_looked_up(query, invoice_id, last_done):
    """The same on PostgreSQL: each group gathers its last tasks' invoices (one last task per
    invoice) in an array, looked up by primary key once per group; only those invoices are
    read, and the plan's estimate stays small (a join or a lookup per task would price in
    every task, and past jit_above_cost compiling the plan costs more than running it)."""
    groups = query.add_columns(
        func.array_agg(invoice_id).filter(last_done).label("last_done")
    ).subquery("moves")
    ends = (
        select(*_ended_counts(true())).where(Invoice.id == any_(groups.c.last_done)).lateral("ends")
    )
    shown = [groups.c.bpmn_id, groups.c.after, groups.c.done, groups.c.entered]
    return select(*shown, *ends.c).select_from(groups.outerjoin(ends, true()))


def _add(counts: Counter, flows: tuple[str, ...], times: int) -> None:
    for flow in flows:
        counts[flow] += times
