"""Everything the invoice card shows, read in a fixed number of queries."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import Attachment, AuditEvent, Invoice
from app.models.audit import invoice_chain
from app.roles import ADMIN, CONTRIBUTOR_ROLES, has_role
from app.services.attachments import may_remove
from app.services.duplicates import openable_duplicate_numbers
from app.services.process_history import process_history
from app.services.visibility import get_visible_invoice


@dataclass
class InvoiceCard:
    invoice: Invoice
    attachments: list[Attachment]
    removed_attachments: list[Attachment]
    events: list[AuditEvent]
    can_edit: bool
    can_add_files: bool
    actor_id: int
    is_admin: bool
    history: list = None
    open_tasks: list = None
    payments: list = None
    openable_duplicates: set = None  # invoice numbers the history may name

    @property
    def is_initiator(self) -> bool:
        return self.actor_id == self.invoice.initiator_id

    actor: object = None

    def can_remove(self, attachment: Attachment) -> bool:
        return may_remove(self.actor, attachment, self.invoice)


def load_card(session: Session, actor, invoice_id) -> InvoiceCard:
    """Raises NotFoundError when the invoice does not exist or the actor may not see it."""
    invoice = get_visible_invoice(session, actor, invoice_id)
    attachments = list(
        session.scalars(
            select(Attachment)
            .where(Attachment.invoice_id == invoice.id)
            .order_by(Attachment.uploaded_at, Attachment.id)
        ).unique()
    )
    events = list(
        session.scalars(
            select(AuditEvent)
            .where(AuditEvent.chain == invoice_chain(invoice.id))
            .order_by(AuditEvent.sequence)
        ).unique()
    )
    is_admin = has_role(actor, ADMIN)
    history, open_tasks, payments = process_history(session, invoice.id)
    return InvoiceCard(
        invoice=invoice,
        attachments=[a for a in attachments if a.removed_at is None],
        removed_attachments=[a for a in attachments if a.removed_at is not None],
        events=events,
        can_edit=invoice.is_editable and (actor.id == invoice.initiator_id or is_admin),
        can_add_files=has_role(actor, *CONTRIBUTOR_ROLES),
        actor_id=actor.id,
        is_admin=is_admin,
        actor=actor,
        history=history,
        open_tasks=open_tasks,
        payments=payments,
        openable_duplicates=openable_duplicate_numbers(session, actor, events),
    )
