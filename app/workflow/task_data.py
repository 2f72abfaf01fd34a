"""The small task data a process reads, taken from the invoice card (DESIGN.md §5)."""

from __future__ import annotations

from app.models import Invoice


def workflow_data(invoice: Invoice) -> dict:
    """Small task data, refreshed from the card at every submit: never files or long text."""
    return {
        "invoice_id": invoice.id,
        "number": invoice.number,
        "amount": invoice.amount,
        "currency": invoice.currency,
        "counterparty_id": invoice.counterparty_id,
        "initiator_id": invoice.initiator_id,
        "approvers": [a.user_id for a in invoice.approvers],
        "payment_order_required": bool(invoice.payment_order_required),
        # Codes, not names: a rule compares `cost_centre == "Capex"` (None when not chosen).
        "department": invoice.department.code if invoice.department else None,
        "cost_centre": invoice.cost_centre.code if invoice.cost_centre else None,
    }
