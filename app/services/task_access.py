"""Who may act on a task: read from human_task rows, never from the client's word."""

from __future__ import annotations

import uuid
from functools import cache

from sqlalchemy import Select, bindparam, select
from sqlalchemy.orm import Session, joinedload, lazyload

from app.errors import ConcurrentEditError, NotFoundError, PermissionDeniedError
from app.i18n import _
from app.models import (
    FormKind,
    HumanTask,
    Invoice,
    InvoiceApprover,
    ProcessInstance,
    ProcessVersion,
    TaskStatus,
)
from app.roles import role_names
from app.services.visibility import ONE_INVOICE_VISIBLE, sees_all_invoices, viewer_parameters


class TaskAlreadyHandledError(ConcurrentEditError):
    pass


def find_task(session: Session, actor, task_ref: object) -> tuple[HumanTask, Invoice]:
    """The task and its invoice, if the actor may see the invoice (NotFoundError otherwise)."""
    task, invoice = _load(session, actor, task_ref, with_process=False)
    return task, invoice


def _load(session: Session, actor, task_ref: object, with_process: bool):
    try:
        guid = str(uuid.UUID(str(task_ref)))
    except ValueError as exc:
        raise NotFoundError(_("Task not found.")) from exc
    restricted = not sees_all_invoices(actor)
    parameters = viewer_parameters(actor) if restricted else {}
    query = _task_query(with_process, restricted)
    row = session.execute(query, {"guid": guid, **parameters}).unique().first()
    if row is None:
        raise NotFoundError(_("Task not found."))
    return row


@cache
def _task_query(with_process: bool, restricted: bool) -> Select:
    """One query for a task by guid with its invoice (and its process, to act on it), if the
    viewer may see the invoice. Built once per shape; the guid and viewer are parameters."""
    lean = [lazyload(HumanTask.assignee), lazyload(HumanTask.completed_by)]
    if with_process:
        query = select(HumanTask, Invoice, ProcessInstance).join(
            ProcessInstance, ProcessInstance.id == HumanTask.instance_id
        )
        # Acting needs ids, amounts and the approvers' ids; not names, nor the diagram's XML.
        lean += [
            lazyload(Invoice.counterparty),
            lazyload(Invoice.initiator),
            joinedload(Invoice.approvers).options(
                lazyload(InvoiceApprover.user), lazyload(InvoiceApprover.approved_by)
            ),
            joinedload(ProcessInstance.process_version).lazyload(ProcessVersion.published_by),
        ]
    else:
        query = select(HumanTask, Invoice)
    query = (
        query.join(Invoice, Invoice.id == HumanTask.invoice_id)
        .where(HumanTask.task_guid == bindparam("guid"))
        .options(*lean)
    )
    return query.where(ONE_INVOICE_VISIBLE) if restricted else query


def may_act(actor, task: HumanTask) -> bool:
    if task.assignee_user_id is not None:
        return actor.id == task.assignee_user_id
    return task.candidate_role in role_names(actor)


def refusal(actor, task: HumanTask, invoice: Invoice):
    """Why `actor` may not act on `task`, or None. The one rule behind every action and the
    task page (My tasks and notifications say the same in SQL): the holder alone, and never the
    initiator on their own invoice (but their correction), nor an approver paying it."""
    if not may_act(actor, task):
        return _("This task belongs to someone else.")
    if task.form == FormKind.CORRECTION:
        return None
    payer_refused = _("The initiator and the approvers may not pay the invoice.")
    if actor.id == invoice.initiator_id:
        if task.form == FormKind.PAYMENT:
            return payer_refused
        return _("The initiator cannot decide on their own invoice.")
    if task.form == FormKind.PAYMENT and actor.id in {a.user_id for a in invoice.approvers}:
        return payer_refused
    return None


def task_for_action(
    session: Session, actor, task_ref: object
) -> tuple[HumanTask, Invoice, ProcessInstance]:
    """The task, its invoice and their process. 404 unknown or invisible, 409 no longer open,
    403 someone else's task."""
    task, invoice, instance = _load(session, actor, task_ref, with_process=True)
    if task.status != TaskStatus.OPEN:
        raise TaskAlreadyHandledError(_("This task was already handled."))
    reason = refusal(actor, task, invoice)
    if reason is not None:
        raise PermissionDeniedError(reason)
    return task, invoice, instance
