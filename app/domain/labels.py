"""Names of statuses shown to people, in their language."""

from app.i18n import _
from app.models.invoice import InvoiceStatus

STATUS_LABELS = {
    InvoiceStatus.DRAFT: _("Draft"),
    InvoiceStatus.IN_APPROVAL: _("In approval"),
    InvoiceStatus.ON_REWORK: _("On rework"),
    InvoiceStatus.AWAITING_PAYMENT: _("Awaiting payment"),
    InvoiceStatus.PAID: _("Paid"),
    InvoiceStatus.REJECTED: _("Rejected"),
    InvoiceStatus.CANCELLED: _("Cancelled"),
}


def status_label(status: str):
    return STATUS_LABELS.get(status, status)
