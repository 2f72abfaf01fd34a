"""An administrator hands an open task to another person; audited."""

from __future__ import annotations

from sqlalchemy.orm import Session

from app.domain.ids import parse_id
from app.errors import PermissionDeniedError, ValidationError
from app.i18n import _
from app.models import NotificationKind, TaskStatus
from app.models.user import User
from app.roles import ADMIN, has_role
from app.services import audit, use_case
from app.services.notify import holders_of, notify
from app.services.process_runtime import task_params
from app.services.task_access import TaskAlreadyHandledError, find_task


@use_case
def reassign_task(session: Session, actor, task_ref, user_id):
    """Raises NotFoundError, PermissionDeniedError, TaskAlreadyHandledError, ValidationError."""
    if not has_role(actor, ADMIN):
        raise PermissionDeniedError(_("Only an administrator may reassign tasks."))
    task, invoice = find_task(session, actor, task_ref)
    if task.status != TaskStatus.OPEN:
        raise TaskAlreadyHandledError(_("This task was already handled."))
    pk = parse_id(user_id)
    target = session.get(User, pk) if pk else None
    if target is None or not target.active:
        raise ValidationError({"user_id": [_("Choose an active user.")]})
    if target.id == invoice.initiator_id and task.form != "correction":
        raise ValidationError({"user_id": [_("The initiator cannot decide on their own invoice.")]})
    previous = {"assignee_id": task.assignee_user_id, "role": task.candidate_role}
    previous_holders = holders_of(session, task)
    task.assignee_user_id = target.id
    event = audit.record(
        session,
        "reassigned",
        actor.id,
        {"task": task.task_guid, "step": task.name, "from": previous, "to": target.id},
        invoice.id,
    )
    notify(
        session,
        NotificationKind.REASSIGNED,
        [*previous_holders, target.id],
        event=str(event.id),
        invoice_id=invoice.id,
        task_guid=task.task_guid,
        params={**task_params(task), "to": target.id},
    )
    return task
