"""Where invoices wait, on a process version's diagram: each user task's median and 90th
percentile waiting time over a period, and how many invoices took each sequence flow.

A task's waiting time is its human task's created_at to completed_at (the dashboard's stage
time), for the tasks completed in the period. Flows come from the order of each invoice's human
tasks (created_at, id; cancelled ones left out): from each task done in the period to the next
task alive in the period, or, on a closed invoice, to the end event of its status; from the
start event to the first task of an invoice first submitted in the period. The diagram then
tells which flows join each pair (app/workflow/flow_paths.py), once per pair, not per invoice.
Deserializing every workflow for its completed path would be exact for parallel branches too,
but costs a workflow load per invoice; parallel tasks of one invoice are paired in the order
they were created. Each task counts on the diagram of the version it came from
(human_task.process_version_id): an invoice moved to a newer version shows its earlier tasks on
the older diagram and its later ones on the newer.

The mirror keeps on each task what this needs (app/workflow/step_links.py): its waiting time,
the task after it, whether it is the first, when the same step was done before. So the figures
are a range of an index per question, whatever the period: the tasks done in the period with
their next steps (and, for the last ones, their invoices' statuses), the first tasks of the
invoices submitted in it, and the one or two rows at each percentile of each task
(app/services/wait_percentiles.py). Only a task whose linked next one began after the period,
or (parallel branches) began and ended before it, has its next step looked up among the tasks
alive in the period.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from sqlalchemy import and_, func, not_, or_, select
from sqlalchemy.orm import Session, aliased

from app.models import HumanTask, Invoice, TaskStatus
from app.models.invoice import CLOSED_STATUSES
from app.permissions import READ_WAIT_REPORTS, require
from app.services.process_catalog import get_version
from app.services.report_period import Period
from app.services.wait_percentiles import Spread, walked_spreads
from app.workflow.flow_paths import START, flows_between, flows_to_end, user_task_names

CLOSED = sorted(CLOSED_STATUSES)  # the statuses an invoice ends with, each a column
BANDS = 5  # colours on the diagram, from quick to slow (and flow widths, from few to many)
Task = aliased(HumanTask, name="waited_task")
Later = aliased(HumanTask, name="later_task")


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
    moves = _moves(session, version.id, period)
    spread = _task_spreads(session, version.id, period, moves)
    slowest = max((s.median or 0.0 for s in spread.values()), default=0.0)
    names = user_task_names(version.bpmn_xml, language)
    invoices = Counter()
    for move in moves:
        invoices[move.bpmn_id] += move.invoices
    tasks = [
        TaskHeat(
            bpmn_id,
            names.get(bpmn_id, bpmn_id),
            s.count,
            invoices[bpmn_id],
            s.median,
            s.p90,
            _band(s, slowest),
        )
        for (bpmn_id,), s in sorted(spread.items())
    ]
    flows = _flow_counts(session, version, period, moves)
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


def _task_spreads(session: Session, version_id: int, period: Period, moves) -> dict[tuple, Spread]:
    counts: Counter[tuple] = Counter()
    for move in moves:
        counts[(move.bpmn_id,)] += move.moves
    where = [Task.process_version_id == version_id, *_done_in(period)]
    return walked_spreads(session, [Task.bpmn_id], Task.wait_seconds, where, counts)


def _band(spread: Spread, slowest: float) -> int:
    if not spread.median or not slowest:
        return 1
    return _scaled(spread.median, slowest)


def _scaled(value: float, top: float) -> int:
    """1 .. BANDS: which fifth of `top` the value falls in."""
    if top <= 0:
        return 1
    return min(BANDS, 1 + int(BANDS * value / top * 0.9999))


def _moves(session: Session, version_id: int, period: Period):
    """Per task of the version done in the period and the task the mirror linked after it
    (or, after the last, the status its closed invoice ended with): how many moves, and how
    many of them were the step's first visit on their invoice in the period (distinct
    invoices). `linked`: the task after is the linked one, as it began in the period or was
    still running at its start (always so when it began after this one was done). `look_up`:
    it began after the period, or (parallel branches) ended before it; _looked_up pairs those.
    One range of ix_human_task_version_moves, grouped by plain columns and flags (the plan
    then expects a few groups, and may share the range among workers)."""
    linked, look_up = _linked(period)
    first_visit = or_(
        Task.earlier_visit_done_at.is_(None), Task.earlier_visit_done_at < period.starts
    )
    keys = [Task.bpmn_id, Task.next_bpmn_id, Task.ended_as, linked, look_up]
    query = (
        select(
            *keys,
            func.count().label("moves"),
            func.count().filter(first_visit).label("invoices"),
        )
        .where(Task.process_version_id == version_id, *_done_in(period))
        .group_by(*keys)
    )
    return session.execute(query).all()


def _linked(period: Period) -> tuple:
    """Two flags: the linked task is the one after; it is not, and the one after (if any)
    must be looked up."""
    began = Task.next_created_at < period.ends
    ended_in = and_(Task.next_done_at.isnot(None), Task.next_done_at >= period.starts)
    alive = or_(Task.next_created_at >= period.starts, ended_in)  # never NULL: a flag
    linked = and_(began, alive)
    look_up = and_(Task.next_created_at.isnot(None), not_(linked))
    return linked.label("linked"), look_up.label("look_up")


def _looked_up(session: Session, version_id: int, period: Period):
    """(task, the next one alive in the period, or the closed status its invoice ended with
    when there is none, how many) for the tasks _moves could not pair. Their ids first, then
    the lookup by id: the plan prices it for these few tasks, not for every task done."""
    _linked_one, look_up = _linked(period)
    task_ids = session.scalars(
        select(Task.id).where(Task.process_version_id == version_id, *_done_in(period), look_up)
    ).all()
    after = _next_alive(period).label("after")
    steps = select(Task.bpmn_id, Task.invoice_id, after).where(Task.id.in_(task_ids)).subquery()
    ended = and_(
        steps.c.after.is_(None), Invoice.id == steps.c.invoice_id, Invoice.status.in_(CLOSED)
    )
    query = (
        select(steps.c.bpmn_id, steps.c.after, Invoice.status, func.count())
        .select_from(steps.outerjoin(Invoice, ended))
        .group_by(steps.c.bpmn_id, steps.c.after, Invoice.status)
    )
    return session.execute(query).all()


def _next_alive(period: Period):
    later = and_(
        Later.instance_id == Task.instance_id,
        Later.process_version_id == Task.process_version_id,
        Later.status != TaskStatus.CANCELLED,
        or_(
            Later.created_at > Task.created_at,
            and_(Later.created_at == Task.created_at, Later.id > Task.id),
        ),
    )
    alive = or_(
        Later.created_at >= period.starts,
        and_(Later.status == TaskStatus.DONE, Later.completed_at >= period.starts),
    )
    return (
        select(Later.bpmn_id)
        .where(later, Later.created_at < period.ends, alive)
        .order_by(Later.created_at, Later.id)
        .limit(1)
        .scalar_subquery()
    )


def _entries(session: Session, version_id: int, period: Period):
    """Per task, the invoices first submitted in the period that began with it."""
    query = (
        select(Task.bpmn_id, func.count())
        .where(
            Task.process_version_id == version_id,
            Task.status != TaskStatus.CANCELLED,
            Task.entered_at >= period.starts,
            Task.entered_at < period.ends,
            Task.created_at < period.ends,
        )
        .group_by(Task.bpmn_id)
    )
    return session.execute(query).all()


def _flow_counts(session: Session, version, period: Period, moves) -> dict[str, int]:
    xml, counts = version.bpmn_xml, Counter()
    for move in moves:
        if move.linked:  # from the task to the next one
            _add(counts, flows_between(xml, move.bpmn_id, move.next_bpmn_id), move.moves)
        elif move.ended_as is not None:  # the last task: to the end event of its status
            _add(counts, flows_to_end(xml, move.bpmn_id, move.ended_as), move.moves)
    if any(move.look_up for move in moves):
        for bpmn_id, after, status, times in _looked_up(session, version.id, period):
            if after is not None:
                _add(counts, flows_between(xml, bpmn_id, after), times)
            elif status is not None:
                _add(counts, flows_to_end(xml, bpmn_id, status), times)
    for bpmn_id, entered in _entries(session, version.id, period):  # from the start event
        _add(counts, flows_between(xml, START, bpmn_id), entered)
    return dict(counts)


def _add(counts: Counter, flows: tuple[str, ...], times: int) -> None:
    for flow in flows:
        counts[flow] += times
