from __future__ import annotations

from app.models import Counterparty
from app.services.counterparties import FIELDS, save_counterparty
from app.web import context
from app.web.api.base import ServiceModelRestApi
from app.web.datamodel import InvoiceFlowInterface


class CounterpartyApi(ServiceModelRestApi):
    resource_name = "counterparty"
    class_permission_name = "Counterparty"
    datamodel = InvoiceFlowInterface(Counterparty)
    list_columns = ["id", *FIELDS]
    show_columns = ["id", *FIELDS]
    add_columns = edit_columns = list(FIELDS)
    search_columns = ["name", "country", "tax_id"]
    order_columns = ["name", "country", "tax_id"]

    def create(self, data):
        return save_counterparty(context.session(), context.actor(), data)

    def update(self, pk, data):
        return save_counterparty(context.session(), context.actor(), data, pk)
