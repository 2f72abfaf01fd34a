"""Finding a task to show or act on: read from human_task rows, never from the client's word.
Who may act is app/services/task_holders.py's rule."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
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
from app.services import audit
from app.services.revision import digests_of, file_digests_column
from app.services.task_holders import (
    Card,
    Standing,
    acting_for,
    duties_allow,
    holds,
    may_act,
    standing_of,
)
from app.services.visibility import ONE_INVOICE_VISIBLE, sees_all_invoices, viewer_parameters
from app.services.webhook_events import active_subscriptions_column, remember_subscriptions


class TaskAlreadyHandledError(ConcurrentEditError):
    pass


def find_task(session: Session, actor, task_ref: object) -> tuple[HumanTask, Invoice]:
    """The task and its invoice, if the actor may see the invoice (NotFoundError otherwise)."""
    task, invoice = _load(session, actor, task_ref, with_process=False)
    return task, invoice


def _load(session: Session, actor, task_ref: object, with_process: bool, standing=None):
    try:
        guid = str(uuid.UUID(str(task_ref)))
    except ValueError as exc:
        raise NotFoundError(_("Task not found.")) from exc
    restricted = not sees_all_invoices(actor)
    parameters = viewer_parameters(actor, standing) if restricted else {}
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
        # What acting records comes with it: the files' digests (the revision the decision
        # was made on), the head of the invoice's audit chain (the next event's link) and the
        # webhook subscriptions (the deliveries its events queue).
        query = select(
            HumanTask,
            Invoice,
            ProcessInstance,
            file_digests_column(Invoice.id),
            *audit.invoice_head_columns(Invoice.id),
            active_subscriptions_column(),
        ).join(ProcessInstance, ProcessInstance.id == HumanTask.instance_id)
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


def refusal(standing: Standing, task: HumanTask, invoice: Invoice):
    """Why the person of `standing` may not act on `task`, or None (task_holders' rule: My
    tasks and notifications say the same in SQL)."""
    card = Card.of(invoice)
    if may_act(standing, task, card):
        return None
    me = standing.me
    if holds(me, task) and duties_allow(me.id, task, card):
        return _("You are out of office: your deputy handles this task until you are back.")
    if not holds(me, task):
        if any(holds(absent, task) for absent in standing.stands_in_for):
            return _("A deputy may not act on an invoice they started or approve.")
        return _("This task belongs to someone else.")
    if task.form == FormKind.PAYMENT:
        return _("The initiator and the approvers may not pay the invoice.")
    return _("The initiator cannot decide on their own invoice.")


def task_for_action(
    session: Session, actor, task_ref: object
) -> tuple[HumanTask, Invoice, ProcessInstance]:
    """The task, its invoice and their process. 404 unknown or invisible, 409 no longer open,
    403 someone else's task."""
    task, invoice, instance, _for_id = task_to_act_on(session, actor, task_ref)
    return task, invoice, instance


def task_to_act_on(
    session: Session, actor, task_ref: object
) -> tuple[HumanTask, Invoice, ProcessInstance, int | None]:
    """As task_for_action, with whose task it is when the actor acts as a deputy (else None)."""
    found = task_at_hand(session, actor, task_ref)
    return found.task, found.invoice, found.instance, found.for_id


@dataclass(frozen=True)
class TaskAtHand:
    """A task the actor may act on now, with what acting on it needs, read in one query."""

    task: HumanTask
    invoice: Invoice
    instance: ProcessInstance
    for_id: int | None  # whose task it is when the actor acts as their deputy
    file_digests: list[str]  # of the invoice's files: its revision (services/revision.py)


def task_at_hand(session: Session, actor, task_ref: object) -> TaskAtHand:
    """As task_to_act_on, with the files' digests; the next audit event of the invoice builds
    on the chain's head read with them (audit.expect_head)."""
    standing = standing_of(session, actor)
    task, invoice, instance, digests, sequence, hash_, subscriptions = _load(
        session, actor, task_ref, True, standing
    )
    remember_subscriptions(session, subscriptions)
    if task.status != TaskStatus.OPEN:
        raise TaskAlreadyHandledError(_("This task was already handled."))
    reason = refusal(standing, task, invoice)
    if reason is not None:
        raise PermissionDeniedError(reason)
    audit.expect_head(session, invoice.id, sequence, hash_)
    for_id = acting_for(standing, task, Card.of(invoice))
    return TaskAtHand(
        task, invoice, instance, None if for_id == actor.id else for_id, digests_of(digests)
    )
