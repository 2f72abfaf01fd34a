"""Admins' list of incidents: processes that failed at run time, with retry and move."""

from __future__ import annotations

from flask import redirect, request, url_for
from flask_appbuilder import ModelView, expose
from flask_appbuilder.security.decorators import has_access

from app.errors import ValidationError
from app.i18n import _
from app.models import Incident
from app.services.incidents import (
    incident_for_admin,
    move_to_current_version,
    retry_incident,
)
from app.services.repair_process import rewind_choices, rewind_process
from app.web import context
from app.web.context import say
from app.web.datamodel import InvoiceFlowInterface
from app.workflow.failures import ProcessFailedError


class IncidentView(ModelView):
    """Which invoice, which element, what failed and since when; retry once it is fixed."""

    datamodel = InvoiceFlowInterface(Incident)
    route_base = "/incidents"
    base_permissions = ["can_list", "can_show", "can_retry", "can_move"]
    # Moving the process back is the same power as moving it to another version.
    method_permission_name = {"rewind": "move"}
    list_title = _("Incidents")
    show_title = _("Incident")
    list_columns = [
        "id",
        "status",
        "invoice_id",
        "element_id",
        "action",
        "error",
        "opened_at",
        "last_seen_at",
        "occurrences",
    ]
    show_columns = [
        *list_columns,
        "process_version.version",
        "actor.username",
        "resolved_at",
        "resolved_by.username",
        "resolution",
    ]
    label_columns = {
        "id": _("Incident"),
        "status": _("Status"),
        "invoice_id": _("Invoice"),
        "element_id": _("Element"),
        "action": _("Action"),
        "error": _("Error"),
        "opened_at": _("Since"),
        "last_seen_at": _("Last seen"),
        "occurrences": _("Times"),
        "process_version.version": _("Process version"),
        "actor.username": _("Whose action"),
        "resolved_at": _("Resolved at"),
        "resolved_by.username": _("Resolved by"),
        "resolution": _("Resolution"),
    }
    search_columns = ["status", "invoice_id", "element_id", "action"]
    base_order = ("last_seen_at", "desc")
    list_template = "incidents/list.html"
    show_template = "incidents/show.html"

    @expose("/show/<int:pk>", methods=["GET"])
    @has_access
    def show(self, pk):
        incident = incident_for_admin(context.session(), context.actor(), pk)
        return self.render_template(
            self.show_template,
            pk=pk,
            title=self.show_title,
            widgets=self._show(pk),
            related_views=self._related_views,
            incident=incident,
            rewind_to=rewind_choices(context.session(), context.actor(), pk),
        )

    @expose("/<int:pk>/retry", methods=["POST"])
    @has_access
    def retry(self, pk):
        try:
            retry_incident(context.session(), context.actor(), pk)
        except ProcessFailedError as exc:
            say(_("It still fails: %(why)s", why=exc.message), "danger")
            return redirect(url_for(".show", pk=pk))
        say(_("The process runs again; the incident is resolved."), "success")
        return redirect(url_for(".list"))

    @expose("/<int:pk>/move", methods=["POST"])
    @has_access
    def move(self, pk):
        try:
            move_to_current_version(context.session(), context.actor(), pk)
        except ValidationError as exc:
            for messages in exc.errors.values():
                for message in messages:
                    say(str(message), "danger")
            return redirect(url_for(".show", pk=pk))
        say(_("The invoice now runs on the current version; the incident is resolved."), "success")
        return redirect(url_for(".list"))

    @expose("/<int:pk>/rewind", methods=["POST"])
    @has_access
    def rewind(self, pk):
        try:
            rewind_process(context.session(), context.actor(), pk, request.form.get("task", ""))
        except ValidationError as exc:
            for messages in exc.errors.values():
                for message in messages:
                    say(str(message), "danger")
            return redirect(url_for(".show", pk=pk))
        except ProcessFailedError as exc:
            say(_("It still fails: %(why)s", why=exc.message), "danger")
            return redirect(url_for(".show", pk=pk))
        say(_("The process went back to the chosen task; the incident is resolved."), "success")
        return redirect(url_for(".list"))
