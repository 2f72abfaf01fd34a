"""The invoice's approval data: up to three approvers, in order."""

from __future__ import annotations

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from app.domain.search import like_escaped
from app.models import Invoice, InvoiceApprover
from app.models.user import User, holds_role
from app.roles import APPROVER
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


def search_approvers(session: Session, text: str, limit: int, offset: int = 0) -> list:
    """Active holders of the Approver role whose name or user name contains `text`."""
    query = (
        select(User)
        .where(User.active.is_(True), holds_role(APPROVER))
        .order_by(User.last_name, User.first_name, User.id)
    )
    text = (text or "").strip()[:100]
    if text:
        pattern = f"%{like_escaped(text)}%"
        query = query.where(
            or_(
                *(
                    column.ilike(pattern, escape="\\")
                    for column in (User.first_name, User.last_name, User.username)
                )
            )
        )
    return list(session.scalars(query.limit(limit).offset(offset)))
