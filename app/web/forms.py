"""Extra form fields for the invoice card: typed amounts, approvers in order, files."""

from __future__ import annotations

from flask_appbuilder.fields import QuerySelectField
from flask_appbuilder.fieldwidgets import BS3TextFieldWidget, Select2Widget
from wtforms import BooleanField, HiddenField, MultipleFileField, SelectField, StringField
from wtforms.validators import Optional

from app.extensions import db
from app.i18n import _
from app.models import AttachmentKind, Counterparty
from app.models.user import User, holds_role
from app.roles import APPROVER

KIND_LABELS = {
    AttachmentKind.INVOICE: _("Invoice"),
    AttachmentKind.CONTRACT: _("Contract"),
    AttachmentKind.JUSTIFICATION: _("Justification"),
    AttachmentKind.ACT: _("Act"),
    AttachmentKind.PAYMENT_ORDER: _("Payment order"),
    AttachmentKind.OTHER: _("Other"),
}


def eligible_approvers():
    return (
        db.session.query(User)
        .filter(User.active.is_(True), holds_role(APPROVER))
        .order_by(User.last_name, User.first_name)
    )


def _approver_field(position: int) -> QuerySelectField:
    return QuerySelectField(
        _("Approver %(n)s", n=position),
        query_func=eligible_approvers,
        get_pk_func=lambda user: user.id,
        get_label=lambda user: f"{user.first_name} {user.last_name} ({user.username})",
        allow_blank=True,
        blank_text=_("(none)"),
        widget=Select2Widget(),
        validators=[Optional()],
    )


class MarkedRequired:
    """Shows the required asterisk; the service layer does the checking and the messages."""

    field_flags = {"required": True}

    def __call__(self, form, field):
        return None


def counterparties():
    return db.session.query(Counterparty).order_by(Counterparty.name)


def amount_field(label, required: bool = False) -> StringField:
    return StringField(
        label,
        widget=BS3TextFieldWidget(),
        description=_("e.g. 1 234,56"),
        validators=[MarkedRequired()] if required else [],
    )


def card_extra_fields() -> dict:
    return {
        "amount": amount_field(_("Amount"), required=True),
        "counterparty": QuerySelectField(
            _("Counterparty"),
            query_func=counterparties,
            get_pk_func=lambda party: party.id,
            allow_blank=True,
            blank_text=_("(choose)"),
            widget=Select2Widget(),
            validators=[MarkedRequired()],
        ),
        "vat_amount": amount_field(_("VAT")),
        "payment_order_required": BooleanField(
            _("Payment order required"),
            description=_("Payment is refused without a payment order attached."),
            validators=[Optional()],
        ),
        "approver_1": _approver_field(1),
        "approver_2": _approver_field(2),
        "approver_3": _approver_field(3),
        "files": MultipleFileField(
            _("Files"), description=_("PDF, images, Office documents, text")
        ),
        "file_kind": SelectField(
            _("Kind of the files"),
            choices=[(k.value, label) for k, label in KIND_LABELS.items()],
            default=AttachmentKind.INVOICE.value,
        ),
    }


def edit_extra_fields() -> dict:
    return {**card_extra_fields(), "lock_version": HiddenField()}
