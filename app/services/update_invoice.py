"""Editing an invoice card: only its initiator (or an admin), only in draft or correction
(app/services/card_rules.py); never once the invoice is closed."""

from __future__ import annotations

from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from app.domain.ids import parse_id
from app.errors import ConcurrentEditError, ValidationError
from app.i18n import _
from app.models.base import utcnow
from app.services import audit, use_case
from app.services.approvers import replace_approvers
from app.services.attachments import IncomingFile, store_files
from app.services.card_rules import check_may_edit_fields
from app.services.counterparty_snapshot import take_snapshot
from app.services.create_invoice import SavedInvoice, card_snapshot, collect_file_error
from app.services.duplicates import record_duplicates
from app.services.invoice_input import InvoicePolicy, clean_invoice_input
from app.services.visibility import get_visible_invoice
from app.storage import FileStorage


@use_case
def update_invoice(
    session: Session,
    actor,
    invoice_id: int,
    data: dict,
    policy: InvoicePolicy,
    expected_lock_version: int | None = None,
    files: list[IncomingFile] = (),
    storage: FileStorage | None = None,
    max_file_size: int = 0,
) -> SavedInvoice:
    """Save a new version of the card. Raises NotFoundError, InvoiceClosedError,
    PermissionDeniedError, InvoiceNotEditableError, ConcurrentEditError, ValidationError,
    FileTooLargeError."""
    invoice = get_visible_invoice(session, actor, invoice_id)
    check_may_edit_fields(actor, invoice)
    if (
        expected_lock_version is not None
        and _version(expected_lock_version) != invoice.lock_version
    ):
        raise ConcurrentEditError(_("Someone else saved this invoice after you opened it."))
    merged = {**card_snapshot(invoice), **data}
    clean, errors = clean_invoice_input(session, merged, policy, invoice.initiator_id)
    for incoming in files:
        collect_file_error(incoming, max_file_size, errors)
    if errors:
        raise ValidationError(errors)
    before = card_snapshot(invoice)
    for name, value in clean.values.items():
        setattr(invoice, name, value)
    take_snapshot(session, invoice)
    invoice.updated_at = utcnow()  # every save bumps lock_version, approvers-only ones too
    try:
        session.flush()
    except StaleDataError as exc:
        raise ConcurrentEditError(_("Someone else saved this invoice at the same time.")) from exc
    changes = _diff(before, card_snapshot(invoice))
    if changes:
        audit.record(session, "edited", actor.id, {"changes": changes}, invoice.id)
    if clean.approver_ids is not None:
        replace_approvers(session, actor, invoice, clean.approver_ids)
    stored = store_files(session, actor, invoice, list(files), storage, max_file_size)
    hashes = [a.sha256 for a in stored]
    warnings = record_duplicates(session, actor, invoice, hashes) if changes or hashes else []
    return SavedInvoice(invoice, warnings)


def _diff(before: dict, after: dict) -> dict:
    return {
        name: {"old": _plain(before[name]), "new": _plain(after[name])}
        for name in before
        if _plain(before[name]) != _plain(after[name])
    }


def _plain(value) -> str | None:
    return None if value is None else str(value)


def _version(raw) -> int:
    """The lock_version the client saw; anything but a whole number is a bad request."""
    number = parse_id(raw)
    if number is None:
        raise ValidationError({"lock_version": [_("Send the lock_version you read.")]})
    return number
