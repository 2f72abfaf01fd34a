"""Export for payment: approved invoices awaiting payment go to the bank client as one file.

The file is the 1C Client-Bank exchange format (one payment order per invoice, our company's
details from the settings, the counterparty's from the invoice's copy of its card) or CSV. Each
export is a batch kept with who made it, when, the file and its SHA-256; an invoice is in at most
one batch that is not cancelled, so none is exported twice (app/services/cancel_payment_export.py
frees a batch's invoices). Downloading a batch's file again is the explicit re-export (audited);
it gives the same bytes, under a name marked as cancelled once the batch is.
"""

from __future__ import annotations

import csv
import hashlib
import io
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.domain.client_bank_format import (
    ClientBankFormatError,
    Payer,
    PaymentOrder,
    day,
    write_exchange,
)
from app.domain.ids import parse_id
from app.domain.money import plain_amount
from app.errors import ConcurrentEditError, InvoiceNotEditableError, NotFoundError, ValidationError
from app.i18n import _
from app.models import (
    ExportFormat,
    Invoice,
    InvoiceStatus,
    PaymentExport,
    PaymentExportItem,
)
from app.permissions import PAY, require
from app.services import audit, use_case
from app.services.invoice_export import neutralised
from app.services.visibility import get_visible_invoice

SENDER = "InvoiceFlow"
RUBLE = "RUB"
MAX_INVOICES = 1000


class InvoiceAlreadyExportedError(InvoiceNotEditableError):
    """The invoice is in a batch already (409): download that batch again to re-export."""


# The item of a batch that is not cancelled: the one an invoice may have.
OPEN_ITEM = PaymentExportItem.cancelled_at.is_(None)


@dataclass(frozen=True)
class AwaitingInvoice:
    invoice: Invoice
    export_id: int | None  # the batch it went out in, if any
    problems: list[str]  # why it cannot go into a 1C file (the CSV takes it all the same)


@dataclass(frozen=True)
class AwaitingPayment:
    rows: list[AwaitingInvoice]
    totals: dict[str, Decimal]  # per currency, over the invoices not exported yet

    @property
    def to_export(self) -> list[AwaitingInvoice]:
        return [row for row in self.rows if row.export_id is None]

    @property
    def exported(self) -> list[AwaitingInvoice]:
        return [row for row in self.rows if row.export_id is not None]


def awaiting_payment(session: Session, actor) -> AwaitingPayment:
    """The invoices awaiting payment, those not exported first, with their totals. Raises
    PermissionDeniedError."""
    require(actor, PAY)
    query = (
        select(Invoice, PaymentExportItem.export_id)
        .outerjoin(PaymentExportItem, (PaymentExportItem.invoice_id == Invoice.id) & OPEN_ITEM)
        .where(Invoice.status == InvoiceStatus.AWAITING_PAYMENT)
        .order_by(Invoice.due_date.is_(None), Invoice.due_date, Invoice.number)
    )
    rows = [
        AwaitingInvoice(invoice, export_id, order_problems(invoice))
        for invoice, export_id in session.execute(query).unique()
    ]
    totals: dict[str, Decimal] = defaultdict(Decimal)
    for row in rows:
        if row.export_id is None:
            totals[row.invoice.currency] += row.invoice.amount
    return AwaitingPayment(
        sorted(rows, key=lambda r: r.export_id is not None), dict(sorted(totals.items()))
    )


def order_problems(invoice: Invoice) -> list[str]:
    """What a payment order to this invoice's counterparty lacks."""
    problems = []
    if invoice.currency != RUBLE:
        problems.append(_("A payment order pays roubles only; this invoice is in %(c)s.",
                          c=invoice.currency))  # fmt: skip
    needed = (
        (invoice.counterparty_tax_id, _("the counterparty's INN")),
        (invoice.counterparty_bank_account, _("the account number")),
        (invoice.counterparty_bank_bic, _("the BIC")),
        (invoice.counterparty_bank_name, _("the bank")),
    )
    missing = [str(label) for value, label in needed if not value]
    if missing:
        problems.append(_("The card lacks %(what)s.", what=", ".join(missing)))
    return [str(p) for p in problems]


@use_case
def export_for_payment(
    session: Session,
    actor,
    invoice_ids: list,
    kind: str,
    payer: Payer,
    now: datetime,
    csv_dialect: tuple[str, str] = (";", ","),
) -> PaymentExport:
    """Put the invoices into a new batch and write its file. Raises PermissionDeniedError,
    ValidationError (no invoice, a 1C file they cannot make, the company's details unset),
    NotFoundError, InvoiceNotEditableError and InvoiceAlreadyExportedError (409)."""
    require(actor, PAY)
    kind = _format(kind)
    invoices = _invoices_to_export(session, actor, invoice_ids)
    if kind == ExportFormat.CLIENT_BANK:
        content = _client_bank_file(invoices, payer, now)
        extension = "txt"
    else:
        content = _csv_file(invoices, *csv_dialect)
        extension = "csv"
    batch = _save_batch(session, actor, invoices, kind, content, now, extension)
    _audit_batch(session, actor, batch, invoices)
    return batch


def _format(kind: str) -> ExportFormat:
    try:
        return ExportFormat(str(kind or ""))
    except ValueError:
        raise ValidationError({"format": [_("Choose the 1C Client-Bank format or CSV.")]}) from None


def _invoices_to_export(session: Session, actor, invoice_ids) -> list[Invoice]:
    ids = [parse_id(raw) for raw in invoice_ids or []]
    if not ids:
        raise ValidationError({"invoices": [_("Choose at least one invoice to export.")]})
    if None in ids:
        raise ValidationError({"invoices": [_("Give invoices by their ids.")]})
    if len(ids) > MAX_INVOICES:
        message = _("An export holds at most %(n)s invoices.", n=MAX_INVOICES)
        raise ValidationError({"invoices": [message]})
    invoices = [get_visible_invoice(session, actor, pk) for pk in dict.fromkeys(ids)]
    exported = dict(
        session.execute(
            select(PaymentExportItem.invoice_id, PaymentExportItem.export_id).where(
                PaymentExportItem.invoice_id.in_([i.id for i in invoices]), OPEN_ITEM
            )
        ).all()
    )
    for invoice in invoices:
        if invoice.status != InvoiceStatus.AWAITING_PAYMENT:
            raise InvoiceNotEditableError(
                _("Invoice #%(n)s is not awaiting payment.", n=invoice.number)
            )
        if invoice.id in exported:
            raise InvoiceAlreadyExportedError(
                _(
                    "Invoice #%(n)s was exported already, in batch %(batch)s. To hand it to "
                    "the bank again, download that batch's file again.",
                    n=invoice.number,
                    batch=exported[invoice.id],
                )
            )
    return invoices


def _client_bank_file(invoices: list[Invoice], payer: Payer, now: datetime) -> bytes:
    missing = payer.missing()
    if missing:
        message = _(
            "The company's bank details are not set: %(names)s. An administrator sets them "
            "in the settings.",
            names=", ".join(missing),
        )
        raise ValidationError({"company": [message]})
    problems = [
        f"#{invoice.number}: {problem}"
        for invoice in invoices
        for problem in order_problems(invoice)
    ]
    if problems:
        raise ValidationError({"invoices": problems})
    try:
        return write_exchange(payer, [payment_order(i, now) for i in invoices], now, SENDER)
    except ClientBankFormatError as exc:
        raise ValidationError({"invoices": [str(exc)]}) from exc


def payment_order(invoice: Invoice, now: datetime) -> PaymentOrder:
    return PaymentOrder(
        number=str(invoice.number),
        on=now.date(),
        amount=invoice.amount,
        recipient_name=invoice.counterparty_name,
        recipient_inn=invoice.counterparty_tax_id or "",
        recipient_kpp=invoice.counterparty_kpp or "",
        recipient_account=invoice.counterparty_bank_account or "",
        recipient_bik=invoice.counterparty_bank_bic or "",
        recipient_corr_account=invoice.counterparty_bank_corr_account or "",
        recipient_bank=invoice.counterparty_bank_name or "",
        purpose=purpose_of(invoice),
    )


def purpose_of(invoice: Invoice) -> str:
    """НазначениеПлатежа, in Russian as the bank reads it: the invoice's number and date, the
    contract, the VAT, and the app's own number (рег. №), which the statement brings back."""
    number = invoice.vendor_invoice_no or str(invoice.number)
    text = f"Оплата по счёту № {number} от {day(invoice.issue_date)}"
    if invoice.contract_no:
        text += f" по договору № {invoice.contract_no}"
    text += f" (рег. № {invoice.number})."
    if invoice.vat_amount:
        text += f" В т.ч. НДС {plain_amount(invoice.vat_amount, invoice.currency)} руб."
    else:
        text += " Без налога (НДС)."
    return text


CSV_FIELDS = (
    ("number", _("No.")),
    ("vendor_invoice_no", _("Vendor invoice no.")),
    ("issue_date", _("Issue date")),
    ("due_date", _("Due date")),
    ("counterparty_name", _("Counterparty")),
    ("counterparty_tax_id", _("Tax id (INN)")),
    ("counterparty_kpp", _("KPP")),
    ("counterparty_bank_account", _("Account number")),
    ("counterparty_bank_bic", _("BIC")),
    ("counterparty_bank_corr_account", _("Correspondent account")),
    ("counterparty_bank_name", _("Bank")),
    ("amount", _("Amount")),
    ("currency", _("Currency")),
    ("vat_amount", _("VAT")),
    ("contract_no", _("Contract no.")),
)


def _csv_file(invoices: list[Invoice], delimiter: str, decimal_mark: str) -> bytes:
    """UTF-8 with a byte order mark (Excel reads the encoding), a heading line, a row per
    invoice; amounts with the reader's decimal mark, dates as YYYY-MM-DD."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow([str(label) for _key, label in CSV_FIELDS] + [str(_("Payment purpose"))])
    for invoice in invoices:
        cells = [_csv_cell(invoice, key, decimal_mark) for key, _label in CSV_FIELDS]
        writer.writerow([neutralised(cell) for cell in [*cells, purpose_of(invoice)]])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def _csv_cell(invoice: Invoice, key: str, decimal_mark: str) -> str:
    value = getattr(invoice, key)
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return plain_amount(value, invoice.currency).replace(".", decimal_mark)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


def _save_batch(session, actor, invoices, kind, content: bytes, now, extension) -> PaymentExport:
    currencies = {invoice.currency for invoice in invoices}
    batch = PaymentExport(
        format=str(kind),
        file_name="",
        sha256=hashlib.sha256(content).hexdigest(),
        content=content,
        invoice_count=len(invoices),
        total=sum((invoice.amount for invoice in invoices), Decimal(0)),
        currency=currencies.pop() if len(currencies) == 1 else None,
        created_by_id=actor.id,
        created_at=now,
    )
    session.add(batch)
    session.flush()
    batch.file_name = f"payment-orders-{now:%Y-%m-%d}-{batch.id}.{extension}"
    for invoice in invoices:
        session.add(
            PaymentExportItem(
                export_id=batch.id,
                invoice_id=invoice.id,
                amount=invoice.amount,
                currency=invoice.currency,
            )
        )
    try:
        session.flush()
    except IntegrityError as exc:  # another export took one of them first
        raise ConcurrentEditError(
            _("Someone exported one of these invoices just now: reload the list.")
        ) from exc
    return batch


def _audit_batch(session, actor, batch: PaymentExport, invoices: list[Invoice]) -> None:
    details = {
        "export_id": batch.id,
        "format": batch.format,
        "file_name": batch.file_name,
        "sha256": batch.sha256,
    }
    for invoice in invoices:
        audit.record(session, "exported_for_payment", actor.id, details, invoice.id)
    numbers = [invoice.number for invoice in invoices]
    summary = {**details, "invoices": numbers, "total": batch.total, "currency": batch.currency}
    audit.record(session, "payment_export_created", actor.id, summary)


@use_case
def download_export(session: Session, actor, export_id) -> PaymentExport:
    """The batch's file again (the explicit re-export), audited. Raises PermissionDeniedError,
    NotFoundError."""
    batch = get_export(session, actor, export_id)
    details = {"export_id": batch.id, "file_name": download_name(batch), "sha256": batch.sha256}
    audit.record(session, "payment_export_downloaded", actor.id, details)
    return batch


def download_name(batch: PaymentExport) -> str:
    """The file's name for a download: a cancelled batch's says so, so nobody pays from it."""
    return f"CANCELLED-{batch.file_name}" if batch.cancelled else batch.file_name


def get_export(session: Session, actor, export_id) -> PaymentExport:
    require(actor, PAY)
    pk = parse_id(export_id)
    batch = session.get(PaymentExport, pk) if pk else None
    if batch is None:
        raise NotFoundError(_("Export not found."))
    return batch


def recent_exports(session: Session, actor, limit: int = 20) -> list[PaymentExport]:
    require(actor, PAY)
    query = select(PaymentExport).order_by(PaymentExport.id.desc()).limit(limit)
    return list(session.scalars(query))
