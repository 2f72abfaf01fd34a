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
from app.services.process_runtime import advance
from app.services.revision import invoice_revision
from app.services.rules_of_money import Act
from app.services.task_access import task_at_hand
from app.workflow.failures import run_step
from app.workflow.store import load_workflow
from app.workflow.sync import close_task, process_assignee

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
def decide(
    session: Session, actor, task_ref, decision, comment, channel: str | None = None
) -> HumanTask:
    """Record a decision (`channel` "email": made with a link of a task e-mail). Raises
    NotFoundError, TaskAlreadyHandledError, PermissionDeniedError, ValidationError,
    ConcurrentEditError."""
    require(actor, DECIDE)
    found = task_at_hand(session, actor, task_ref)
    task, invoice, instance, for_id = found.task, found.invoice, found.instance, found.for_id
    if task.form != FormKind.APPROVAL:
        raise NotAnApprovalError()
    decision, comment = clean_decision(decision, comment)
    workflow = load_workflow(instance)
    # Whom the process gave the task: an admin may have handed it to a substitute since.
    approver_id = process_assignee(workflow, task.task_guid, invoice)
    approval = {"by": actor.id, "decision": decision, "comment": comment}
    run_step(lambda: workflow.complete(task.task_guid, {"approval": approval}), invoice.id)
    close_task(task, actor, decision, comment, for_id)
    if decision == "approve":
        _mark_approved(invoice, approver_id, actor.id, for_id)
    details = {
        "task": task.task_guid,
        "step": task.name,
        "comment": comment,
        "round": task.round,
        "revision": invoice_revision(session, invoice, found.file_digests),
        **on_behalf_of(for_id),
        **({"channel": channel} if channel else {}),
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
            params={"comment": comment, "by": actor.id, **on_behalf_of(for_id)},
        )
    return task


def _correction_guid(new_tasks: list[HumanTask]) -> str | None:
    """A return links to the correction it opened (a diagram may route it elsewhere)."""
    return next((t.task_guid for t in new_tasks if t.form == FormKind.CORRECTION), None)


def on_behalf_of(for_id: int | None) -> dict:
    """What an audit event or a notice adds when a deputy acted: for whom."""
    return {} if for_id is None else {"on_behalf_of": for_id}


def _mark_approved(invoice, approver_id: int | None, by_id: int, for_id: int | None) -> None:
    """Fill in the approver's *Approved by* and *Approval date* (a stage that is not one of
    the invoice's approvers, e.g. a legal review, has no row)."""
    for approver in invoice.approvers:
        if approver.user_id == approver_id:
            approver.approved_at = utcnow()
            approver.approved_by_id = by_id
            approver.approved_for_id = for_id
