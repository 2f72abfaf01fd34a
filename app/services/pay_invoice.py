"""The finance director records the payment and attaches the payment order."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.domain.dates import DateError, parse_date
from app.domain.money import AmountError, format_amount, parse_amount
from app.errors import FileRejectedError, InvoiceNotEditableError, ValidationError
from app.i18n import _
from app.models import (
    AttachmentKind,
    FormKind,
    HumanTask,
    NotificationKind,
    Payment,
    TaskStatus,
)
from app.models.base import utcnow
from app.permissions import PAY, require
from app.services import audit, use_case
from app.services.attachments import IncomingFile, check_file, store_files
from app.services.complete_task import on_behalf_of
from app.services.notify import notify
from app.services.process_runtime import advance
from app.services.rules_of_money import Act
from app.services.task_access import task_to_act_on
from app.services.visibility import get_visible_invoice
from app.storage import FileStorage
from app.workflow.failures import run_step
from app.workflow.store import load_workflow
from app.workflow.sync import close_task

PAYMENT_ORDER_TYPES = {"application/pdf", "image/png", "image/jpeg"}

REFERENCE_LIMIT = 100


def open_payment_task(session: Session, invoice_id: int) -> HumanTask | None:
    return session.scalars(
        select(HumanTask).where(
            HumanTask.invoice_id == invoice_id,
            HumanTask.form == FormKind.PAYMENT,
            HumanTask.status == TaskStatus.OPEN,
        )
    ).first()


@use_case
def pay_invoice(
    session: Session,
    actor,
    invoice_id,
    data: dict,
    payment_order: IncomingFile | None,
    storage: FileStorage,
    max_file_size: int,
    today: date,
) -> Payment:
    """Record a payment. Raises NotFoundError, InvoiceNotEditableError, PermissionDeniedError,
    ValidationError, FileTooLargeError, ConcurrentEditError."""
    require(actor, PAY)
    invoice = get_visible_invoice(session, actor, invoice_id)
    pending = open_payment_task(session, invoice.id)
    if pending is None:
        raise InvoiceNotEditableError(
            _("Invoice #%(n)s is not awaiting payment.", n=invoice.number)
        )
    task, invoice, instance, for_id = task_to_act_on(session, actor, pending.task_guid)
    paid_on, amount, reference = _clean_payment(data, invoice, payment_order, today, max_file_size)
    order = _store_payment_order(session, actor, invoice, payment_order, storage, max_file_size)
    payment = Payment(
        invoice_id=invoice.id,
        paid_on=paid_on,
        amount=amount,
        reference=reference,
        payment_order_id=order.id if order else None,
        recorded_by_id=actor.id,
        recorded_at=utcnow(),
    )
    # The cycle-time report reads the invoice's cycle off the payment (submit to payment).
    payment.cycle_seconds = (payment.recorded_at - instance.created_at).total_seconds()
    session.add(payment)
    session.flush()
    workflow = load_workflow(instance)
    run_step(lambda: workflow.complete(task.task_guid, {"payment": {"by": actor.id}}), invoice.id)
    close_task(task, actor, "pay", reference, for_id)
    audit.record(
        session,
        "paid",
        actor.id,
        {
            "paid_on": paid_on,
            "amount": amount,
            "reference": reference,
            "payment_order": order.filename if order else None,
            **on_behalf_of(for_id),
        },
        invoice.id,
    )
    notify(
        session,
        NotificationKind.PAID,
        [invoice.initiator_id],
        event=f"paid:{payment.id}",
        invoice_id=invoice.id,
        params={"paid_on": paid_on.isoformat(), "by": actor.id},
    )
    advance(session, actor, instance, invoice, workflow, Act(paid=True, task_id=task.bpmn_id))
    return payment


def _clean_payment(data: dict, invoice, payment_order, today: date, max_file_size: int):
    """Every problem of the form at once. Raises ValidationError, FileTooLargeError."""
    errors: dict[str, list] = {}
    paid_on = None
    try:
        paid_on = parse_date(data.get("paid_on")) or today
        if paid_on > today:
            errors["paid_on"] = [_("A payment cannot be recorded for a future date.")]
    except DateError as exc:
        errors["paid_on"] = [exc.args[0]]
    amount = invoice.amount
    if data.get("amount") not in (None, ""):
        try:
            amount = parse_amount(data.get("amount"), invoice.currency)
        except AmountError as exc:
            errors["amount"] = [exc.args[0]]
        else:
            if amount != invoice.amount:  # one payment settles the invoice: no part payments
                errors["amount"] = [
                    _(
                        "The payment must equal the invoice amount, %(amount)s %(currency)s.",
                        amount=format_amount(invoice.amount, ".", invoice.currency),
                        currency=invoice.currency,
                    )
                ]
    reference = str(data.get("reference") or "").strip() or None
    if reference and len(reference) > REFERENCE_LIMIT:
        errors["reference"] = [
            _("Use at most %(n)s characters (this has %(m)s).", n=REFERENCE_LIMIT, m=len(reference))
        ]
    order_problems = _payment_order_problems(invoice, payment_order, max_file_size)
    if order_problems:
        errors["payment_order"] = order_problems
    if errors:
        raise ValidationError(errors)
    return paid_on, amount, reference


def _payment_order_problems(invoice, payment_order, max_file_size: int) -> list:
    if payment_order is None:
        if invoice.payment_order_required:
            return [_("This invoice requires the payment order: attach it.")]
        return []
    try:
        check_payment_order(payment_order, max_file_size)
    except ValidationError as exc:
        return exc.errors["payment_order"]
    return []


def check_payment_order(incoming: IncomingFile, max_size: int) -> IncomingFile:
    """The file as a payment order, if it may be one. Raises FileTooLargeError and
    ValidationError (on `payment_order`) for a file that cannot."""
    order = IncomingFile(incoming.filename, incoming.data, AttachmentKind.PAYMENT_ORDER)
    try:
        content_type, _kind = check_file(order, max_size)
    except FileRejectedError as exc:
        raise ValidationError({"payment_order": [exc.message]}) from exc
    if content_type not in PAYMENT_ORDER_TYPES:
        raise ValidationError(
            {"payment_order": [_("The payment order must be a PDF or an image.")]}
        )
    return order


def _store_payment_order(session, actor, invoice, incoming, storage, max_size):
    if incoming is None:
        return None
    order = check_payment_order(incoming, max_size)
    return store_files(session, actor, invoice, [order], storage, max_size)[0]
