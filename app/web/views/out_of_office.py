"""Out of office: name a deputy for a period (admins for anyone), see and end the periods."""

from __future__ import annotations

from flask import current_app, g, redirect, request, url_for
from flask_appbuilder import BaseView, expose
from flask_appbuilder.security.decorators import has_access

from app.errors import InvoiceFlowError, ValidationError
from app.i18n import _
from app.models import Delegation
from app.models.base import utcnow
from app.services.change_delegation import change_delegation
from app.services.delegation import (
    DeputyRequest,
    cancel_delegation,
    current_and_coming,
    deputy_choices,
    may_name_for_others,
    period_not_over,
    set_deputy,
)
from app.web import context
from app.web.context import say

FIELDS = ("deputy_id", "starts_on", "ends_on", "note", "user_id")


class OutOfOfficeView(BaseView):
    route_base = "/account/out-of-office"
    default_view = "index"
    # Every signed-in user holds can_read on it (app/role_defaults.py, SELF_SERVICE).
    class_permission_name = "OutOfOffice"
    method_permission_name = {
        "index": "read",
        "name_deputy": "read",
        "end": "read",
        "change_form": "read",
        "change": "read",
    }
    base_permissions = ["can_read"]

    @expose("/", methods=["GET"])
    @has_access
    def index(self):
        return self._show({})

    @expose("/", methods=["POST"])
    @has_access
    def name_deputy(self):
        typed = {name: request.form.get(name, "") for name in FIELDS}
        if not may_name_for_others(g.user):
            typed["user_id"] = ""
        zone = current_app.config["DEFAULT_TIME_ZONE"]
        try:
            set_deputy(context.session(), g.user, DeputyRequest(**typed), zone)
        except ValidationError as exc:
            return self._show(typed, {k: [str(m) for m in v] for k, v in exc.errors.items()}), 422
        except InvoiceFlowError as exc:
            return self._show(typed, {"user_id": [str(exc.message)]}), exc.status_code
        say(_("Deputy named: they hold your tasks during the period."), "success")
        return redirect(url_for(".index"))

    @expose("/<int:delegation_id>/end", methods=["POST"])
    @has_access
    def end(self, delegation_id):
        try:
            cancel_delegation(context.session(), g.user, delegation_id)
        except InvoiceFlowError as exc:
            message = exc.message if not isinstance(exc, ValidationError) else exc
            return self._show({}, {"delegation": [str(message)]}), exc.status_code
        say(_("Out-of-office period ended: the tasks are back with their holder."), "success")
        return redirect(url_for(".index"))

    @expose("/<int:delegation_id>/change", methods=["GET"])
    @has_access
    def change_form(self, delegation_id):
        try:
            period = period_not_over(context.session(), g.user, delegation_id)
        except InvoiceFlowError as exc:
            return self._refused(exc)
        typed = {
            "deputy_id": str(period.deputy_id),
            "starts_on": period.starts_on,
            "ends_on": period.ends_on,
            "note": period.note or "",
        }
        return self._show(typed, changing=period)

    @expose("/<int:delegation_id>/change", methods=["POST"])
    @has_access
    def change(self, delegation_id):
        typed = {name: request.form.get(name, "") for name in FIELDS if name != "user_id"}
        session = context.session()
        try:
            change_delegation(session, g.user, delegation_id, DeputyRequest(**typed))
        except ValidationError as exc:
            errors = {k: [str(m) for m in v] for k, v in exc.errors.items()}
            changing = None if "delegation" in errors else session.get(Delegation, delegation_id)
            return self._show(typed, errors, changing), 422
        except InvoiceFlowError as exc:
            return self._refused(exc)
        say(_("Period changed: the deputy is told."), "success")
        return redirect(url_for(".index"))

    def _refused(self, exc: InvoiceFlowError):
        """A period that is not one to change (over, someone else's, none): said on the page."""
        if isinstance(exc, ValidationError):
            messages = [str(m) for v in exc.errors.values() for m in v]
        else:
            messages = [str(exc.message)]
        return self._show({}, {"delegation": messages}), exc.status_code

    def _show(self, typed: dict, errors: dict | None = None, changing=None):
        session = context.session()
        admin = may_name_for_others(g.user)
        periods = current_and_coming(session, None if admin else g.user.id)
        return self.render_template(
            "account/out_of_office.html",
            title=_("Out of office"),
            typed=typed,
            errors=errors or {},
            periods=periods,
            now=utcnow(),
            admin=admin,
            people=deputy_choices(session, g.user.id if not admin else 0),
            me=g.user,
            changing=changing,
        )
