"""Who may act on a task: read from human_task rows, never from the client's word."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.orm import Session, lazyload

from app.errors import ConcurrentEditError, NotFoundError, PermissionDeniedError
from app.i18n import _
from app.models import HumanTask, Invoice, TaskStatus
from app.roles import role_names
from app.services.visibility import get_visible_invoice


class TaskAlreadyHandledError(ConcurrentEditError):
    pass


def find_task(session: Session, actor, task_ref: object) -> tuple[HumanTask, Invoice]:
    """The task and its invoice, if the actor may see the invoice (NotFoundError otherwise)."""
    try:
        guid = str(uuid.UUID(str(task_ref)))
    except ValueError as exc:
        raise NotFoundError(_("Task not found.")) from exc
    task = session.scalars(
        select(HumanTask)
        .where(HumanTask.task_guid == guid)
        .options(lazyload(HumanTask.assignee), lazyload(HumanTask.completed_by))
    ).first()
    if task is None:
        raise NotFoundError(_("Task not found."))
    return task, get_visible_invoice(session, actor, task.invoice_id)


def may_act(actor, task: HumanTask) -> bool:
    if task.assignee_user_id is not None:
        return actor.id == task.assignee_user_id
    return task.candidate_role in role_names(actor)


def task_for_action(session: Session, actor, task_ref: object) -> tuple[HumanTask, Invoice]:
    """404 unknown or invisible, 409 no longer open, 403 someone else's task."""
    task, invoice = find_task(session, actor, task_ref)
    if task.status != TaskStatus.OPEN:
        raise TaskAlreadyHandledError(_("This task was already handled."))
    if not may_act(actor, task):
        raise PermissionDeniedError(_("This task belongs to someone else."))
    return task, invoice
