"""Who may change an invoice card now: its fields, its files, its closing documents.

The one place for these rules: services enforce them, the card asks them what to offer.
Fields change only in draft and during a correction, by the initiator or an admin. A paid,
rejected or cancelled invoice is closed: nobody edits it or removes its files, and the only
files it still takes are closing documents (an act, a payment order) that a finance director
adds, each audited.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy.orm import Session

from app.domain.labels import status_label
from app.errors import InvoiceNotEditableError, PermissionDeniedError
from app.i18n import _
from app.models import Attachment, AttachmentKind, Invoice
from app.permissions import ADD_FILES, allows, require
from app.roles import ADMIN, FINANCE_DIRECTOR, has_role
from app.services.visibility import get_visible_invoice

CLOSING_DOCUMENT_KINDS = (AttachmentKind.ACT, AttachmentKind.PAYMENT_ORDER)
# Closing documents are the finance director's: an admin is not one by that role alone.
CLOSING_DOCUMENT_ROLES = frozenset({FINANCE_DIRECTOR})


class InvoiceClosedError(InvoiceNotEditableError):
    """The invoice is paid, rejected or cancelled: the change is refused for everyone (409)."""


def may_edit_fields(actor, invoice: Invoice) -> bool:
    return invoice.is_editable and (actor.id == invoice.initiator_id or has_role(actor, ADMIN))


def check_may_edit_fields(actor, invoice: Invoice) -> None:
    """Raise InvoiceClosedError, PermissionDeniedError or InvoiceNotEditableError."""
    if invoice.is_closed:
        raise InvoiceClosedError(_closed_message(invoice))
    if actor.id != invoice.initiator_id and not has_role(actor, ADMIN):
        raise PermissionDeniedError(_("Only the invoice's initiator may edit it."))
    if not invoice.is_editable:
        raise InvoiceNotEditableError(
            _(
                "Invoice #%(n)s is %(s)s and can no longer be edited.",
                n=invoice.number,
                s=status_label(invoice.status),
            )
        )


def check_card_not_closed(session: Session, actor, invoice_id) -> Invoice:
    """The invoice if it is not closed. Raises NotFoundError, InvoiceClosedError."""
    invoice = get_visible_invoice(session, actor, invoice_id)
    if invoice.is_closed:
        raise InvoiceClosedError(_closed_message(invoice))
    return invoice


def may_add_files(actor, invoice: Invoice) -> bool:
    """Files of any kind: a contributor, on an invoice that is not closed."""
    return allows(actor, ADD_FILES) and not invoice.is_closed


def may_add_closing_documents(actor, invoice: Invoice) -> bool:
    """What the card offers a finance director once the invoice is closed."""
    return invoice.is_closed and has_role(actor, *CLOSING_DOCUMENT_ROLES)


def files_may_join(actor, invoice: Invoice, kinds: Iterable[str]) -> bool:
    """Whether files of these kinds may join the card now, whatever the way they come."""
    kinds = list(kinds)
    if not invoice.is_closed or not kinds:
        return True
    return _all_closing_documents(kinds) and has_role(actor, *CLOSING_DOCUMENT_ROLES)


def check_files_may_join(actor, invoice: Invoice, kinds: Iterable[str]) -> None:
    """Raise InvoiceClosedError for a file that is no closing document on a closed invoice,
    PermissionDeniedError for a closing document from someone not a finance director."""
    kinds = list(kinds)
    if files_may_join(actor, invoice, kinds):
        return
    if not _all_closing_documents(kinds):
        raise InvoiceClosedError(
            _(
                "Invoice #%(n)s is %(s)s and closed: files can no longer be added to it, "
                "except closing documents (an act, a payment order) by a finance director.",
                n=invoice.number,
                s=status_label(invoice.status),
            )
        )
    raise PermissionDeniedError(
        _("Only a finance director may add closing documents to a closed invoice.")
    )


def may_contribute(actor) -> bool:
    return allows(actor, ADD_FILES)


def check_contributor(actor) -> None:
    """Adding files to a card at all, whatever the way (its files, the API, a discussion
    message): raise PermissionDeniedError for a reader only.

    Not asked of the files typed with the card itself when it is created or edited: those are
    the card's content, written under the card's own edit right (its initiator or an admin,
    in draft or correction only), as its amount is; refusing them would leave an initiator
    unable to send the invoice they create. The permission governs files a participant adds
    to a card at any stage."""
    require(actor, ADD_FILES)


def may_remove_file(actor, attachment: Attachment, invoice: Invoice) -> bool:
    """Uploader or initiator while the card is editable; admins until the invoice is closed;
    payment orders never."""
    if attachment.kind == AttachmentKind.PAYMENT_ORDER or invoice.is_closed:
        return False
    if has_role(actor, ADMIN):
        return True
    return invoice.is_editable and actor.id in (attachment.uploaded_by_id, invoice.initiator_id)


def check_may_remove_file(actor, attachment: Attachment, invoice: Invoice) -> None:
    """Raise InvoiceClosedError on a closed invoice, PermissionDeniedError otherwise."""
    if invoice.is_closed:
        raise InvoiceClosedError(_closed_message(invoice))
    if not may_remove_file(actor, attachment, invoice):
        raise PermissionDeniedError(
            _(
                "Only the uploader, the initiator or an admin may remove a file, and payment "
                "orders and the files of a submitted invoice stay for the audit."
            )
        )


def _all_closing_documents(kinds: Iterable[str]) -> bool:
    return all(kind in CLOSING_DOCUMENT_KINDS for kind in kinds)


def _closed_message(invoice: Invoice) -> str:
    return _(
        "Invoice #%(n)s is %(s)s and closed: its card and files can no longer be changed.",
        n=invoice.number,
        s=status_label(invoice.status),
    )
