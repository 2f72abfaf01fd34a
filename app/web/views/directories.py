"""Departments and cost centres: FAB's CRUD screens for admins; saves go through their service."""

from __future__ import annotations

from app.i18n import _
from app.models import CostCentre, Department
from app.services.directories import FIELD_LABELS, FIELDS, save_directory_entry
from app.web import context
from app.web.context import say
from app.web.datamodel import InvoiceFlowInterface
from app.web.views.base import ServiceModelView


class DirectoryView(ServiceModelView):
    """One screen per directory: code, name, and whether new cards offer the entry."""

    kind = ""
    label_columns = FIELD_LABELS
    list_columns = add_columns = edit_columns = show_columns = list(FIELDS)
    search_columns = ["code", "name", "active"]
    order_columns = ["code", "name"]
    base_order = ("name", "asc")
    service_checked = ("code", "name", "active")
    formatters_columns = {"active": lambda value: _("Yes") if value else _("No")}
    description_columns = {"code": _("What rule tables compare, e.g. Capex")}

    def save(self, form, item):
        data = {name: form[name].data for name in FIELDS}
        session, actor = context.session(), context.actor()
        saved = save_directory_entry(session, actor, self.kind, item.id if item else None, data)
        say(_("%(name)s saved.", name=saved.name), "success")


class DepartmentView(DirectoryView):
    datamodel = InvoiceFlowInterface(Department)
    kind = "department"
    class_permission_name = "Department"
    route_base = "/departments"
    list_title = _("Departments")
    add_title = _("New department")
    edit_title = _("Edit department")
    show_title = _("Department")


class CostCentreView(DirectoryView):
    datamodel = InvoiceFlowInterface(CostCentre)
    kind = "cost_centre"
    class_permission_name = "CostCentre"
    route_base = "/cost-centres"
    list_title = _("Cost centres")
    add_title = _("New cost centre")
    edit_title = _("Edit cost centre")
    show_title = _("Cost centre")
