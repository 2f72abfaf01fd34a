"""Admins' list of incidents: processes that failed at run time, with retry and move."""

from __future__ import annotations

from flask import redirect, request, url_for
from flask_appbuilder import ModelView, expose
from flask_appbuilder.security.decorators import has_access

from app.errors import ValidationError
from app.i18n import _
from app.models import Incident
from app.models.incident import IncidentStatus
from app.services.incidents import (
    action_text,
    incident_for_admin,
    move_to_current_version,
    resolution_text,
    retry_incident,
)
from app.services.repair_process import (
    RewindPlanChangedError,
    rewind_choices,
    rewind_plan,
    rewind_process,
)
from app.services.stage_names import stage_glossary
from app.web import context
from app.web.context import say
from app.web.datamodel import InvoiceFlowInterface
from app.web.local_format import local_time
from app.web.templating import stage_label
from app.web.views.base import KeptHistory
from app.workflow.failures import ProcessFailedError

STATUS_LABELS = {IncidentStatus.OPEN: _("Open"), IncidentStatus.RESOLVED: _("Resolved")}
NOTHING = "—"


def _stage_name(name: str) -> str:
    """A task's name as the diagram gave it, in the reader's language (the show page only)."""
    return stage_label(name, stage_glossary(context.session(), [name]).get(name))


def _or_nothing(show):
    return lambda value: NOTHING if value in (None, "") else show(value)


class IncidentView(KeptHistory, ModelView):
    """Which invoice, which element, what failed and since when; retry once it is fixed."""

    datamodel = InvoiceFlowInterface(Incident)
    route_base = "/incidents"
    base_permissions = ["can_list", "can_show", "can_retry", "can_move"]
    # Moving the process back is the same power as moving it to another version.
    method_permission_name = {"rewind": "move", "rewind_confirm": "move"}
    list_title = _("Incidents")
    show_title = _("Incident")
    list_columns = [
        "id",
        "status",
        "invoice_id",
        "element_id",
        "action",
        "reason_shown",
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
        "reason_shown": _("Error"),
        "opened_at": _("Since"),
        "last_seen_at": _("Last seen"),
        "occurrences": _("Times"),
        "process_version.version": _("Process version"),
        "actor.username": _("Whose action"),
        "resolved_at": _("Resolved at"),
        "resolved_by.username": _("Resolved by"),
        "resolution": _("Resolution"),
    }
    formatters_columns = {
        "status": lambda value: str(STATUS_LABELS.get(value, value)),
        "action": action_text,
        "opened_at": _or_nothing(local_time),
        "last_seen_at": _or_nothing(local_time),
        "resolved_at": _or_nothing(local_time),
        "resolution": _or_nothing(lambda value: resolution_text(value, _stage_name)),
        "process_version.version": _or_nothing(str),
        "actor.username": _or_nothing(str),
        "resolved_by.username": _or_nothing(str),
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

    @expose("/<int:pk>/rewind/confirm", methods=["POST"])
    @has_access
    def rewind_confirm(self, pk):
        """The question before going back: the invoice, the task, what it undoes, why."""
        task = request.form.get("task", "")
        try:
            plan = rewind_plan(context.session(), context.actor(), pk, task)
        except ValidationError as exc:
            return self._refused(pk, exc)
        return self._ask(plan)

    @expose("/<int:pk>/rewind", methods=["POST"])
    @has_access
    def rewind(self, pk):
        """Goes back only when confirmed on the question's page, with a reason."""
        form = request.form
        if form.get("confirmed") != "yes":
            return self.rewind_confirm(pk)
        undone = [guid for guid in form.get("undone", "").split(",") if guid]
        try:
            rewind_process(
                context.session(),
                context.actor(),
                pk,
                form.get("task", ""),
                form.get("reason"),
                undone,
            )
        except ValidationError as exc:
            if "reason" not in exc.errors:
                return self._refused(pk, exc)
            plan = rewind_plan(context.session(), context.actor(), pk, form.get("task", ""))
            return self._ask(plan, str(exc.errors["reason"][0]), form.get("reason")), 422
        except RewindPlanChangedError as exc:
            plan = rewind_plan(context.session(), context.actor(), pk, form.get("task", ""))
            return self._ask(plan, exc.message, form.get("reason")), 409
        except ProcessFailedError as exc:
            say(_("It still fails: %(why)s", why=exc.message), "danger")
            return redirect(url_for(".show", pk=pk))
        say(_("The process went back to the chosen task; the incident is resolved."), "success")
        return redirect(url_for(".list"))

    def _ask(self, plan, problem=None, reason=None):
        return self.render_template(
            "incidents/rewind_confirm.html",
            plan=plan,
            problem=problem,
            reason=reason,
            title=_("Go back to an earlier task"),
        )

    def _refused(self, pk, exc: ValidationError):
        for messages in exc.errors.values():
            for message in messages:
                say(str(message), "danger")
        return redirect(url_for(".show", pk=pk))
