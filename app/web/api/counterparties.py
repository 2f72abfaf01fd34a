"""Counterparties over REST: FAB's list and get; adding and changing through their services."""

from __future__ import annotations

from app.models import Counterparty
from app.services.counterparties import FIELDS, change_counterparty, create_counterparty
from app.web import context
from app.web.api.base import READ_WRITE_API, ServiceModelRestApi
from app.web.datamodel import InvoiceFlowInterface


class CounterpartyApi(ServiceModelRestApi):
    resource_name = "counterparty"
    class_permission_name = "Counterparty"
    # Adding one (can_add) is granted apart from changing one that exists (can_write).
    method_permission_name = {**READ_WRITE_API, "post": "add"}
    base_permissions = ["can_read", "can_add", "can_write"]
    datamodel = InvoiceFlowInterface(Counterparty)
    list_columns = ["id", *FIELDS]
    show_columns = ["id", *FIELDS]
    add_columns = edit_columns = list(FIELDS)
    search_columns = ["name", "country", "tax_id"]
    order_columns = ["name", "country", "tax_id"]
    openapi_new_schema = openapi_edit_schema = "CounterpartyInput"

    def create(self, data):
        return create_counterparty(context.session(), context.actor(), data)

    def update(self, pk, data):
        return change_counterparty(context.session(), context.actor(), pk, data)
