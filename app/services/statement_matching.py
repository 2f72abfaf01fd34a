"""Which invoice a line of the bank's statement pays (a helper of bank_statement.py).

A line pays an invoice when the money left our account (payer: our account or INN), the
recipient's INN is the invoice's counterparty's, the amount is the invoice's, and the payment's
purpose names the invoice: by the app's number as the export writes it (рег. № 49, or #49) or by
the vendor's invoice number after "№". Only invoices awaiting payment are candidates; one line
proposes one invoice, and an invoice is proposed by one open line at a time.
"""

from __future__ import annotations

import re

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.domain.client_bank_format import (
    ClientBankFormatError,
    Payer,
    read_amount,
    read_day,
)
from app.i18n import _
from app.models import BankStatementLine, Invoice, InvoiceStatus, LineStatus

# Why a line is unmatched: the code stored on the line, and what the screen says.
REASONS = {
    "incoming": _("Money received, not paid: no invoice here to pay."),
    "no_invoice": _("No invoice awaiting payment has this recipient's INN and this amount."),
    "not_named": _(
        "Invoices awaiting payment have this INN and amount, but the purpose names none of them."
    ),
    "ambiguous": _("The purpose names more than one invoice with this INN and amount."),
    "already_proposed": _("Another statement line already proposes this invoice."),
    "already_paid": _("The invoice was paid before this line was confirmed."),
}


def reason_text(code: str | None) -> str:
    return str(REASONS.get(code or "", code or ""))


def line_from_document(position: int, document: dict) -> BankStatementLine:
    """The statement's document as a line. Raises ClientBankFormatError naming its line."""
    try:
        amount = read_amount(document.get("Сумма"))
        document_date = read_day(document.get("Дата"))
        debited_on = read_day(document.get("ДатаСписано"))
        credited_on = read_day(document.get("ДатаПоступило"))
    except ClientBankFormatError as exc:
        raise ClientBankFormatError(
            _("The document starting on line %(n)s: %(problem)s",
              n=document.get("_line"), problem=exc)
        ) from exc  # fmt: skip
    return BankStatementLine(
        position=position,
        document_number=_short(document.get("Номер"), 32),
        document_date=document_date,
        amount=amount,
        debited_on=debited_on,
        credited_on=credited_on,
        payer_inn=_short(document.get("ПлательщикИНН"), 12),
        payer_account=_short(
            document.get("ПлательщикСчет") or document.get("ПлательщикРасчСчет"), 34
        ),
        payer_name=_short(document.get("Плательщик1") or document.get("Плательщик"), 255),
        recipient_inn=_short(document.get("ПолучательИНН"), 12),
        recipient_account=_short(
            document.get("ПолучательСчет") or document.get("ПолучательРасчСчет"), 34
        ),
        recipient_name=_short(document.get("Получатель1") or document.get("Получатель"), 255),
        purpose=(document.get("НазначениеПлатежа") or "")[:2000],
        fields={k: v for k, v in document.items() if k != "_line"},
    )


def _short(value: str | None, limit: int) -> str | None:
    return (value or "").strip()[:limit] or None


def match_line(session: Session, line: BankStatementLine, payer: Payer, taken: set[int]) -> None:
    """Set the line's status (proposed or unmatched), invoice and reason. `taken`: invoices
    proposed by lines of this statement so far (it grows)."""
    line.status, line.invoice_id, line.reason = LineStatus.UNMATCHED, None, None
    if not _paid_by_us(line, payer):
        line.reason = "incoming"
        return
    candidates = list(
        session.scalars(
            select(Invoice).where(
                Invoice.status == InvoiceStatus.AWAITING_PAYMENT,
                Invoice.counterparty_tax_id == (line.recipient_inn or ""),
                Invoice.amount == line.amount,
            )
        )
    )
    if not candidates:
        line.reason = "no_invoice"
        return
    named = [invoice for invoice in candidates if names_invoice(line.purpose or "", invoice)]
    if not named:
        line.reason = "not_named"
    elif len(named) > 1:
        line.reason = "ambiguous"
    elif named[0].id in taken or open_proposal(session, named[0].id) is not None:
        line.reason = "already_proposed"
    else:
        line.status, line.invoice_id = LineStatus.PROPOSED, named[0].id
        taken.add(named[0].id)


def _paid_by_us(line: BankStatementLine, payer: Payer) -> bool:
    """The payer is our company: the money left our account."""
    by_account = bool(payer.account) and line.payer_account == payer.account
    by_inn = bool(payer.inn) and line.payer_inn == payer.inn
    return by_account or by_inn


def names_invoice(purpose: str, invoice: Invoice) -> bool:
    """The purpose names the invoice: `рег. № 49` / `#49`, or `№ <vendor number>`."""
    text = " ".join(purpose.split())
    own = rf"(?:рег\.?\s*№\s*|#){invoice.number}(?!\d)"
    if re.search(own, text, re.IGNORECASE):
        return True
    vendor = (invoice.vendor_invoice_no or "").strip()
    if not vendor:
        return False
    pattern = rf"(?:№|N|No\.?)\s*{re.escape(vendor)}(?![\w/-])"
    return re.search(pattern, text, re.IGNORECASE) is not None


def open_proposal(session: Session, invoice_id: int) -> BankStatementLine | None:
    return session.scalars(
        select(BankStatementLine).where(
            BankStatementLine.invoice_id == invoice_id,
            BankStatementLine.status == LineStatus.PROPOSED,
        )
    ).first()
