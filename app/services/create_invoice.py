"""Creating an invoice card (status draft)."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from app.errors import PermissionDeniedError, ValidationError
from app.i18n import _
from app.models import Invoice, InvoiceStatus
from app.roles import ADMIN, INITIATOR, has_role
from app.services import audit, use_case
from app.services.approvers import replace_approvers
from app.services.attachments import IncomingFile, check_file, store_files
from app.services.counterparty_snapshot import take_snapshot
from app.services.duplicates import record_duplicates
from app.services.invoice_input import CARD_FIELDS, InvoicePolicy, clean_invoice_input
from app.storage import FileStorage


@dataclass
class SavedInvoice:
    invoice: Invoice
    warnings: list = field(default_factory=list)


@use_case
def create_invoice(
    session: Session,
    actor,
    data: dict,
    policy: InvoicePolicy,
    files: list[IncomingFile] = (),
    storage: FileStorage | None = None,
    max_file_size: int = 0,
) -> SavedInvoice:
    """Create a draft card with its approvers and files. Raises ValidationError,
    PermissionDeniedError, FileTooLargeError."""
    if not has_role(actor, INITIATOR, ADMIN):
        raise PermissionDeniedError(_("Only initiators create invoices."))
    clean, errors = clean_invoice_input(session, {"approvers": [], **data}, policy, actor.id)
    for incoming in files:
        collect_file_error(incoming, max_file_size, errors)
    if errors:
        raise ValidationError(errors)
    invoice = Invoice(**clean.values, status=InvoiceStatus.DRAFT, initiator_id=actor.id)
    take_snapshot(session, invoice)
    session.add(invoice)
    session.flush()
    invoice.number = invoice.id
    session.flush()
    audit.record(session, "created", actor.id, card_snapshot(invoice), invoice.id)
    replace_approvers(session, actor, invoice, clean.approver_ids or [])
    stored = store_files(session, actor, invoice, list(files), storage, max_file_size)
    warnings = record_duplicates(session, actor, invoice, [a.sha256 for a in stored])
    return SavedInvoice(invoice, warnings)


def collect_file_error(incoming: IncomingFile, max_size: int, errors: dict) -> None:
    try:
        check_file(incoming, max_size)
    except ValidationError as exc:
        for name, messages in exc.errors.items():
            errors.setdefault("files" if name == "file" else name, []).extend(messages)


def card_snapshot(invoice: Invoice) -> dict:
    return {name: getattr(invoice, name) for name in CARD_FIELDS}
