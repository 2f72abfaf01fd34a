"""A finance director cancels an export batch the bank has not paid from: none of its invoices
is paid yet. Its invoices become free for another batch; the batch stays listed as cancelled
(who, when, why) with its file, which downloads marked as cancelled."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from app.errors import ConcurrentEditError, InvoiceNotEditableError, ValidationError
from app.i18n import _
from app.models import Invoice, InvoiceStatus, Payment, PaymentExport, PaymentExportItem
from app.services import audit, use_case
from app.services.payment_export import get_export

REASON_LIMIT = 1000


class ExportAlreadyCancelledError(InvoiceNotEditableError):
    """The batch is cancelled already (409)."""


class ExportPaidError(InvoiceNotEditableError):
    """An invoice of the batch is paid: the bank has paid from it (409)."""


@use_case
def cancel_export(session: Session, actor, export_id, reason: str, now: datetime) -> PaymentExport:
    """Cancel a batch with a reason. Raises PermissionDeniedError, NotFoundError,
    ValidationError (no reason), ExportAlreadyCancelledError, ExportPaidError,
    ConcurrentEditError."""
    batch = get_export(session, actor, export_id)
    reason = _checked_reason(reason)
    if batch.cancelled:
        raise ExportAlreadyCancelledError(_("Batch %(id)s is cancelled already.", id=batch.id))
    _lock_invoices(session, batch)
    paid = _paid_numbers(session, batch)
    if paid:
        raise ExportPaidError(
            _(
                "Batch %(id)s cannot be cancelled: invoices %(numbers)s of it are paid already.",
                id=batch.id,
                numbers=", ".join(f"#{n}" for n in paid),
            )
        )
    _mark_cancelled(session, batch, actor, reason, now)
    _audit_cancel(session, actor, batch, reason)
    return batch


def batches_with_paid_invoices(session: Session, batches: list[PaymentExport]) -> set[int]:
    """Which of these batches cannot be cancelled: one of their invoices is paid."""
    ids = [batch.id for batch in batches if not batch.cancelled]
    if not ids:
        return set()
    query = (
        select(PaymentExportItem.export_id)
        .join(Invoice, Invoice.id == PaymentExportItem.invoice_id)
        .where(PaymentExportItem.export_id.in_(ids), _is_paid())
        .distinct()
    )
    return set(session.scalars(query))


def _is_paid():
    has_payment = select(Payment.id).where(Payment.invoice_id == Invoice.id).exists()
    return (Invoice.status == InvoiceStatus.PAID) | has_payment


def _checked_reason(reason) -> str:
    text = reason.strip() if isinstance(reason, str) else ""
    if not text:
        raise ValidationError({"reason": [_("Say why the batch is cancelled.")]})
    if len(text) > REASON_LIMIT:
        raise ValidationError({"reason": [_("At most %(n)s characters.", n=REASON_LIMIT)]})
    return text


def _lock_invoices(session: Session, batch: PaymentExport) -> None:
    """Hold the batch's invoices until the cancel commits: a payment recorded at the same moment
    either committed first (and is seen below, refusing the cancel) or waits and follows it."""
    invoices = select(PaymentExportItem.invoice_id).where(PaymentExportItem.export_id == batch.id)
    session.execute(select(Invoice.id).where(Invoice.id.in_(invoices)).with_for_update())


def _paid_numbers(session: Session, batch: PaymentExport) -> list[int]:
    """The batch's invoices that are paid (or have a payment recorded)."""
    query = (
        select(Invoice.number)
        .join(PaymentExportItem, PaymentExportItem.invoice_id == Invoice.id)
        .where(PaymentExportItem.export_id == batch.id, _is_paid())
        .order_by(Invoice.number)
    )
    return list(session.scalars(query))


def _mark_cancelled(session: Session, batch, actor, reason: str, now: datetime) -> None:
    # Guarded on "not cancelled yet": of two cancellations at once, the second gets a 409.
    done = session.execute(
        update(PaymentExport)
        .where(PaymentExport.id == batch.id, PaymentExport.cancelled_at.is_(None))
        .values(cancelled_at=now, cancelled_by_id=actor.id, cancel_reason=reason)
        .execution_options(synchronize_session=False)
    )
    if done.rowcount != 1:
        raise ConcurrentEditError(_("Someone cancelled this batch just now: reload the list."))
    session.execute(
        update(PaymentExportItem)
        .where(PaymentExportItem.export_id == batch.id)
        .values(cancelled_at=now)
        .execution_options(synchronize_session=False)
    )
    for item in batch.items:
        session.expire(item)
    session.expire(batch)


def _audit_cancel(session: Session, actor, batch: PaymentExport, reason: str) -> None:
    details = {"export_id": batch.id, "file_name": batch.file_name, "reason": reason}
    numbers = []
    for item in batch.items:
        audit.record(session, "export_for_payment_cancelled", actor.id, details, item.invoice_id)
        numbers.append(item.invoice.number)
    audit.record(session, "payment_export_cancelled", actor.id, {**details, "invoices": numbers})
