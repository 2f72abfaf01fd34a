"""Labels and formatting helpers available in every template."""

from __future__ import annotations

from flask_appbuilder.security.sqla.models import User

from app.domain.money import format_amount
from app.extensions import db
from app.i18n import _
from app.models import InvoiceStatus
from app.web.forms import KIND_LABELS

STATUS_LABELS = {
    InvoiceStatus.DRAFT: _("Draft"),
    InvoiceStatus.IN_APPROVAL: _("In approval"),
    InvoiceStatus.ON_REWORK: _("On rework"),
    InvoiceStatus.AWAITING_PAYMENT: _("Awaiting payment"),
    InvoiceStatus.PAID: _("Paid"),
    InvoiceStatus.REJECTED: _("Rejected"),
    InvoiceStatus.CANCELLED: _("Cancelled"),
}
ACTION_LABELS = {
    "created": _("created the invoice"),
    "edited": _("edited the card"),
    "file_added": _("added a file"),
    "file_removed": _("removed a file"),
    "approvers_changed": _("set the approvers"),
    "duplicate_warning": _("was warned of a possible duplicate"),
}


def approver_names(user_ids) -> str:
    if not user_ids:
        return "—"
    users = {u.id: u for u in db.session.query(User).filter(User.id.in_(user_ids))}
    return ", ".join(
        f"{users[i].first_name} {users[i].last_name}" if i in users else f"#{i}" for i in user_ids
    )


def register(app) -> None:
    app.jinja_env.globals.update(
        format_amount=format_amount,
        status_label=lambda s: STATUS_LABELS.get(s, s),
        kind_label=lambda k: KIND_LABELS.get(k, k),
        kind_choices=lambda: [(k.value, label) for k, label in KIND_LABELS.items()],
        action_label=lambda a: ACTION_LABELS.get(a, a),
        approver_names=approver_names,
    )
