"""An administrator hands an open task to another person; audited."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.domain.ids import parse_id
from app.errors import ValidationError
from app.i18n import _
from app.models import FormKind, HumanTask, Invoice, NotificationKind, TaskStatus
from app.models.user import User, holds_role
from app.permissions import REASSIGN, allows, require
from app.services import audit, use_case
from app.services.notify import holders_of, notify
from app.services.task_access import TaskAlreadyHandledError, find_task
from app.services.task_holders import Card, may_be_handed_clause
from app.workflow.sync import INITIATOR_LANE, task_params

# The form of a reassign page lists at most this many people (holders of the task's role).
MAX_CHOICES = 200


@use_case
def reassign_task(session: Session, actor, task_ref, user_id):
    """Raises NotFoundError, PermissionDeniedError, TaskAlreadyHandledError, ValidationError."""
    require(actor, REASSIGN)
    task, invoice = find_task(session, actor, task_ref)
    if task.status != TaskStatus.OPEN:
        raise TaskAlreadyHandledError(_("This task was already handled."))
    _refuse_correction(task)
    pk = parse_id(user_id)
    target = session.scalar(_candidates(task, invoice).where(User.id == pk)) if pk else None
    if target is None:
        raise ValidationError({"user_id": [_who_may_take(task)]})
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
        # From whom to whom, and who did it: a previous holder is a person or, for a task
        # offered to a role, the role.
        params={
            **task_params(task),
            "from": previous["assignee_id"],
            "from_role": None if previous["assignee_id"] else previous["role"],
            "to": target.id,
            "by": actor.id,
        },
    )
    return task


def reassign_choices(session: Session, actor, task: HumanTask, invoice: Invoice) -> list:
    """Who an admin may hand this task to (empty for others and for corrections)."""
    if not allows(actor, REASSIGN) or task.status != TaskStatus.OPEN:
        return []
    if task.form == FormKind.CORRECTION:
        return []
    query = _candidates(task, invoice).order_by(User.last_name, User.first_name)
    return list(session.scalars(query.limit(MAX_CHOICES)))


def _candidates(task: HumanTask, invoice: Invoice):
    """Active holders of the task's lane role whom the duties allow to take it (task_holders)."""
    query = select(User).where(may_be_handed_clause(task, Card.of(invoice)))
    if task.lane and task.lane != INITIATOR_LANE:
        query = query.where(holds_role(task.lane))
    return query


def may_be_reassigned(form: str) -> bool:
    """A correction belongs to the invoice's initiator; every other task may be handed on."""
    return form != FormKind.CORRECTION


def _refuse_correction(task: HumanTask) -> None:
    if not may_be_reassigned(task.form):
        raise ValidationError(
            {"user_id": [_("A correction belongs to the invoice's initiator: it stays theirs.")]}
        )


def _who_may_take(task: HumanTask):
    if task.lane and task.lane != INITIATOR_LANE:
        return _(
            "Choose an active user with the role %(role)s who is neither the initiator nor "
            "one of the invoice's approvers.",
            role=task.lane,
        )
    return _("Choose an active user who is neither the initiator nor one of its approvers.")
