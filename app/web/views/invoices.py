"""The invoice list and card: FAB's list and forms; saves through create/update_invoice."""

from __future__ import annotations

from flask import redirect, request, url_for
from flask_appbuilder.baseviews import expose
from flask_appbuilder.security.decorators import has_access
from flask_appbuilder.widgets import ListWidget
from markupsafe import Markup

from app.domain.labels import status_label
from app.errors import ValidationError
from app.i18n import _, localized_amount
from app.models import Invoice
from app.services.approvers import search_approvers
from app.services.attachments import IncomingFile
from app.services.card_rules import check_card_not_closed
from app.services.create_invoice import create_invoice
from app.services.duplicates import warning_text
from app.services.invoice_card import load_card
from app.services.invoice_input import CARD_FIELDS
from app.services.invoice_list import COLUMNS
from app.services.submit_invoice import submit_invoice
from app.services.update_invoice import update_invoice
from app.services.visibility import get_visible_invoice
from app.services.withdraw_invoice import withdraw_invoice
from app.web import context
from app.web.context import say
from app.web.datamodel import InvoiceFlowInterface
from app.web.filters import VisibleInvoicesFilter
from app.web.forms import card_extra_fields, describe_user, edit_extra_fields
from app.web.views.base import READ_WRITE, ServiceModelView, choices_answer
from app.web.views.invoice_list import InvoiceListScreen

# The form shows the relation `counterparty` where the service takes `counterparty_id`.
RELATIONS = {"counterparty_id": "counterparty", "department_id": "department"}
RELATIONS["cost_centre_id"] = "cost_centre"
CARD_COLUMNS = [
    *(RELATIONS.get(name, name) for name in CARD_FIELDS),
    "approver_1",
    "approver_2",
    "approver_3",
    "files",
    "file_kind",
]
LABELS = {
    "number": _("No."),
    "amount": _("Amount"),
    "currency": _("Currency"),
    "vat_amount": _("VAT"),
    "counterparty": _("Counterparty"),
    "counterparty_name": _("Counterparty"),
    "issue_date": _("Issue date"),
    "due_date": _("Due date"),
    "vendor_invoice_no": _("Vendor invoice no."),
    "contract_no": _("Contract no."),
    "client_request_no": _("Client request no."),
    "justification": _("Justification"),
    "payment_order_required": _("Payment order required"),
    "department": _("Department"),
    "cost_centre": _("Cost centre"),
    "status": _("Status"),
    "stage": _("Stage"),
    "initiator": _("Initiator"),
    "created_at": _("Created"),
}


class InvoiceListWidget(ListWidget):
    """FAB's list with the row buttons' links and titles built once per page, not per row."""

    template = "invoices/list_widget.html"


class InvoiceView(InvoiceListScreen, ServiceModelView):
    datamodel = InvoiceFlowInterface(Invoice)
    class_permission_name = "Invoice"
    route_base = "/invoices"
    list_title = _("Invoices")
    add_title = _("New invoice")
    edit_title = _("Edit invoice")
    show_title = _("Invoice")
    method_permission_name = {**READ_WRITE, "export": "read", "people_choices": "read"}
    label_columns = {**LABELS, **dict(COLUMNS)}
    # The dashboard links here by status, stage and due date.
    search_columns = [
        "number",
        "counterparty_name",
        "status",
        "stage",
        "amount",
        "issue_date",
        "due_date",
    ]
    base_order = ("id", "desc")
    page_size = 25
    base_filters = [["id", VisibleInvoicesFilter, lambda: None]]
    add_columns = CARD_COLUMNS
    edit_columns = [*CARD_COLUMNS, "lock_version"]
    add_form_extra_fields = card_extra_fields()
    edit_form_extra_fields = edit_extra_fields()
    error_fields = {
        "counterparty_id": "counterparty",
        "department_id": "department",
        "cost_centre_id": "cost_centre",
        "approvers": "approver_1",
        "kind": "file_kind",
    }
    service_checked = tuple(CARD_COLUMNS)
    show_template = "invoices/card.html"
    list_widget = InvoiceListWidget
    formatters_columns = {"amount": localized_amount, "status": status_label}

    add_template = "invoices/add.html"
    edit_template = "invoices/edit.html"

    @expose("/approver-choices")
    @has_access
    def approver_choices(self):
        """Matches for the card's approver boxes, as the user types."""
        return choices_answer(search_approvers, describe_user)

    def _edit(self, pk):
        # A closed invoice's form is not even shown: 409 with the reason, on GET and POST.
        check_card_not_closed(context.session(), context.actor(), pk)
        return super()._edit(pk)

    def prefill_form(self, form, pk):
        item = self.datamodel.get(pk, self._base_filters)
        for approver in item.approvers:
            getattr(form, f"approver_{approver.position}").data = approver.user
        form.lock_version.data = item.lock_version

    def save(self, form, item):
        data = _card_data(form)
        files = _incoming_files(form)
        common = dict(
            files=files, storage=context.file_storage(), max_file_size=context.max_file_size()
        )
        if item is None:
            saved = create_invoice(
                context.session(), context.actor(), data, context.invoice_policy(), **common
            )
            say(_("Invoice #%(n)s created.", n=saved.invoice.number), "success")
        else:
            saved = update_invoice(
                context.session(),
                context.actor(),
                item.id,
                data,
                context.invoice_policy(),
                form.lock_version.data or None,
                **common,
            )
            say(_("Invoice #%(n)s saved.", n=saved.invoice.number), "success")
        flash_duplicates(saved.warnings)
        self._saved_id = saved.invoice.id

    def post_add_redirect(self):
        return redirect(url_for(".show", pk=self._saved_id))

    def post_edit_redirect(self):
        return redirect(url_for(".show", pk=self._saved_id))

    @expose("/show/<pk>", methods=["GET"])
    @has_access
    def show(self, pk):
        card = load_card(context.session(), context.actor(), pk)
        return self.render_template(
            self.show_template, card=card, title=self.show_title, labels=LABELS
        )

    @expose("/<int:pk>/submit", methods=["POST"])
    @has_access
    def submit(self, pk):
        try:
            submit_invoice(context.session(), context.actor(), pk, context.invoice_policy())
        except ValidationError as exc:
            for messages in exc.errors.values():
                for message in messages:
                    say(str(message), "danger")
        else:
            say(_("Invoice submitted: the first approver has the task."), "success")
        return redirect(url_for(".show", pk=pk))

    @expose("/<int:pk>/withdraw/confirm", methods=["POST"])
    @has_access
    def confirm_withdraw(self, pk):
        """Without scripts, the withdraw form asks here first (with them, a dialog does)."""
        invoice = get_visible_invoice(context.session(), context.actor(), pk)
        reason = request.form.get("reason", "")
        return self.render_template(
            "confirm.html",
            title=_("Withdraw"),
            heading=_("Invoice #%(n)s", n=invoice.number),
            question=_(
                "Withdraw invoice #%(n)s? It is cancelled for good: its open tasks close and "
                "their holders are told.",
                n=invoice.number,
            ),
            details=[(_("Reason for withdrawing"), reason)],
            action=url_for(".withdraw", pk=pk),
            fields={"reason": reason},
            confirm_label=_("Withdraw"),
            confirm_style="danger",
            cancel_url=url_for(".show", pk=pk),
        )

    @expose("/<int:pk>/withdraw", methods=["POST"])
    @has_access
    def withdraw(self, pk):
        try:
            withdraw_invoice(context.session(), context.actor(), pk, request.form.get("reason"))
        except ValidationError as exc:
            say(str(exc.errors["reason"][0]), "danger")
        else:
            say(_("Invoice withdrawn."), "success")
        return redirect(url_for(".show", pk=pk))


def _card_data(form) -> dict:
    counterparty = form.counterparty.data
    approvers = [getattr(form, f"approver_{n}").data for n in (1, 2, 3)]
    data = {name: form[name].data for name in CARD_FIELDS if name not in RELATIONS}
    data["counterparty_id"] = counterparty.id if counterparty is not None else None
    for name in ("department_id", "cost_centre_id"):
        entry = form[RELATIONS[name]].data
        data[name] = entry.id if entry is not None else None
    data["approvers"] = [user.id for user in approvers if user is not None]
    return data


def _incoming_files(form) -> list[IncomingFile]:
    kind = form.file_kind.data
    uploads = request.files.getlist(form.files.name)
    return [IncomingFile(f.filename or "", f.read(), kind) for f in uploads if f and f.filename]


def flash_duplicates(warnings) -> None:
    for warning in warnings:
        text = warning_text(warning)
        if warning.can_open:
            link = Markup('<a href="{}">#{}</a>').format(
                url_for("InvoiceView.show", pk=warning.other_invoice_id),
                warning.other_invoice_number,
            )
            text = Markup("{} {}").format(text, link)
        say(text, "warning")
