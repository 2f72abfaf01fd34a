"""Changing a running invoice's process: its approvers (admins during approval, the initiator
during a correction)."""

from __future__ import annotations

from flask import redirect, request, url_for
from flask_appbuilder import BaseView, expose
from flask_appbuilder.security.decorators import has_access

from app.errors import ValidationError
from app.i18n import _
from app.services.approvers import search_approvers
from app.services.change_approvers import change_approvers
from app.services.visibility import get_visible_invoice
from app.web import context
from app.web.context import say

CHOICES = 200


class RunningChangesView(BaseView):
    route_base = "/running"
    class_permission_name = "Invoice"
    method_permission_name = {"approvers": "read", "change": "write"}
    base_permissions = ["can_read", "can_write"]

    @expose("/invoices/<int:pk>/approvers", methods=["GET"])
    @has_access
    def approvers(self, pk, status: int = 200):
        session = context.session()
        invoice = get_visible_invoice(session, context.actor(), pk)
        page = self.render_template(
            "running_changes/approvers.html",
            invoice=invoice,
            choices=search_approvers(session, "", CHOICES),
            title=_("Approvers of invoice #%(number)s", number=invoice.number),
        )
        return page, status

    @expose("/invoices/<int:pk>/approvers", methods=["POST"])
    @has_access
    def change(self, pk):
        chosen = [v for v in request.form.getlist("approver") if v.strip()]
        try:
            change_approvers(
                context.session(),
                context.actor(),
                pk,
                chosen,
                confirm_removal=request.form.get("confirm_removal") == "1",
            )
        except ValidationError as exc:
            for messages in exc.errors.values():
                for message in messages:
                    say(str(message), "danger")
            return self.approvers(pk, status=422)
        say(_("The approvers are changed."), "success")
        return redirect(url_for("InvoiceView.show", pk=pk))
