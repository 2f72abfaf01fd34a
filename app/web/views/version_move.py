"""Moving running invoices to a published version of the process (administrators)."""

from __future__ import annotations

from flask import redirect, request, url_for
from flask_appbuilder import BaseView, expose
from flask_appbuilder.security.decorators import has_access

from app.errors import ValidationError
from app.i18n import _, current_language
from app.services.move_to_version import move_overview, move_to_version
from app.web import context
from app.web.context import say


class VersionMoveView(BaseView):
    route_base = "/running/versions"
    class_permission_name = "Process"
    method_permission_name = {"overview": "read", "confirm": "read", "move": "write"}
    base_permissions = ["can_read", "can_write"]

    @expose("/<int:version_id>/move", methods=["GET"])
    @has_access
    def overview(self, version_id, status: int = 200):
        found = move_overview(context.session(), context.actor(), version_id)
        page = self.render_template(
            "running_changes/move.html",
            overview=found,
            language=current_language(),
            title=_("Move running invoices to version %(n)s", n=found.version.version),
        )
        return page, status

    @expose("/<int:version_id>/move/confirm", methods=["POST"])
    @has_access
    def confirm(self, version_id):
        """The question before moving: which invoices, to which version."""
        found = move_overview(context.session(), context.actor(), version_id)
        everyone = request.form.get("all") == "1"
        chosen = [] if everyone else [v for v in request.form.getlist("invoice") if v.strip()]
        if not everyone and not chosen:
            say(_("Choose at least one invoice to move."), "danger")
            return self.overview(version_id, status=422)
        numbers = {str(row.invoice_id): row.number for row in found.rows}
        listed = (
            [r.number for r in found.movable] if everyone else [numbers.get(v, v) for v in chosen]
        )
        return self.render_template(
            "confirm.html",
            title=_("Move running invoices"),
            heading=_("Version %(n)s", n=found.version.version),
            question=_(
                "Move %(count)s running invoices to version %(n)s? Each move is audited and the "
                "holders of a task that changes are told.",
                count=len(listed),
                n=found.version.version,
            ),
            details=[(_("Invoices"), ", ".join(f"#{n}" for n in listed))],
            action=url_for(".move", version_id=version_id),
            fields={"all": "1"} if everyone else {"invoices": ",".join(chosen)},
            confirm_label=_("Move"),
            confirm_style="primary",
            cancel_url=url_for(".overview", version_id=version_id),
        )

    @expose("/<int:version_id>/move", methods=["POST"])
    @has_access
    def move(self, version_id):
        everyone = request.form.get("all") == "1"
        chosen = None if everyone else _ids(request.form)
        try:
            moved = move_to_version(context.session(), context.actor(), version_id, chosen)
        except ValidationError as exc:
            for messages in exc.errors.values():
                for message in messages:
                    say(str(message), "danger")
            return self.overview(version_id, status=422)
        say(_("%(count)s invoices now run on the new version.", count=len(moved)), "success")
        return redirect(url_for(".overview", version_id=version_id))


def _ids(form) -> list[str]:
    values = form.getlist("invoice") + form.get("invoices", "").split(",")
    return [v for v in values if v.strip()]
