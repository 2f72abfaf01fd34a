"""The bell: in-app notifications, mark read, e-mail preferences; admins see the outbox."""

from __future__ import annotations

from pathlib import Path

from flask import abort, current_app, redirect, request, url_for
from flask_appbuilder import BaseView, ModelView, expose
from flask_appbuilder.security.decorators import has_access

from app.errors import ValidationError
from app.i18n import _
from app.mail import link_for, message_context
from app.models import NotificationKind, OutboxMessage
from app.models.base import utcnow
from app.services import inbox
from app.services.mail_delivery import retry_failed
from app.web import context
from app.web.context import say
from app.web.datamodel import InvoiceFlowInterface

KIND_LABELS = {
    NotificationKind.TASK_ASSIGNED: _("A new task for me"),
    NotificationKind.RETURNED: _("My invoice returned for rework"),
    NotificationKind.REJECTED: _("My invoice rejected"),
    NotificationKind.PAID: _("My invoice paid"),
    NotificationKind.WITHDRAWN: _("An invoice I had a task on withdrawn"),
    NotificationKind.REASSIGNED: _("A task reassigned to or from me"),
    NotificationKind.DISCUSSION: _("A new message in a discussion I take part in"),
    NotificationKind.REMINDER: _("Reminders of waiting tasks"),
    NotificationKind.ESCALATION: _("Overdue tasks"),
    NotificationKind.CLOSING_DOCUMENT: _("A closing document added to my closed invoice"),
}


class NotificationView(BaseView):
    route_base = "/notifications"
    class_permission_name = "Task"
    method_permission_name = {
        "index": "read",
        "open": "read",
        "read_all": "read",
        "preferences": "read",
    }
    base_permissions = ["can_read"]
    default_view = "index"

    @expose("/")
    @has_access
    def index(self):
        items = [(n, message_context(n)) for n in inbox.latest(context.session(), context.actor())]
        return self.render_template(
            "notifications/index.html", items=items, title=_("Notifications")
        )

    @expose("/<int:notification_id>/open", methods=["POST"])
    @has_access
    def open(self, notification_id):
        item = inbox.mark_read(context.session(), context.actor(), notification_id, utcnow())
        counterparty_id = (item.params or {}).get("counterparty_id")
        return redirect(link_for("", item.invoice_id, item.task_guid, counterparty_id) or "/")

    @expose("/read-all", methods=["POST"])
    @has_access
    def read_all(self):
        inbox.mark_all_read(context.session(), context.actor(), utcnow())
        return redirect(url_for(".index"))

    @expose("/preferences", methods=["GET", "POST"])
    @has_access
    def preferences(self):
        languages = current_app.config["LANGUAGES"]
        if request.method == "POST":
            try:
                inbox.save_preferences(
                    context.session(),
                    context.actor(),
                    request.form.getlist("email_on"),
                    request.form.get("language"),
                    languages,
                )
            except ValidationError as exc:
                say(str(exc.errors["language"][0]), "danger")
            else:
                say(_("Notification settings saved."), "success")
            return redirect(url_for(".preferences"))
        preference = inbox.preferences_of(context.session(), context.actor())
        return self.render_template(
            "notifications/preferences.html",
            kinds=KIND_LABELS,
            email_off=set(preference.email_off or []),
            language=preference.language,
            languages=languages,
            title=_("Notification settings"),
        )


class OutboxView(ModelView):
    """Administrators see every e-mail, its attempts and last error, and retry failed ones."""

    datamodel = InvoiceFlowInterface(OutboxMessage)
    route_base = "/outbox"
    base_permissions = ["can_list", "can_show", "can_retry"]
    method_permission_name = {"retry": "list"}  # retry_failed itself asks for can_retry
    list_title = _("Outgoing e-mail")
    list_columns = [
        "id",
        "created_at",
        "to_address",
        "kind",
        "status",
        "attempts",
        "next_attempt_at",
        "sent_at",
        "last_error",
    ]
    show_columns = [*list_columns, "message_id", "invoice_id", "task_guid"]
    search_columns = ["status", "to_address", "kind"]
    base_order = ("id", "desc")
    list_template = "notifications/outbox_list.html"

    @expose("/retry", methods=["POST"])
    @has_access
    def retry(self):
        count = retry_failed(
            context.session(), context.actor(), request.form.getlist("ids"), utcnow()
        )
        say(_("%(n)s e-mail(s) will be sent again.", n=count), "success")
        return redirect(url_for(".list"))


class DevMailView(BaseView):
    """Development without a mail server: what would have been sent, from instance/mail/."""

    route_base = "/dev-mail"
    default_view = "index"

    @expose("/")
    @has_access
    def index(self):
        folder = Path(current_app.config["MAIL_FOLDER"])
        files = sorted(folder.glob("*.eml"), reverse=True)[:200] if folder.exists() else []
        return self.render_template(
            "notifications/dev_mail.html", files=files, title=_("Mail written to the folder")
        )

    @expose("/<name>")
    @has_access
    def show(self, name):
        folder = Path(current_app.config["MAIL_FOLDER"])
        path = folder / name
        if path.suffix != ".eml" or path.parent != folder or not path.is_file():
            abort(404)
        return current_app.response_class(
            path.read_bytes(), mimetype="text/plain", headers={"X-Content-Type-Options": "nosniff"}
        )
