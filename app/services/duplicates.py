"""Possible duplicates: a warning, never a block, and always in the audit trail.

The audit keeps which invoice matched (auditors see every invoice); a user is told the number
and the file name only of invoices they may open, and of the others only that one exists."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from app.i18n import _
from app.models import Attachment, Invoice
from app.services import audit
from app.services.visibility import visible_invoices_clause


@dataclass(frozen=True)
class DuplicateWarning:
    reason: str  # "vendor_invoice_no" or "file"
    other_invoice_id: int | None  # None: the viewer may not open the other invoice
    other_invoice_number: int | None
    detail: str  # the vendor invoice number, or the file's name on the invoice shown

    @property
    def can_open(self) -> bool:
        return self.other_invoice_id is not None


@dataclass(frozen=True)
class _Match:
    warning: DuplicateWarning
    own_detail: str  # the same fact told from the viewer's own card


def find_duplicates(
    session: Session, invoice: Invoice, file_hashes: list[str], card: bool = True
) -> list[_Match]:
    """Other invoices with the same vendor number from the same counterparty (`card`), or
    with one of these files."""
    matches = []
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
        no = invoice.vendor_invoice_no
        matches += [
            _Match(DuplicateWarning("vendor_invoice_no", pk, number, no), no)
            for pk, number in same_number
        ]
    if file_hashes:
        matches += _same_files(session, invoice, file_hashes)
    return matches


def _same_files(session: Session, invoice: Invoice, file_hashes: list[str]) -> list[_Match]:
    own = aliased(Attachment, name="own_file")
    same_file = session.execute(
        select(Invoice.id, Invoice.number, Attachment.filename, own.filename)
        .join(Attachment, Attachment.invoice_id == Invoice.id)
        .join(own, own.sha256 == Attachment.sha256)
        .where(
            own.invoice_id == invoice.id,
            own.sha256.in_(file_hashes),
            own.removed_at.is_(None),
            Attachment.removed_at.is_(None),
            Invoice.id != invoice.id,
        )
        .limit(5)
    )
    return [
        _Match(DuplicateWarning("file", pk, number, name), own_name)
        for pk, number, name, own_name in same_file
    ]


def openable_invoice_ids(session: Session, viewer, invoice_ids) -> set[int]:
    """Which of these invoices the viewer may open (the visibility rule, in one query)."""
    ids = {pk for pk in invoice_ids if pk is not None}
    clause = visible_invoices_clause(viewer)
    if not ids or clause is None:
        return ids
    return set(session.scalars(select(Invoice.id).where(Invoice.id.in_(ids), clause)))


def as_seen_by(session: Session, viewer, matches: list[_Match]) -> list[DuplicateWarning]:
    """The warnings a viewer is told: invoices they may not open become one anonymous
    warning per fact, without that invoice's number or file name."""
    openable = openable_invoice_ids(session, viewer, [m.warning.other_invoice_id for m in matches])
    told = []
    for match in matches:
        if match.warning.other_invoice_id in openable:
            warning = match.warning
        else:
            warning = DuplicateWarning(match.warning.reason, None, None, match.own_detail)
        if warning not in told:
            told.append(warning)
    return told


def openable_duplicate_numbers(session: Session, viewer, events) -> set[int]:
    """Numbers of the invoices named by these `duplicate_warning` audit events that the viewer
    may open: the card's history names only those."""
    numbers = {
        w.get("other_invoice")
        for e in events
        if e.action == "duplicate_warning"
        for w in (e.details or {}).get("warnings", [])
    } - {None}
    clause = visible_invoices_clause(viewer)
    if not numbers or clause is None:
        return numbers
    return set(session.scalars(select(Invoice.number).where(Invoice.number.in_(numbers), clause)))


def warning_text(warning: DuplicateWarning):
    """What the user is told; for an invoice they may open, its number follows."""
    if warning.reason == "file":
        if warning.can_open:
            return _(
                "Possible duplicate: the file %(name)s is also attached to invoice",
                name=warning.detail,
            )
        return _(
            "Possible duplicate: the file %(name)s is also attached to another invoice,"
            " which you cannot open.",
            name=warning.detail,
        )
    if warning.can_open:
        return _(
            "Possible duplicate: invoice %(no)s from this counterparty is also recorded as",
            no=warning.detail,
        )
    return _(
        "Possible duplicate: invoice %(no)s from this counterparty is also recorded on another"
        " invoice, which you cannot open.",
        no=warning.detail,
    )


def record_duplicates(
    session: Session, actor, invoice: Invoice, file_hashes: list[str], card: bool = True
) -> list[DuplicateWarning]:
    """Audit every match; answer with the warnings the actor may be told."""
    matches = find_duplicates(session, invoice, file_hashes, card)
    if matches:
        details = {
            "warnings": [
                {
                    "reason": m.warning.reason,
                    "other_invoice_id": m.warning.other_invoice_id,
                    "other_invoice": m.warning.other_invoice_number,
                    "detail": m.warning.detail,
                }
                for m in matches
            ]
        }
        audit.record(session, "duplicate_warning", actor.id, details, invoice.id)
    return as_seen_by(session, actor, matches)
