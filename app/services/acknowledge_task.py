"""Acknowledging a task of form `acknowledge`: a stage where someone confirms they have seen
the invoice (an analyst may add one to the diagram), with an optional note."""

from __future__ import annotations

from sqlalchemy.orm import Session

from app.errors import ValidationError
from app.i18n import _
from app.models import FormKind, HumanTask
from app.permissions import DECIDE, require
from app.services import audit, use_case
from app.services.complete_task import COMMENT_LIMIT, on_behalf_of
from app.services.process_runtime import advance
from app.services.task_access import task_to_act_on
from app.workflow.failures import run_step
from app.workflow.store import load_workflow
from app.workflow.sync import close_task


@use_case
def acknowledge_task(session: Session, actor, task_ref, note: object = None) -> HumanTask:
    """Raises NotFoundError, TaskAlreadyHandledError, PermissionDeniedError, ValidationError,
    ConcurrentEditError."""
    require(actor, DECIDE)  # acknowledging is the decision of its stage
    task, invoice, instance, for_id = task_to_act_on(session, actor, task_ref)
    if task.form != FormKind.ACKNOWLEDGE:
        raise ValidationError({"task": [_("This task is not one to acknowledge.")]})
    text = note.strip() if isinstance(note, str) else ""
    if len(text) > COMMENT_LIMIT:
        raise ValidationError(
            {
                "note": [
                    _(
                        "Use at most %(n)s characters (this has %(m)s).",
                        n=COMMENT_LIMIT,
                        m=len(text),
                    )
                ]
            }
        )
    workflow = load_workflow(instance)
    acknowledged = {"by": actor.id, "note": text}
    run_step(lambda: workflow.complete(task.task_guid, {"acknowledged": acknowledged}), invoice.id)
    close_task(task, actor, "acknowledged", text or None, for_id)
    details = {"task": task.task_guid, "step": task.name, "note": text, **on_behalf_of(for_id)}
    audit.record(session, "acknowledged", actor.id, details, invoice.id)
    advance(session, actor, instance, invoice, workflow)
    return task
