"""The wait reports' figures worked out the plain way: every human task and payment read back
and counted in Python the way the reports define them."""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import HumanTask, Invoice, Payment, ProcessInstance, TaskStatus
from app.models.invoice import CLOSED_STATUSES
from app.models.task import FormKind
from app.services.report_period import Period
from app.workflow.flow_paths import START, flows_between, flows_to_end

# A period's edges are local midnights: zones from UTC-12 to UTC+10 put them at every few
# hours of the story's day (it starts at 06:00 UTC; its steps follow at 08:00, 10:00, 11:00,
# 14:00, 17:00 and 18:00, the last payment at 13:00 the next day).
ZONES = ("Etc/GMT+12", "Etc/GMT+9", "Etc/GMT+7", "Etc/GMT+5", "UTC", "Etc/GMT-10")


def periods_around(day: date) -> list[Period]:
    """24 periods: the day before and the day, the day, the day and the next, the two after;
    each in every zone of ZONES."""
    spans = [(day - timedelta(days=1), day), (day, day), (day, day + timedelta(days=1))]
    spans.append((day + timedelta(days=1), day + timedelta(days=2)))
    return [Period(first, last, zone) for first, last in spans for zone in ZONES]


def percentile(values: list[float], fraction: float) -> float:
    """percentile_cont: linear interpolation between the two ranks around the fraction."""
    ordered = sorted(values)
    exact = fraction * (len(ordered) - 1)
    below = math.floor(exact)
    above = min(below + 1, len(ordered) - 1)
    return ordered[below] + (exact - below) * (ordered[above] - ordered[below])


def spread(values: list[float]) -> tuple:
    return (
        len(values),
        pytest.approx(percentile(values, 0.5)),
        pytest.approx(percentile(values, 0.9)),
    )


def seconds(start, end) -> float:
    return (end - start).total_seconds()


def every_task() -> list[HumanTask]:
    return list(db.session.scalars(select(HumanTask)))


def done_in(task: HumanTask, period: Period) -> bool:
    done = task.status == TaskStatus.DONE
    return done and period.starts <= task.completed_at < period.ends


def plain_waits(tasks, instances, version_id, period) -> dict:
    waits, invoices = defaultdict(list), defaultdict(set)
    for task in tasks:
        if instances[task.instance_id].process_version_id == version_id and done_in(task, period):
            waits[task.bpmn_id].append(seconds(task.created_at, task.completed_at))
            invoices[task.bpmn_id].add(task.invoice_id)
    return {bpmn_id: (*spread(w), len(invoices[bpmn_id])) for bpmn_id, w in waits.items()}


def alive(task: HumanTask, period: Period) -> bool:
    if task.status == TaskStatus.CANCELLED or task.created_at >= period.ends:
        return False
    finished_in = task.status == TaskStatus.DONE and task.completed_at >= period.starts
    return task.created_at >= period.starts or finished_in


def plain_flows(tasks, instances, version, period) -> dict:
    """Each invoice's tasks in the order they were created: from each one done in the period to
    the next, or to the end event of a closed invoice's status; from the start to the first
    task of an invoice first submitted in the period."""
    xml, counts = version.bpmn_xml, Counter()
    by_instance = defaultdict(list)
    for task in sorted(tasks, key=lambda t: (t.created_at, t.id)):
        if instances[task.instance_id].process_version_id == version.id and alive(task, period):
            by_instance[task.instance_id].append(task)
    for instance_id, steps in by_instance.items():
        instance = instances[instance_id]
        if period.starts <= instance.created_at < period.ends:
            counts.update(flows_between(xml, START, steps[0].bpmn_id))
        for step, after in zip(steps, [*steps[1:], None], strict=True):
            if not done_in(step, period):
                continue
            status = db.session.get(Invoice, step.invoice_id).status
            if after is not None:
                counts.update(flows_between(xml, step.bpmn_id, after.bpmn_id))
            elif status in CLOSED_STATUSES:
                counts.update(flows_to_end(xml, step.bpmn_id, status))
    return dict(counts)


def plain_months(period: Period) -> dict:
    months = defaultdict(list)
    rows = db.session.execute(
        select(Payment.recorded_at, ProcessInstance.created_at).join(
            ProcessInstance, ProcessInstance.invoice_id == Payment.invoice_id
        )
    )
    for paid_at, submitted_at in rows:
        if period.starts <= paid_at < period.ends:
            months[paid_at.strftime("%Y-%m")].append(seconds(submitted_at, paid_at))
    return {month: spread(values) for month, values in months.items()}


def plain_slowest(period: Period, shown: int) -> list[tuple]:
    """(invoice, cycle) of the payments of the period, slowest first (ties by invoice)."""
    rows = db.session.execute(
        select(Payment.invoice_id, Payment.recorded_at, ProcessInstance.created_at).join(
            ProcessInstance, ProcessInstance.invoice_id == Payment.invoice_id
        )
    )
    cycles = [
        (invoice_id, seconds(submitted_at, paid_at))
        for invoice_id, paid_at, submitted_at in rows
        if period.starts <= paid_at < period.ends
    ]
    return sorted(cycles, key=lambda cycle: (-cycle[1], cycle[0]))[:shown]


def plain_holders(tasks, period: Period) -> tuple[dict, dict]:
    stages, approvers = defaultdict(list), defaultdict(list)
    for task in tasks:
        if done_in(task, period):
            stages[task.name].append(seconds(task.created_at, task.completed_at))
            if task.form == FormKind.APPROVAL and task.completed_by_id is not None:
                approvers[str(task.completed_by_id)].append(
                    seconds(task.created_at, task.completed_at)
                )
    return (
        {name: spread(values) for name, values in stages.items()},
        {key: spread(values) for key, values in approvers.items()},
    )
