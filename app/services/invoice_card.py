"""Everything the invoice card shows, read in a fixed number of queries."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import cached_property

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import Attachment, AuditEvent, Invoice
from app.models.audit import invoice_chain
from app.models.base import utcnow
from app.models.user import User
from app.roles import ADMIN, has_role
from app.services.card_rules import (
    CLOSING_DOCUMENT_KINDS,
    may_add_closing_documents,
    may_add_files,
    may_edit_fields,
    may_remove_file,
)
from app.services.counterparty_snapshot import changed_since_submit
from app.services.discussion import Discussion, discussion_of_invoice
from app.services.duplicates import openable_duplicate_numbers
from app.services.process_history import invoice_tasks, process_history
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
    can_add_closing_documents: bool = False
    discussion: Discussion | None = None
    # The people the history names beside its actors (approvers, assignees, the absent person a
    # deputy acted for): read with the card, so that the page issues no query while rendering.
    people: dict[int, str] | None = None

    @property
    def is_initiator(self) -> bool:
        return self.actor_id == self.invoice.initiator_id

    actor: object = None

    @property
    def closing_document_kinds(self) -> tuple[str, ...]:
        return CLOSING_DOCUMENT_KINDS if self.can_add_closing_documents else ()

    @property
    def counterparty_changed_since_submit(self) -> list[str]:
        return changed_since_submit(self.invoice)

    def can_remove(self, attachment: Attachment) -> bool:
        return may_remove_file(self.actor, attachment, self.invoice)

    def step_translations(self, step: str | None) -> dict:
        """The other languages' names of a step the history names, from the events that
        assigned it (they carry the diagram's name_<lang>)."""
        return self._step_names.get(step) or {}

    @cached_property
    def _step_names(self) -> dict:
        return {
            (event.details or {}).get("name"): (event.details or {}).get("name_translations")
            for event in self.events
            if event.action == "task_assigned"
        }

    def names(self, user_ids) -> str:
        """ "First Last, First Last" of people the history names; "—" for none."""
        if not user_ids:
            return "—"
        people = self.people or {}
        return ", ".join(people.get(i, f"#{i}") for i in user_ids)


def load_card(session: Session, actor, invoice_id, now: datetime | None = None) -> InvoiceCard:
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
    tasks = invoice_tasks(session, invoice.id)  # the history's and the discussion's
    history, open_tasks, payments = process_history(session, invoice.id, tasks)
    return InvoiceCard(
        invoice=invoice,
        attachments=[a for a in attachments if a.removed_at is None],
        removed_attachments=[a for a in attachments if a.removed_at is not None],
        events=events,
        can_edit=may_edit_fields(actor, invoice),
        can_add_files=may_add_files(actor, invoice),
        can_add_closing_documents=may_add_closing_documents(actor, invoice),
        actor_id=actor.id,
        is_admin=is_admin,
        actor=actor,
        history=history,
        open_tasks=open_tasks,
        payments=payments,
        openable_duplicates=openable_duplicate_numbers(session, actor, events),
        discussion=discussion_of_invoice(session, actor, invoice, now or utcnow(), tasks),
        people=_people_named(session, events),
    )


def _named_ids(event: AuditEvent) -> list:
    """The user ids the history shows by name for an event (see invoices/_timeline.html)."""
    details = event.details or {}
    named = [details.get("on_behalf_of")] if event.actor_id else []
    if event.action == "approvers_changed":
        named += details.get("new") or []
    elif event.action == "task_assigned":
        named.append(details.get("assignee_id"))
    elif event.action in ("reminder_sent", "escalated"):
        named += details.get("to") or []
    elif event.action == "reassigned":
        named.append(details.get("to"))
    return [i for i in named if i]


def _people_named(session: Session, events: list[AuditEvent]) -> dict[int, str]:
    ids = {i for event in events for i in _named_ids(event)}
    if not ids:
        return {}
    rows = session.execute(
        select(User.id, User.first_name, User.last_name).where(User.id.in_(sorted(ids)))
    )
    return {pk: f"{first} {last}" for pk, first, last in rows}
