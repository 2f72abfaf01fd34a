"""Labels and formatting helpers available in every template."""

from __future__ import annotations

from flask_appbuilder.security.sqla.models import User
from flask_babel import get_locale

from app.domain.labels import status_label
from app.domain.money import format_amount
from app.extensions import db
from app.i18n import _
from app.web.forms import KIND_LABELS

ACTION_LABELS = {
    "created": _("created the invoice"),
    "edited": _("edited the card"),
    "file_added": _("added a file"),
    "file_removed": _("removed a file"),
    "approvers_changed": _("set the approvers"),
    "duplicate_warning": _("was warned of a possible duplicate"),
}


def localized_amount(value) -> str:
    """Amounts as the reader writes them: a decimal comma in Russian."""
    locale = get_locale()
    return format_amount(value, "," if locale and locale.language == "ru" else ".")


def approver_names(user_ids) -> str:
    if not user_ids:
        return "—"
    users = {u.id: u for u in db.session.query(User).filter(User.id.in_(user_ids))}
    return ", ".join(
        f"{users[i].first_name} {users[i].last_name}" if i in users else f"#{i}" for i in user_ids
    )


def register(app) -> None:
    app.jinja_env.globals.update(
        format_amount=localized_amount,
        status_label=status_label,
        kind_label=lambda k: KIND_LABELS.get(k, k),
        kind_choices=lambda: [(k.value, label) for k, label in KIND_LABELS.items()],
        action_label=lambda a: ACTION_LABELS.get(a, a),
        approver_names=approver_names,
    )
