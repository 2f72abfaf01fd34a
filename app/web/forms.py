"""Extra form fields for the invoice card: typed amounts, approvers in order, files."""

from __future__ import annotations

from flask import url_for
from flask_appbuilder.fieldwidgets import BS3TextFieldWidget
from markupsafe import Markup
from wtforms import BooleanField, Field, HiddenField, MultipleFileField, SelectField, StringField
from wtforms.validators import Optional, ValidationError
from wtforms.widgets import html_params

from app.domain.ids import parse_id
from app.extensions import db
from app.i18n import _
from app.models import AttachmentKind, CostCentre, Counterparty, Department
from app.models.user import User
from app.services.directories import offered_entries
from app.web.date_input import LocalDateField

KIND_LABELS = {
    AttachmentKind.INVOICE: _("Invoice"),
    AttachmentKind.CONTRACT: _("Contract"),
    AttachmentKind.JUSTIFICATION: _("Justification"),
    AttachmentKind.ACT: _("Act"),
    AttachmentKind.PAYMENT_ORDER: _("Payment order"),
    AttachmentKind.OTHER: _("Other"),
}


class SearchSelectWidget:
    """A <select> holding only the chosen row; the browser asks `endpoint` for matches as the
    user types (static/js/search-select.js), so no page carries a whole table."""

    def __init__(self, endpoint: str):
        self.endpoint = endpoint

    def __call__(self, field, **kwargs):
        chosen = field.data
        options = [Markup('<option value=""></option>')]
        if chosen is not None:
            options.append(
                Markup('<option value="{}" selected>{}</option>').format(
                    chosen.id, field.describe(chosen)
                )
            )
        attributes = html_params(
            id=field.id,
            name=field.name,
            class_="form-control",
            data_search_url=url_for(self.endpoint),
            data_placeholder=str(field.placeholder),
        )
        safe_attributes = Markup(attributes)  # noqa: S704 - html_params escaped every value
        return Markup("<select {}>{}</select>").format(safe_attributes, Markup("").join(options))


class SearchSelectField(Field):
    """One row of `model` by id, chosen in a searching select box."""

    def __init__(self, label, model, endpoint: str, describe, placeholder, **kwargs):
        super().__init__(label, widget=SearchSelectWidget(endpoint), **kwargs)
        self.model, self.describe, self.placeholder = model, describe, placeholder
        self.raw_id = None

    def process_formdata(self, valuelist):
        self.raw_id = valuelist[0] if valuelist else None
        pk = parse_id(self.raw_id)
        self.data = db.session.get(self.model, pk) if pk else None

    def pre_validate(self, form):
        if self.raw_id not in (None, "") and self.data is None:
            raise ValidationError(_("Choose an entry from the list."))


class DirectorySelectWidget:
    """A <select> of a directory's active entries, plus the one the card names already."""

    def __call__(self, field, **kwargs):
        chosen = field.data
        keep = chosen.id if chosen is not None else None
        options = [Markup('<option value="">{}</option>').format(_("(none)"))]
        for entry in offered_entries(db.session, field.kind, keep):
            selected = Markup(" selected") if entry.id == keep else Markup("")
            options.append(
                Markup('<option value="{}"{}>{} ({})</option>').format(
                    entry.id, selected, entry.name, entry.code
                )
            )
        attributes = html_params(id=field.id, name=field.name, class_="form-control")
        safe_attributes = Markup(attributes)  # noqa: S704 - html_params escaped every value
        return Markup("<select {}>{}</select>").format(safe_attributes, Markup("").join(options))


class DirectoryField(Field):
    """An optional department or cost centre; the service checks that it exists."""

    def __init__(self, label, kind: str, model, **kwargs):
        super().__init__(label, widget=DirectorySelectWidget(), **kwargs)
        self.kind, self.model = kind, model

    def process_formdata(self, valuelist):
        pk = parse_id(valuelist[0]) if valuelist else None
        self.data = db.session.get(self.model, pk) if pk else None


def describe_counterparty(party) -> str:
    return f"{party.name} ({party.tax_id})" if party.tax_id else party.name


def describe_user(user) -> str:
    return f"{user.first_name} {user.last_name} ({user.username})"


def _approver_field(position: int) -> SearchSelectField:
    return SearchSelectField(
        _("Approver %(n)s", n=position),
        User,
        "InvoiceView.approver_choices",
        describe_user,
        _("(none)"),
        validators=[Optional()],
    )


class MarkedRequired:
    """Shows the required asterisk; the service layer does the checking and the messages."""

    field_flags = {"required": True}

    def __call__(self, form, field):
        return None


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
        "counterparty": SearchSelectField(
            _("Counterparty"),
            Counterparty,
            "CounterpartyView.choices",
            describe_counterparty,
            _("(choose)"),
            validators=[MarkedRequired()],
        ),
        "vat_amount": amount_field(_("VAT")),
        "issue_date": LocalDateField(_("Issue date"), validators=[MarkedRequired()]),
        "due_date": LocalDateField(_("Due date")),
        "department": DirectoryField(
            _("Department"), "department", Department, validators=[Optional()]
        ),
        "cost_centre": DirectoryField(
            _("Cost centre"), "cost_centre", CostCentre, validators=[Optional()]
        ),
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
