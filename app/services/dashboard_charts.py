"""The dashboard's charts: how long invoices wait at each stage, and approvals per week.

Both read done human tasks (created_at to completed_at is the time a stage held an invoice),
grouped in SQL: one row per stage or per week comes back, however many tasks there are.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import Integer, and_, cast, func, literal, select, union_all
from sqlalchemy.orm import Session, aliased

from app.models import FormKind, HumanTask, TaskStatus

SHORT_PERIOD_DAYS = 30
LONG_PERIOD_DAYS = 90
WEEKS_SHOWN = 12
SECONDS_PER_WEEK = 7 * 24 * 3600
# Aliased: the visibility rule reads human_task in a subquery of its own.
Task = aliased(HumanTask, name="done_task")


@dataclass(frozen=True)
class StageTime:
    """Median hours a stage held an invoice, over the short and the long period."""

    stage: str
    short_hours: float | None
    long_hours: float | None
    short_tasks: int
    long_tasks: int


@dataclass(frozen=True)
class WeekApprovals:
    week_start: date  # a Monday
    approvals: int


def _seconds_between(session: Session, start, end):
    if session.get_bind().dialect.name == "postgresql":
        return func.extract("epoch", end - start)
    return (func.julianday(end) - func.julianday(start)) * 86400.0


def _whole_weeks(session: Session, seconds):
    if session.get_bind().dialect.name == "postgresql":
        return cast(func.floor(seconds / SECONDS_PER_WEEK), Integer)
    return cast(seconds / SECONDS_PER_WEEK, Integer)  # never negative here: truncation is floor


def _done_tasks(visible, since: datetime):
    """Done tasks completed since `since`, on the invoices whose ids `visible` selects (None:
    every invoice)."""
    where = [Task.status == TaskStatus.DONE, Task.completed_at >= since]
    if visible is not None:
        where.append(Task.invoice_id.in_(visible))
    return and_(*where)


def stage_times(session: Session, visible, now: datetime) -> list[StageTime]:
    """Median time in each stage over the last 30 and 90 days, by stage name."""
    short_since = now - timedelta(days=SHORT_PERIOD_DAYS)
    long_since = now - timedelta(days=LONG_PERIOD_DAYS)
    seconds = _seconds_between(session, Task.created_at, Task.completed_at)
    where = _done_tasks(visible, long_since)
    if session.get_bind().dialect.name == "postgresql":
        rows = _medians_postgresql(session, seconds, where, short_since)
    else:
        rows = _medians_portable(session, seconds, where, short_since)
    return [
        StageTime(stage, _hours(short), _hours(long), short_n, long_n)
        for stage, short, long, short_n, long_n in sorted(rows, key=lambda row: row[0] or "")
    ]


def _medians_postgresql(session, seconds, where, short_since):
    recent = Task.completed_at >= short_since
    median = func.percentile_cont(0.5).within_group(seconds)
    return session.execute(
        select(
            Task.name,
            median.filter(recent),
            median,
            func.count().filter(recent),
            func.count(),
        )
        .where(where)
        .group_by(Task.name)
    ).all()


def _medians_portable(session, seconds, where, short_since):
    """The median as the middle row (or the mean of the two middle rows) of each group, ranked
    by window functions: the database returns two rows per stage, never the durations."""
    long_rows = select(
        Task.name.label("stage"), seconds.label("seconds"), literal(1).label("period")
    ).where(where)
    short_rows = select(
        Task.name.label("stage"), seconds.label("seconds"), literal(0).label("period")
    ).where(where, Task.completed_at >= short_since)
    both = union_all(long_rows, short_rows).subquery()
    group = (both.c.stage, both.c.period)
    ranked = select(
        both.c.stage,
        both.c.period,
        both.c.seconds,
        func.row_number().over(partition_by=group, order_by=both.c.seconds).label("rank"),
        func.count().over(partition_by=group).label("size"),
    ).subquery()
    middle = ranked.c.rank.in_([(ranked.c.size + 1) // 2, (ranked.c.size + 2) // 2])
    rows = session.execute(
        select(ranked.c.stage, ranked.c.period, func.avg(ranked.c.seconds), func.max(ranked.c.size))
        .where(middle)
        .group_by(ranked.c.stage, ranked.c.period)
    ).all()
    stages: dict[str, list] = {}
    for stage, period, median, size in rows:
        entry = stages.setdefault(stage, [stage, None, None, 0, 0])
        entry[1 + period] = median  # period 0 (short) -> index 1, period 1 (long) -> index 2
        entry[3 + period] = size
    return [tuple(entry) for entry in stages.values()]


def _hours(seconds) -> float | None:
    return None if seconds is None else round(float(seconds) / 3600, 1)


def approvals_per_week(session: Session, visible, now: datetime) -> list[WeekApprovals]:
    """Approvals decided in each of the last 12 weeks (Monday to Sunday, UTC), oldest first."""
    this_monday = now.date() - timedelta(days=now.weekday())
    first_monday = this_monday - timedelta(weeks=WEEKS_SHOWN - 1)
    start = datetime.combine(first_monday, datetime.min.time())
    seconds = _seconds_between(session, literal(start), Task.completed_at)
    approvals = (
        select(_whole_weeks(session, seconds).label("week"))
        .where(
            _done_tasks(visible, start),
            Task.form == FormKind.APPROVAL,
            Task.decision == "approve",
        )
        .subquery()
    )
    rows = session.execute(select(approvals.c.week, func.count()).group_by(approvals.c.week)).all()
    counts = {int(n): total for n, total in rows}
    return [
        WeekApprovals(first_monday + timedelta(weeks=n), counts.get(n, 0))
        for n in range(WEEKS_SHOWN)
    ]
