"""The invoice's approval data: up to three approvers, in order."""

from __future__ import annotations

from sqlalchemy.orm import Session

from app.models import Invoice, InvoiceApprover
from app.services import audit


def replace_approvers(session: Session, actor, invoice: Invoice, user_ids: list[int]) -> None:
    """Set the chain to `user_ids` (already checked); audit the change if there is one."""
    old = [a.user_id for a in invoice.approvers]
    if old == user_ids:
        return
    invoice.approvers.clear()
    session.flush()  # positions are unique per invoice: free them before reusing
    for position, user_id in enumerate(user_ids, start=1):
        invoice.approvers.append(InvoiceApprover(position=position, user_id=user_id))
    session.flush()
    audit.record(session, "approvers_changed", actor.id, {"old": old, "new": user_ids}, invoice.id)
