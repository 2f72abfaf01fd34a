"""Admin repair of a stuck process, started from its incident: move it back to a user task of
the current round it has completed, so that task's holder decides again (audited, holders
told). Retrying as it stands is `incidents.retry_incident`."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.errors import InvoiceFlowError, NotFoundError, ValidationError
from app.i18n import _
from app.models import (
    HumanTask,
    Incident,
    IncidentStatus,
    InstanceStatus,
    Invoice,
    InvoiceApprover,
    NotificationKind,
    ProcessInstance,
    TaskStatus,
)
from app.models.base import utcnow
from app.services import audit, use_case
from app.services.incidents import REWOUND, incident_for_admin, resolve_incident
from app.services.notify import notify_holders
from app.services.process_runtime import advance
from app.services.rules_of_money import TURN_WITHDRAWN
from app.workflow.failures import run_step
from app.workflow.rewind import completed_user_tasks, rewind_to
from app.workflow.store import load_workflow
from app.workflow.sync import task_params


def rewind_choices(session: Session, actor, incident_id) -> list[HumanTask]:
    """The completed user tasks of the current round the process can go back to, oldest
    first (none when the incident is resolved or the process has ended). Raises
    PermissionDeniedError, NotFoundError."""
    incident = incident_for_admin(session, actor, incident_id)
    instance = _running_instance(session, incident)
    if incident.status != IncidentStatus.OPEN or instance is None:
        return []
    return _choices(session, instance, completed_user_tasks(load_workflow(instance)))


@dataclass
class RewindPlan:
    """What going back to a task does, for the admin to confirm before anything changes."""

    incident: Incident
    invoice: Invoice
    target: HumanTask
    undone: list[HumanTask]  # the decisions of this round that stop counting, oldest first
    waiting: list[HumanTask]  # the tasks open now, withdrawn by going back


def rewind_plan(session: Session, actor, incident_id, task_guid) -> RewindPlan:
    """What going back to `task_guid` would undo; changes nothing. Raises
    PermissionDeniedError, NotFoundError, ValidationError (not a task to go back to)."""
    return _plan(session, actor, incident_id, task_guid)[0]


class RewindPlanChangedError(InvoiceFlowError):
    """The process moved on since the admin was asked: what they confirmed is not what
    going back would undo now."""

    status_code = 409


@use_case
def rewind_process(
    session: Session, actor, incident_id, task_guid, reason, confirmed_undone=None
) -> Incident:
    """Go back to a completed task, with the admin's reason (audited); `confirmed_undone`, the
    guids of the decisions the admin was shown as undone, must still be those. Raises
    PermissionDeniedError, NotFoundError, ValidationError (not a task to go back to, no
    reason), RewindPlanChangedError, ConcurrentEditError, ProcessFailedError."""
    plan, instance, workflow = _plan(session, actor, incident_id, task_guid)
    reason = _reason(reason)
    if confirmed_undone is not None and list(confirmed_undone) != [
        t.task_guid for t in plan.undone
    ]:
        raise RewindPlanChangedError(
            _("The process changed since you were asked: look at what going back undoes now.")
        )
    incident, invoice, target, undone = plan.incident, plan.invoice, plan.target, plan.undone
    run_step(lambda: rewind_to(workflow, target.task_guid), invoice.id)
    event = audit.record(
        session,
        "process_rewound",
        actor.id,
        {
            "incident": incident.id,
            "reason": reason,
            "to_task": target.task_guid,
            "bpmn_id": target.bpmn_id,
            "name": target.name,
            "name_translations": target.name_translations,
            "undone": [
                {
                    "task": t.task_guid,
                    "bpmn_id": t.bpmn_id,
                    "by": t.completed_by_id,
                    "decision": t.decision,
                }
                for t in undone
            ],
        },
        invoice.id,
    )
    reopened = _undo(session, invoice, undone, workflow)
    advance(session, actor, instance, invoice, workflow)
    for task in reopened:
        notify_holders(
            session,
            NotificationKind.TASK_ASSIGNED,
            task,
            f"rewound:{event.id}:{task.task_guid}",
            task_params(task),
            invoice,
        )
    resolve_incident(session, actor, incident, f"{REWOUND}:{target.name}")
    return incident


def _plan(session: Session, actor, incident_id, task_guid):
    incident = incident_for_admin(session, actor, incident_id)
    instance = _running_instance(session, incident)
    if incident.status != IncidentStatus.OPEN or instance is None:
        raise NotFoundError(_("This incident is resolved already."))
    workflow = load_workflow(instance)
    choices = _choices(session, instance, completed_user_tasks(workflow))
    target = next((t for t in choices if t.task_guid == str(task_guid)), None)
    if target is None:
        raise ValidationError(
            {"task": [_("Choose a completed task of the current round to go back to.")]}
        )
    waiting = session.scalars(
        select(HumanTask)
        .where(HumanTask.instance_id == instance.id, HumanTask.status == TaskStatus.OPEN)
        .order_by(HumanTask.id)
    ).all()
    plan = RewindPlan(
        incident=incident,
        invoice=session.get(Invoice, instance.invoice_id),
        target=target,
        undone=[t for t in choices if t.id >= target.id],
        waiting=list(waiting),
    )
    return plan, instance, workflow


MAX_REASON = 1000


def _reason(reason) -> str:
    reason = reason.strip() if isinstance(reason, str) else ""
    if not reason or len(reason) > MAX_REASON:
        message = _(
            "Say why the process goes back (up to %(n)s characters): it goes into the audit.",
            n=MAX_REASON,
        )
        raise ValidationError({"reason": [message]})
    return reason


def _undo(session, invoice, undone: list[HumanTask], workflow) -> list[HumanTask]:
    """Decisions undone no longer count (the audit keeps them); a task that waits again under
    its own id reopens; approvers asked again lose their *Approval date*."""
    waiting = {t.guid for t in workflow.ready_tasks()}
    reopened = []
    for task in undone:
        if task.task_guid in waiting:
            task.status, task.completed_at, task.completed_by_id = TaskStatus.OPEN, None, None
            task.decision, task.comment, task.created_at = None, None, utcnow()
            reopened.append(task)
        else:
            task.decision = TURN_WITHDRAWN
    asked_again = {t.assignee_user_id for t in undone if t.assignee_user_id is not None}
    for approver in session.scalars(
        select(InvoiceApprover).where(
            InvoiceApprover.invoice_id == invoice.id,
            InvoiceApprover.user_id.in_(asked_again),
        )
    ):
        approver.approved_at = None
    session.flush()
    return reopened


def _running_instance(session: Session, incident: Incident) -> ProcessInstance | None:
    return session.scalars(
        select(ProcessInstance).where(
            ProcessInstance.invoice_id == incident.invoice_id,
            ProcessInstance.status == InstanceStatus.RUNNING,
        )
    ).first()


def _choices(session: Session, instance: ProcessInstance, completed: set[str]) -> list[HumanTask]:
    rows = list(
        session.scalars(
            select(HumanTask).where(HumanTask.instance_id == instance.id).order_by(HumanTask.id)
        )
    )
    current = max((t.round for t in rows), default=1)
    return [
        t
        for t in rows
        if t.round == current and t.status == TaskStatus.DONE and t.task_guid in completed
    ]
