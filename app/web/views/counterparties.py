"""Counterparties: FAB's CRUD screens; adding and changing go through their services."""

from __future__ import annotations

from flask_appbuilder import expose
from flask_appbuilder.security.decorators import has_access

from app.i18n import _
from app.models import Counterparty
from app.services.counterparties import (
    FIELD_LABELS,
    FIELDS,
    change_counterparty,
    create_counterparty,
    search_counterparties,
)
from app.web import context
from app.web.context import say
from app.web.datamodel import InvoiceFlowInterface
from app.web.forms import describe_counterparty
from app.web.views.base import READ_WRITE, ServiceModelView, choices_answer


class CounterpartyView(ServiceModelView):
    datamodel = InvoiceFlowInterface(Counterparty)
    class_permission_name = "Counterparty"
    route_base = "/counterparties"
    # Adding one (can_add) is granted apart from changing one that exists (can_write).
    method_permission_name = {**READ_WRITE, "add": "add"}
    base_permissions = ["can_read", "can_add", "can_write"]
    list_title = _("Counterparties")
    add_title = _("New counterparty")
    edit_title = _("Edit counterparty")
    show_title = _("Counterparty")
    label_columns = FIELD_LABELS
    description_columns = {
        "country": _("Two-letter code, e.g. RU"),
        "tax_id": _("For Russia: INN, 10 or 12 digits"),
    }
    list_columns = ["name", "country", "tax_id", "bank_bic"]
    search_columns = ["name", "country", "tax_id"]
    order_columns = ["name", "country", "tax_id"]
    add_columns = edit_columns = show_columns = list(FIELDS)
    base_order = ("name", "asc")
    # An empty optional field (no BIC yet) reads as a dash, not "None".
    formatters_columns = {
        name: lambda value: "—" if value in (None, "") else value for name in FIELDS
    }

    @expose("/choices")
    @has_access
    def choices(self):
        """Matches for the invoice card's counterparty box, as the user types."""
        return choices_answer(search_counterparties, describe_counterparty)

    def save(self, form, item):
        data = {name: form[name].data for name in FIELDS}
        session, actor = context.session(), context.actor()
        if item is None:
            saved = create_counterparty(session, actor, data)
        else:
            saved = change_counterparty(session, actor, item.id, data)
        say(_("Counterparty %(name)s saved.", name=saved.name), "success")
