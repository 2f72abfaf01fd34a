"""The initiator withdraws an invoice that is not paid yet: it is cancelled, never deleted."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.errors import InvoiceNotEditableError, PermissionDeniedError, ValidationError
from app.i18n import _
from app.models import InstanceStatus, InvoiceStatus, NotificationKind, ProcessInstance
from app.models.base import utcnow
from app.permissions import WITHDRAW, require
from app.services import audit, use_case
from app.services.notify import holders_of, notify
from app.services.visibility import get_visible_invoice
from app.workflow.step_links import link_steps_of
from app.workflow.store import load_workflow, save_state
from app.workflow.sync import open_tasks_of

FINAL = (InvoiceStatus.PAID, InvoiceStatus.REJECTED, InvoiceStatus.CANCELLED)


@use_case
def withdraw_invoice(session: Session, actor, invoice_id, reason: object):
    """Cancel the invoice and close its open tasks. Raises NotFoundError,
    PermissionDeniedError, InvoiceNotEditableError, ValidationError, ConcurrentEditError."""
    require(actor, WITHDRAW)
    invoice = get_visible_invoice(session, actor, invoice_id)
    if actor.id != invoice.initiator_id:
        raise PermissionDeniedError(_("Only the invoice's initiator may withdraw it."))
    if invoice.status in FINAL:
        raise InvoiceNotEditableError(_("Invoice #%(n)s is already closed.", n=invoice.number))
    text = reason.strip() if isinstance(reason, str) else ""
    if not text or len(text) > 2000:
        raise ValidationError(
            {"reason": [_("Give the reason for withdrawing (up to 2000 characters).")]}
        )
    holders, recipients = [], set()
    instance = session.scalars(
        select(ProcessInstance).where(ProcessInstance.invoice_id == invoice.id)
    ).first()
    if instance is not None:
        workflow = load_workflow(instance)
        workflow.cancel()
        for task in open_tasks_of(session, instance.id):
            holders.append(task.assignee_user_id or task.candidate_role)
            recipients.update(holders_of(session, task))
            task.status = "cancelled"
            task.completed_at = utcnow()
        link_steps_of(session, instance, InvoiceStatus.CANCELLED)  # for the wait reports
        instance.status = InstanceStatus.CANCELLED
        save_state(session, instance, workflow)
    invoice.status = InvoiceStatus.CANCELLED
    invoice.stage = None
    invoice.stage_translations = {}
    session.flush()
    event = audit.record(
        session, "withdrawn", actor.id, {"reason": text, "open_tasks_of": holders}, invoice.id
    )
    notify(
        session,
        NotificationKind.WITHDRAWN,
        recipients - {actor.id},
        event=str(event.id),
        invoice_id=invoice.id,
        params={"reason": text},
    )
    return invoice
