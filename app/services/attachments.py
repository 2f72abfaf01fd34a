"""Adding and removing an invoice's files. Removing hides a file; its bytes and record stay."""

from __future__ import annotations

import contextlib
import hashlib
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.domain.files import FileContentError, safe_display_name, sniff
from app.errors import FileRejectedError, FileTooLargeError
from app.i18n import _
from app.models import Attachment, AttachmentKind, Invoice, NotificationKind
from app.models.base import utcnow
from app.services import audit, use_case
from app.services.card_rules import (
    check_contributor,
    check_files_may_join,
    check_may_remove_file,
)
from app.services.duplicates import record_duplicates
from app.services.notify import notify
from app.services.visibility import get_visible_invoice, get_visible_row
from app.storage import FileStorage, StorageUnavailableError


@dataclass(frozen=True)
class IncomingFile:
    filename: str
    data: bytes
    kind: str = AttachmentKind.OTHER


def check_file(incoming: IncomingFile, max_size: int) -> tuple[str, str]:
    """Return (content type, kind) or raise FileTooLargeError / FileRejectedError."""
    if len(incoming.data) > max_size:
        raise FileTooLargeError(
            _(
                "%(name)s is larger than the %(mb)s MB limit.",
                name=safe_display_name(incoming.filename),
                mb=max_size // (1024 * 1024),
            )
        )
    kind = incoming.kind or AttachmentKind.OTHER
    if kind not in set(AttachmentKind):
        raise FileRejectedError(_("Unknown file kind: %(k)s.", k=str(kind)[:20]), field="kind")
    try:
        sniffed = sniff(incoming.data)
    except FileContentError as exc:
        name = safe_display_name(incoming.filename)
        raise FileRejectedError(_("%(name)s: %(why)s", name=name, why=exc.args[0])) from exc
    return sniffed.content_type, kind


def store_files(
    session: Session,
    actor,
    invoice: Invoice,
    files: list[IncomingFile],
    storage: FileStorage,
    max_size: int,
) -> list[Attachment]:
    """Check every file first, then store them all: one bad file stores none. A closed
    invoice takes closing documents only (card_rules); each is audited as one."""
    checked = [(f, *check_file(f, max_size)) for f in files]
    check_files_may_join(actor, invoice, [kind for _f, _type, kind in checked])
    action = "closing_document_added" if invoice.is_closed else "file_added"
    keys = _store_bytes(storage, [incoming.data for incoming, _type, _kind in checked])
    stored = []
    for (incoming, content_type, kind), key in zip(checked, keys, strict=True):
        attachment = Attachment(
            invoice_id=invoice.id,
            kind=kind,
            filename=safe_display_name(incoming.filename),
            size=len(incoming.data),
            content_type=content_type,
            sha256=hashlib.sha256(incoming.data).hexdigest(),
            storage_key=key,
            uploaded_by_id=actor.id,
            uploaded_at=utcnow(),
        )
        session.add(attachment)
        session.flush()
        audit.record(session, action, actor.id, _file_details(attachment), invoice.id)
        stored.append(attachment)
    return stored


def _store_bytes(storage: FileStorage, contents: list[bytes]) -> list[str]:
    """Every file's bytes stored before any is recorded; when the storage fails midway, the
    ones stored are removed (best effort) and StorageUnavailableError rises: nothing attached."""
    keys: list[str] = []
    try:
        for data in contents:
            keys.append(storage.save(data))
    except StorageUnavailableError:
        for key in keys:
            with contextlib.suppress(StorageUnavailableError):
                storage.delete(key)
        raise
    return keys


@use_case
def add_attachments(
    session: Session,
    actor,
    invoice_id: int,
    files: list[IncomingFile],
    storage: FileStorage,
    max_size: int,
) -> AddedFiles:
    """Add files to an invoice the actor takes part in, with a warning (audited) for a file
    already attached elsewhere; on a closed invoice, closing documents only, told to the
    initiator. Raises NotFound, PermissionDenied, InvoiceClosed, FileTooLarge, FileRejected."""
    invoice = get_visible_invoice(session, actor, invoice_id)
    check_contributor(actor)
    if not files:
        raise FileRejectedError(_("Choose a file to upload."))
    stored = store_files(session, actor, invoice, files, storage, max_size)
    if invoice.is_closed:
        _tell_initiator_of_closing_documents(session, actor, invoice, stored)
    warnings = record_duplicates(session, actor, invoice, [a.sha256 for a in stored], card=False)
    return AddedFiles(stored, warnings)


def _tell_initiator_of_closing_documents(session, actor, invoice, stored) -> None:
    notify(
        session,
        NotificationKind.CLOSING_DOCUMENT,
        {invoice.initiator_id} - {actor.id},
        event=f"closing_document:{stored[0].id}",
        invoice_id=invoice.id,
        params={"by": actor.id, "text": ", ".join(a.filename for a in stored)},
    )


@dataclass(frozen=True)
class AddedFiles:
    files: list[Attachment]
    warnings: list = field(default_factory=list)


@use_case
def remove_attachment(session: Session, actor, attachment_id: int) -> Attachment:
    """Hide a file. Its uploader, the initiator or an admin may; the bytes stay for the audit.
    Raises NotFoundError, PermissionDeniedError, InvoiceClosedError."""
    attachment = get_visible_attachment(session, actor, attachment_id)
    invoice = session.get(Invoice, attachment.invoice_id)
    check_may_remove_file(actor, attachment, invoice)
    if attachment.removed_at is None:
        attachment.removed_at = utcnow()
        attachment.removed_by_id = actor.id
        audit.record(session, "file_removed", actor.id, _file_details(attachment), invoice.id)
    return attachment


def get_visible_attachment(session: Session, actor, attachment_id: object) -> Attachment:
    """The attachment if the actor may see its invoice; NotFoundError otherwise."""
    return get_visible_row(session, actor, Attachment, attachment_id, _("File not found."))


def active_attachments(session: Session, invoice_id: int) -> list[Attachment]:
    return list(
        session.scalars(
            select(Attachment)
            .where(Attachment.invoice_id == invoice_id, Attachment.removed_at.is_(None))
            .order_by(Attachment.uploaded_at, Attachment.id)
        )
    )


def _file_details(attachment: Attachment) -> dict:
    return {
        "attachment_id": attachment.id,
        "filename": attachment.filename,
        "kind": attachment.kind,
        "size": attachment.size,
        "sha256": attachment.sha256,
    }
