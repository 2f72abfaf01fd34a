"""The signed-in user's time zone: every time on a page or in an e-mail to them is in it."""

from __future__ import annotations

from flask import current_app, g, redirect, request, url_for
from flask_appbuilder import BaseView, expose
from flask_appbuilder.security.decorators import has_access

from app.domain.time_zones import zone_choices
from app.errors import ValidationError
from app.i18n import _
from app.models.base import utcnow
from app.services.choose_time_zone import choose_time_zone
from app.services.inbox import preferences_of
from app.web import context
from app.web.context import say
from app.web.local_format import local_time, remember_time_zone


class TimeZoneView(BaseView):
    route_base = "/account/time-zone"
    default_view = "index"
    # Every signed-in user holds can_read on it (app/role_defaults.py, SELF_SERVICE).
    class_permission_name = "TimeZone"
    method_permission_name = {"index": "read", "choose": "read"}
    base_permissions = ["can_read"]

    @expose("/", methods=["GET"])
    @has_access
    def index(self):
        chosen = preferences_of(context.session(), g.user).time_zone
        return self._show(chosen or "")

    @expose("/", methods=["POST"])
    @has_access
    def choose(self):
        typed = request.form.get("time_zone", "")
        try:
            chosen = choose_time_zone(context.session(), g.user, typed).time_zone
        except ValidationError as exc:
            return self._show(typed, [str(m) for m in exc.errors["time_zone"]]), 422
        remember_time_zone(g.user.id, chosen or current_app.config["DEFAULT_TIME_ZONE"])
        say(_("Time zone saved: times are now shown in it."), "success")
        return redirect(url_for(".index"))

    def _show(self, chosen: str, errors: list[str] | None = None):
        now = utcnow()
        return self.render_template(
            "account/time_zone.html",
            title=_("Time zone"),
            chosen=chosen,
            default=current_app.config["DEFAULT_TIME_ZONE"],
            choices=zone_choices(now),
            now=local_time(now),
            errors=errors or [],
        )
