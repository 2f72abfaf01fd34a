"""What the wait reports read off each human task, so that a report is a range of an index and
not a pairing of every invoice's tasks at each request: how long a done task waited, which task
came after it (or, after the last, the status its invoice ended with), whether it was the first
of its invoice, when the same step was done before.

The mirror (app/workflow/sync.py) works these out again from every task of the instance each
time it syncs them, so a task cancelled, reopened or added later shows at once; a value is
written only when it changed (most syncs change the task just done and nothing else). Tasks are
ordered by (created_at, id) within each process version, cancelled ones left out: the order the
wait heatmap's flows follow (app/services/wait_heatmap.py).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from itertools import pairwise

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import HumanTask, ProcessInstance, TaskStatus
from app.models.invoice import CLOSED_STATUSES

UNSAVED = float("inf")  # a task not flushed yet has no id: it sorts after the saved ones
LINKS = ("wait_seconds", "next_bpmn_id", "next_created_at", "next_done_at", "ended_as")
UNLINKED = dict.fromkeys((*LINKS, "earlier_visit_done_at", "entered_at"))


def link_steps(
    instance: ProcessInstance, tasks: Iterable[HumanTask], ended: str | None = None
) -> None:
    """Update the waiting time and the links of an instance's tasks (all of them); `ended`,
    the status the invoice ended with, if its process is over (its last tasks keep it). Only
    done tasks carry links (and the first task its entry); the others carry none."""
    closed = ended if ended in CLOSED_STATUSES else None
    by_version: dict[int | None, list[tuple]] = defaultdict(list)
    for position, task in enumerate(tasks):
        if task.status == TaskStatus.CANCELLED:
            _set(task, UNLINKED)
        else:
            by_version[task.process_version_id].append((_order(task, position), task))
    for steps in by_version.values():
        ordered = [task for _key, task in sorted(steps, key=lambda step: step[0])]
        _link_version(instance, ordered, closed)


def _order(task: HumanTask, position: int) -> tuple:
    return (task.created_at, task.id if task.id is not None else UNSAVED, position)


def _link_version(instance: ProcessInstance, steps: list[HumanTask], closed: str | None) -> None:
    for number, (task, after) in enumerate(pairwise([*steps, None])):
        _set(task, {"entered_at": instance.created_at if number == 0 else None})
        done = task.status == TaskStatus.DONE
        _set(task, _links(task, after, closed) if done else dict.fromkeys(LINKS))
    _link_visits([task for task in steps if task.status == TaskStatus.DONE])
    for task in steps:
        if task.status != TaskStatus.DONE:
            _set(task, {"earlier_visit_done_at": None})


def _links(task: HumanTask, after: HumanTask | None, closed: str | None) -> dict:
    if after is None:
        return {**dict.fromkeys(LINKS), "wait_seconds": _waited(task), "ended_as": closed}
    return {
        "wait_seconds": _waited(task),
        "next_bpmn_id": after.bpmn_id,
        "next_created_at": after.created_at,
        "next_done_at": _done_meanwhile(task, after),
        "ended_as": None,
    }


def _done_meanwhile(task: HumanTask, after: HumanTask):
    """When the next task was done, if it began before this one was (parallel branches): the
    heatmap needs it only then, and a sequential task is not written again when the next one
    is done."""
    overlapped = after.created_at < task.completed_at
    return after.completed_at if overlapped and after.status == TaskStatus.DONE else None


def _waited(task: HumanTask) -> float:
    return (task.completed_at - task.created_at).total_seconds()


def _link_visits(done: list[HumanTask]) -> None:
    """Each done task: when a task of the same step was last done before it (on its invoice)."""
    last_done: dict[str, object] = {}
    for task in sorted(done, key=lambda t: (t.completed_at, t.id or UNSAVED)):
        _set(task, {"earlier_visit_done_at": last_done.get(task.bpmn_id)})
        last_done[task.bpmn_id] = task.completed_at


def _set(task: HumanTask, values: dict) -> None:
    for name, value in values.items():
        if getattr(task, name) != value:  # an unchanged task is not written
            setattr(task, name, value)


def link_steps_of(session: Session, instance: ProcessInstance, ended: str | None) -> None:
    """The same, reading the instance's tasks, after a change made outside a sync (a
    withdrawal cancels the open tasks of a workflow that will not run again)."""
    tasks = session.scalars(select(HumanTask).where(HumanTask.instance_id == instance.id))
    link_steps(instance, list(tasks), ended)
