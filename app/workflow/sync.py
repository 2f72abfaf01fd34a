"""The human-task mirror: READY user tasks copied into `human_task`, so inboxes are plain SQL."""

from __future__ import annotations

from functools import cache

from sqlalchemy import Select, bindparam, select
from sqlalchemy.orm import Session, lazyload

from app.domain.titles import placeholders
from app.i18n import _
from app.models import FormKind, HumanTask, Invoice, ProcessInstance, TaskStatus
from app.models.base import utcnow
from app.workflow.durations import parse_duration
from app.workflow.engine import InvoiceWorkflow
from app.workflow.failures import ProcessFailedError, process_failed
from app.workflow.parallel import STAGE_SETTLED
from app.workflow.ready_task import ReadyTask
from app.workflow.status import ended_status
from app.workflow.step_links import link_steps

INITIATOR_LANE = "Initiator"


def sync_tasks(
    session: Session, instance: ProcessInstance, invoice: Invoice, workflow: InvoiceWorkflow
) -> tuple[list[HumanTask], list[HumanTask], list[HumanTask]]:
    """Mirror READY user tasks into human_task; return (created, open, all) from one read."""
    ready = {task.guid: task for task in workflow.ready_tasks()}
    with session.no_autoflush:  # the task just completed flushes with the new ones, below
        rows = list(session.scalars(_tasks_of_instance_query(), {"instance_id": instance.id}))
    still_open = []
    for row in rows:
        if row.status != TaskStatus.OPEN:
            continue
        if row.task_guid in ready:
            still_open.append(row)
        else:
            row.status = TaskStatus.CANCELLED
            row.completed_at = utcnow()
            if workflow.settled_early(row.task_guid):  # a parallel stage had answers enough
                row.decision = STAGE_SETTLED
    known = {row.task_guid for row in rows}
    round_no = 1 + sum(
        1 for row in rows if row.form == FormKind.CORRECTION and row.status == TaskStatus.DONE
    )
    created = [
        _new_task(instance, invoice, task, round_no) for g, task in ready.items() if g not in known
    ]
    link_steps(instance, rows + created, ended_status(invoice, workflow))  # for the wait reports
    session.add_all(created)
    session.flush()
    return created, still_open + created, rows + created


@cache
def _tasks_of_instance_query() -> Select:
    """Every human task of :instance_id (built once: building costs more than running it)."""
    return (
        select(HumanTask)
        .where(HumanTask.instance_id == bindparam("instance_id"))
        .order_by(HumanTask.id)
        .options(lazyload(HumanTask.assignee), lazyload(HumanTask.completed_by))
    )


def open_tasks_of(session: Session, instance_id: int) -> list[HumanTask]:
    return list(
        session.scalars(
            select(HumanTask)
            .where(HumanTask.instance_id == instance_id, HumanTask.status == TaskStatus.OPEN)
            .order_by(HumanTask.id)
        ).unique()
    )


def close_task(
    task: HumanTask, actor, decision: str | None, comment: str | None, for_id: int | None = None
) -> None:
    """`for_id`: the absent person whose task a deputy completed."""
    task.status = TaskStatus.DONE
    task.completed_at = utcnow()
    task.completed_by_id = actor.id
    task.completed_for_id = for_id
    task.decision = decision
    task.comment = comment


def process_assignee(workflow: InvoiceWorkflow, guid: str, invoice: Invoice) -> int | None:
    """The person the diagram gives a waiting task to (None for a role's task)."""
    ready = workflow.ready_task(guid)
    return None if ready is None else _holder(ready, invoice)[0]


def task_params(task: HumanTask) -> dict:
    """What a notification needs to name a task in any language."""
    return {"title_template": task.title_template, "title_values": task.title_values}


def _new_task(instance, invoice, ready: ReadyTask, round_no: int) -> HumanTask:
    assignee_id, role = _holder(ready, invoice)
    titles = ready.titles() or {"en": ready.name}
    now = utcnow()
    return HumanTask(
        task_guid=ready.guid,
        instance_id=instance.id,
        process_version_id=instance.process_version_id,
        invoice_id=invoice.id,
        bpmn_id=ready.bpmn_id,
        name=ready.name[:255],
        name_translations=ready.name_translations(),
        title_template=titles,
        title_values=_title_values(titles, invoice),
        lane=ready.lane,
        form=ready.form or FormKind.ACKNOWLEDGE,
        assignee_user_id=assignee_id,
        candidate_role=role,
        round=round_no,
        status=TaskStatus.OPEN,
        created_at=now,
        due_at=_due_at(now, ready, invoice.id),
    )


def _due_at(now, ready: ReadyTask, invoice_id: int):
    if not ready.properties.get("due"):
        return None
    try:
        return now + parse_duration(ready.properties["due"])
    except ValueError as exc:  # a diagram published before `due` was checked
        raise process_failed(f"{ready.bpmn_id}: due: {exc}", invoice_id, ready.bpmn_id) from exc


def _holder(ready: ReadyTask, invoice: Invoice) -> tuple[int | None, str | None]:
    """Assignee property first, then lane Initiator, then the lane's role (DESIGN.md §5)."""
    if ready.assignee_variable:
        value = ready.data.get(ready.assignee_variable)
        try:
            return int(value), None
        except (TypeError, ValueError) as exc:
            raise ProcessFailedError(
                _(
                    "Task %(task)s has no person in %(var)s.",
                    task=ready.bpmn_id,
                    var=ready.assignee_variable,
                ),
                invoice.id,
                ready.bpmn_id,
            ) from exc
    if ready.lane == INITIATOR_LANE:
        return invoice.initiator_id, None
    if ready.lane:
        return None, ready.lane
    raise ProcessFailedError(
        _("Task %(task)s has neither a lane nor an assignee.", task=ready.bpmn_id),
        invoice.id,
        ready.bpmn_id,
    )


def _title_values(titles: dict, invoice: Invoice) -> dict:
    names = set()
    for template in titles.values():
        try:
            names.update(placeholders(template))
        except ValueError:
            continue
    return {name: str(getattr(invoice, name, "")) for name in names if hasattr(invoice, name)}
