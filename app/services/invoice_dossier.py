"""The invoice dossier: everything an auditor asks about one invoice, as one PDF file (the card,
every round's decisions, the payment, the files with their SHA-256, the discussion, and the head
of the invoice's audit chain with how to check it). The layout is app/services/dossier_pdf.py."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import AuditEvent
from app.models.audit import invoice_chain
from app.models.discussion import DiscussionMessage
from app.services.audit import GENESIS, event_hash
from app.services.invoice_card import InvoiceCard, load_card
from app.services.invoice_export import Reader

if (
    TYPE_CHECKING
):  # the PDF library weighs ~29 MiB: loaded by the first dossier, not by every worker
    from app.services.dossier_pdf import Wording


@dataclass(frozen=True)
class ChainHead:
    """The invoice's audit chain as the dossier found it: `flask audit verify` prints the same
    chain, length and head on its line for the chain."""

    chain: str
    length: int
    head: str
    broken_at: int | None = None  # the first event whose link or content does not match


@dataclass
class Dossier:
    card: InvoiceCard
    messages: list[DiscussionMessage]
    chain: ChainHead
    made_at: datetime
    made_by: object


def dossier_file_name(number: int) -> str:
    return f"invoice-{number}-dossier.pdf"


def invoice_dossier(
    session: Session, actor, invoice_id, reader: Reader, wording: Wording, now: datetime
) -> tuple[str, bytes]:
    """(file name, PDF bytes) of the invoice's dossier in the reader's language and time zone.
    Raises NotFoundError when the invoice does not exist or the actor may not see it."""
    from app.services.dossier_pdf import render_dossier  # see TYPE_CHECKING above

    dossier = load_dossier(session, actor, invoice_id, now)
    return dossier_file_name(dossier.card.invoice.number), render_dossier(dossier, reader, wording)


def load_dossier(session: Session, actor, invoice_id, now: datetime) -> Dossier:
    """Raises NotFoundError as the card does (the same visibility rule)."""
    card = load_card(session, actor, invoice_id)
    messages = list(
        session.scalars(
            select(DiscussionMessage)
            .where(DiscussionMessage.invoice_id == card.invoice.id)
            .order_by(DiscussionMessage.created_at, DiscussionMessage.id)
        ).unique()
    )
    return Dossier(card, messages, chain_head(card.invoice.id, card.events), now, actor)


def chain_head(invoice_id: int, events: list[AuditEvent]) -> ChainHead:
    """Walk the invoice's chain (its events in sequence order) as `flask audit verify` does."""
    head, broken_at = GENESIS, None
    for position, event in enumerate(events, start=1):
        intact = (
            event.sequence == position
            and event.prev_hash == head
            and event.hash == event_hash(event)
        )
        if not intact:
            broken_at = event.sequence
            break
        head = event.hash
    return ChainHead(invoice_chain(invoice_id), len(events), head, broken_at)
