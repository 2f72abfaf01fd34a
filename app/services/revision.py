"""The revision of an invoice: a digest of its card fields and files, as an approver saw them."""

from __future__ import annotations

import hashlib
import json

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import Attachment, Invoice
from app.services.invoice_input import CARD_FIELDS


def invoice_revision(session: Session, invoice: Invoice) -> str:
    files = sorted(
        session.scalars(
            select(Attachment.sha256).where(
                Attachment.invoice_id == invoice.id, Attachment.removed_at.is_(None)
            )
        )
    )
    approvers = [a.user_id for a in invoice.approvers]
    card = {name: str(getattr(invoice, name)) for name in CARD_FIELDS}
    body = json.dumps({"card": card, "approvers": approvers, "files": files}, sort_keys=True)
    return hashlib.sha256(body.encode()).hexdigest()
