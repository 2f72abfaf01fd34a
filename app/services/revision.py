"""The revision of an invoice: a digest of its card fields and files, as an approver saw them."""

from __future__ import annotations

import hashlib
import json

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.models import Attachment, Invoice
from app.services.invoice_input import CARD_FIELDS

_SEPARATOR = " "  # never in a hex digest


def file_digests_column(invoice_id):
    """The digests of the invoice's files (not removed) as one scalar subquery on the SQL
    expression `invoice_id`, for a caller's own query; read it with digests_of()."""
    return (
        select(func.aggregate_strings(Attachment.sha256, _SEPARATOR))
        .where(Attachment.invoice_id == invoice_id, Attachment.removed_at.is_(None))
        .scalar_subquery()
        .label("file_digests")
    )


def digests_of(column_value: str | None) -> list[str]:
    return column_value.split(_SEPARATOR) if column_value else []


def invoice_revision(session: Session, invoice: Invoice, digests: list[str] | None = None) -> str:
    """`digests`: the files' digests when the caller read them already (file_digests_column)."""
    if digests is None:
        digests = session.scalars(
            select(Attachment.sha256).where(
                Attachment.invoice_id == invoice.id, Attachment.removed_at.is_(None)
            )
        )
    files = sorted(digests)
    approvers = [a.user_id for a in invoice.approvers]
    card = {name: str(getattr(invoice, name)) for name in CARD_FIELDS}
    body = json.dumps({"card": card, "approvers": approvers, "files": files}, sort_keys=True)
    return hashlib.sha256(body.encode()).hexdigest()
