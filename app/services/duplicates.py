"""Possible duplicates: a warning, never a block, and always in the audit trail."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import Attachment, Invoice
from app.services import audit


@dataclass(frozen=True)
class DuplicateWarning:
    reason: str  # "vendor_invoice_no" or "file"
    other_invoice_id: int
    other_invoice_number: int
    detail: str


def find_duplicates(
    session: Session, invoice: Invoice, file_hashes: list[str], card: bool = True
) -> list:
    """Other invoices with the same vendor number from the same counterparty (`card`), or
    with one of these files."""
    warnings = []
    if card and invoice.vendor_invoice_no:
        same_number = session.execute(
            select(Invoice.id, Invoice.number)
            .where(
                Invoice.counterparty_id == invoice.counterparty_id,
                Invoice.vendor_invoice_no == invoice.vendor_invoice_no,
                Invoice.id != invoice.id,
            )
            .limit(5)
        )
        warnings += [
            DuplicateWarning("vendor_invoice_no", pk, number, invoice.vendor_invoice_no)
            for pk, number in same_number
        ]
    if file_hashes:
        same_file = session.execute(
            select(Invoice.id, Invoice.number, Attachment.filename)
            .join(Attachment, Attachment.invoice_id == Invoice.id)
            .where(
                Attachment.sha256.in_(file_hashes),
                Attachment.removed_at.is_(None),
                Invoice.id != invoice.id,
            )
            .limit(5)
        )
        warnings += [DuplicateWarning("file", pk, number, name) for pk, number, name in same_file]
    return warnings


def record_duplicates(
    session: Session, actor, invoice: Invoice, file_hashes: list[str], card: bool = True
) -> list:
    warnings = find_duplicates(session, invoice, file_hashes, card)
    if warnings:
        details = {
            "warnings": [
                {"reason": w.reason, "other_invoice": w.other_invoice_number, "detail": w.detail}
                for w in warnings
            ]
        }
        audit.record(session, "duplicate_warning", actor.id, details, invoice.id)
    return warnings
