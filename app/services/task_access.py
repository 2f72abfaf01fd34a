"""Who may act on a task: read from human_task rows, never from the client's word."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.orm import Session, lazyload

from app.errors import ConcurrentEditError, NotFoundError, PermissionDeniedError
from app.i18n import _
from app.models import HumanTask, Invoice, ProcessInstance, TaskStatus
from app.roles import role_names
from app.services.visibility import visible_invoice_condition


class TaskAlreadyHandledError(ConcurrentEditError):
    pass


def find_task(session: Session, actor, task_ref: object) -> tuple[HumanTask, Invoice]:
    """The task and its invoice, if the actor may see the invoice (NotFoundError otherwise)."""
    task, invoice = _load(session, actor, task_ref, HumanTask, Invoice)
    return task, invoice


def _load(session: Session, actor, task_ref: object, *entities):
    """One query: the task with what else is asked for, if the actor may see its invoice."""
    try:
        guid = str(uuid.UUID(str(task_ref)))
    except ValueError as exc:
        raise NotFoundError(_("Task not found.")) from exc
    query = (
        select(*entities)
        .join(Invoice, Invoice.id == HumanTask.invoice_id)
        .where(HumanTask.task_guid == guid)
        .options(lazyload(HumanTask.assignee), lazyload(HumanTask.completed_by))
    )
    if ProcessInstance in entities:
        query = query.join(ProcessInstance, ProcessInstance.id == HumanTask.instance_id)
    visible = visible_invoice_condition(actor)
    if visible is not None:
        query = query.where(visible)
    row = session.execute(query).unique().first()
    if row is None:
        raise NotFoundError(_("Task not found."))
    return row


def may_act(actor, task: HumanTask) -> bool:
    if task.assignee_user_id is not None:
        return actor.id == task.assignee_user_id
    return task.candidate_role in role_names(actor)


def task_for_action(
    session: Session, actor, task_ref: object
) -> tuple[HumanTask, Invoice, ProcessInstance]:
    """The task, its invoice and their process. 404 unknown or invisible, 409 no longer open,
    403 someone else's task."""
    task, invoice, instance = _load(session, actor, task_ref, HumanTask, Invoice, ProcessInstance)
    if task.status != TaskStatus.OPEN:
        raise TaskAlreadyHandledError(_("This task was already handled."))
    if not may_act(actor, task):
        raise PermissionDeniedError(_("This task belongs to someone else."))
    return task, invoice, instance
