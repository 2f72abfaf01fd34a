"""What an invoice says about its counterparty: name, country, tax id and bank details.

The invoice keeps its own copy. Submit and resubmit take it afresh from the counterparty; while
the card is editable (a draft, or during a correction) the copy follows every change of the
counterparty, so what the card shows is what the next submit sends. Once submitted, a change of
the counterparty leaves the copy alone: approvers decide on it, the finance director pays to its
account, and a paid invoice keeps the bank details it was paid with.
"""

from __future__ import annotations

from sqlalchemy import update
from sqlalchemy.orm import Session

from app.models import Counterparty, Invoice
from app.models.invoice import EDITABLE_STATUSES

# Counterparty field -> the invoice column holding its copy.
SNAPSHOT_COLUMNS = {
    "name": "counterparty_name",
    "country": "counterparty_country",
    "tax_id": "counterparty_tax_id",
    "bank_name": "counterparty_bank_name",
    "bank_bic": "counterparty_bank_bic",
    "bank_account": "counterparty_bank_account",
    "kpp": "counterparty_kpp",
    "bank_corr_account": "counterparty_bank_corr_account",
}


def take_snapshot(session: Session, invoice: Invoice) -> dict:
    """Copy the invoice's counterparty as it is now into the invoice; return what was copied."""
    counterparty = session.get(Counterparty, invoice.counterparty_id)
    values = {field: getattr(counterparty, field) for field in SNAPSHOT_COLUMNS}
    for field, column in SNAPSHOT_COLUMNS.items():
        setattr(invoice, column, values[field])
    return values


def follow_counterparty(session: Session, counterparty: Counterparty) -> None:
    """Bring the copy on the counterparty's editable invoices up to date; submitted ones keep
    theirs."""
    session.execute(
        update(Invoice)
        .where(
            Invoice.counterparty_id == counterparty.id,
            Invoice.status.in_([str(s) for s in EDITABLE_STATUSES]),
        )
        .values({column: getattr(counterparty, f) for f, column in SNAPSHOT_COLUMNS.items()})
        .execution_options(synchronize_session="fetch")
    )


def snapshot_of(invoice: Invoice) -> dict:
    """The counterparty as this invoice names it."""
    return {field: getattr(invoice, column) for field, column in SNAPSHOT_COLUMNS.items()}


def changed_since_submit(invoice: Invoice) -> list[str]:
    """The fields in which a submitted invoice's counterparty now differs from what the invoice
    names (none for an editable invoice: it follows)."""
    if invoice.is_editable:
        return []
    live = invoice.counterparty
    return [
        f for f, column in SNAPSHOT_COLUMNS.items() if getattr(live, f) != getattr(invoice, column)
    ]
