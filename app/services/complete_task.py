"""An approver's decision on an approval task: approve, return for rework, or reject."""

from __future__ import annotations

from sqlalchemy.orm import Session

from app.errors import ValidationError
from app.i18n import _
from app.models import FormKind, HumanTask, NotificationKind
from app.models.base import utcnow
from app.permissions import DECIDE, require
from app.services import audit, use_case
from app.services.notify import notify
from app.services.process_runtime import (
    advance,
    close_task,
    load_workflow,
    process_assignee,
    run_step,
)
from app.services.revision import invoice_revision
from app.services.rules_of_money import Act
from app.services.task_access import task_for_action

DECISIONS = ("approve", "return", "reject")
NOTIFY_INITIATOR = {"return": NotificationKind.RETURNED, "reject": NotificationKind.REJECTED}
AUDIT_ACTIONS = {"approve": "approved", "return": "returned", "reject": "rejected"}
COMMENT_LIMIT = 5000


class NotAnApprovalError(ValidationError):
    """Only an approval task takes approve, return or reject (422)."""

    def __init__(self):
        super().__init__({"decision": [_("This task is not an approval.")]})


def clean_decision(decision: object, comment: object) -> tuple[str, str]:
    errors: dict[str, list] = {}
    if decision not in DECISIONS:
        errors["decision"] = [_("Choose approve, return or reject.")]
    text = comment.strip() if isinstance(comment, str) else ""
    if comment is not None and not isinstance(comment, str):
        errors["comment"] = [_("The comment must be text.")]
    elif decision in ("return", "reject") and not text:
        errors["comment"] = [_("Say why: a comment is required to return or reject.")]
    elif len(text) > COMMENT_LIMIT:
        errors["comment"] = [
            _("Use at most %(n)s characters (this has %(m)s).", n=COMMENT_LIMIT, m=len(text))
        ]
    if errors:
        raise ValidationError(errors)
    return decision, text


@use_case
def decide(session: Session, actor, task_ref, decision, comment) -> HumanTask:
    """Record a decision. Raises NotFoundError, TaskAlreadyHandledError, PermissionDeniedError,
    ValidationError, ConcurrentEditError."""
    require(actor, DECIDE)
    task, invoice, instance = task_for_action(session, actor, task_ref)
    if task.form != FormKind.APPROVAL:
        raise NotAnApprovalError()
    decision, comment = clean_decision(decision, comment)
    workflow = load_workflow(instance)
    # Whom the process gave the task: an admin may have handed it to a substitute since.
    approver_id = process_assignee(workflow, task.task_guid, invoice)
    approval = {"by": actor.id, "decision": decision, "comment": comment}
    run_step(lambda: workflow.complete(task.task_guid, {"approval": approval}), invoice.id)
    close_task(task, actor, decision, comment)
    if decision == "approve":
        _mark_approved(invoice, approver_id, actor.id)
    details = {
        "task": task.task_guid,
        "step": task.name,
        "comment": comment,
        "round": task.round,
        "revision": invoice_revision(session, invoice),
    }
    event = audit.record(session, AUDIT_ACTIONS[decision], actor.id, details, invoice.id)
    new_tasks = advance(
        session, actor, instance, invoice, workflow, Act(decision=decision, task_id=task.bpmn_id)
    )
    if decision in NOTIFY_INITIATOR:
        notify(
            session,
            NOTIFY_INITIATOR[decision],
            [invoice.initiator_id],
            event=str(event.id),
            invoice_id=invoice.id,
            task_guid=_correction_guid(new_tasks),
            params={"comment": comment, "by": actor.id},
        )
    return task


def _correction_guid(new_tasks: list[HumanTask]) -> str | None:
    """A return links to the correction it opened (a diagram may route it elsewhere)."""
    return next((t.task_guid for t in new_tasks if t.form == FormKind.CORRECTION), None)


def _mark_approved(invoice, approver_id: int | None, by_id: int) -> None:
    """Fill in the approver's *Approved by* and *Approval date* (a stage that is not one of
    the invoice's approvers, e.g. a legal review, has no row)."""
    for approver in invoice.approvers:
        if approver.user_id == approver_id:
            approver.approved_at = utcnow()
            approver.approved_by_id = by_id
