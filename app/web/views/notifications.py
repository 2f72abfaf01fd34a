"""The bell: in-app notifications, mark read, e-mail preferences; admins see the outbox."""

from __future__ import annotations

from flask import abort, current_app, redirect, request, url_for
from flask_appbuilder import BaseView, ModelView, expose
from flask_appbuilder.security.decorators import has_access
from flask_appbuilder.widgets import ListWidget

from app.errors import ValidationError
from app.i18n import _
from app.mail import link_for, message_context, render_message, subjects_of
from app.models import NotificationKind, OutboxMessage, OutboxStatus
from app.models.base import utcnow
from app.services import inbox
from app.services.mail_folder import folder_message, folder_messages
from app.services.outbox_screen import outbox_rows
from app.services.retry_mail import retry_failed
from app.web import context
from app.web.context import say
from app.web.datamodel import InvoiceFlowInterface
from app.web.security_headers import framed_by_own_pages
from app.web.views.base import KeptHistory

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
    NotificationKind.APPROVERS_CHANGED: _("The approvers changed around my turn"),
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
        items = [
            (n, waiting, message_context(n))
            for n, waiting in inbox.latest(context.session(), context.actor())
        ]
        return self.render_template(
            "notifications/index.html", items=items, title=_("Notifications")
        )

    @expose("/<int:notification_id>/open", methods=["POST"])
    @has_access
    def open(self, notification_id):
        item = inbox.mark_read(context.session(), context.actor(), notification_id, utcnow())
        counterparty_id = (item.params or {}).get("counterparty_id")
        link = link_for("", item.invoice_id, item.task_guid, counterparty_id, item.kind)
        return redirect(link or "/")

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


STATUS_LABELS = {
    OutboxStatus.PENDING: _("waiting to be sent"),
    OutboxStatus.SENDING: _("being sent"),
    OutboxStatus.SENT: _("sent"),
    OutboxStatus.FAILED: _("failed"),
}


class OutboxListWidget(ListWidget):
    """Each e-mail as its recipient reads it: subject, recipient, status, attempts, error."""

    template = "notifications/outbox_list_widget.html"


class OutboxView(KeptHistory, ModelView):
    """Administrators see every e-mail as it reads (subject, bodies, recipient), its status,
    attempts and last error, and send failed ones again."""

    datamodel = InvoiceFlowInterface(OutboxMessage)
    route_base = "/outbox"
    base_permissions = ["can_list", "can_show", "can_retry"]
    # retry_failed itself asks for can_retry; the body of a shown e-mail is part of showing it
    method_permission_name = {"retry": "list", "body": "show"}
    list_title = _("Outgoing e-mail")
    show_title = _("E-mail")
    list_columns = ["id", "created_at", "to_address", "status", "attempts", "last_error"]
    label_columns = {
        "id": _("E-mail"),
        "created_at": _("Created"),
        "to_address": _("To"),
        "kind": _("Kind"),
        "status": _("Status"),
        "attempts": _("Attempts"),
        "last_error": _("Last error"),
    }
    search_columns = ["status", "to_address", "kind"]
    base_order = ("id", "desc")
    list_template = "notifications/outbox_list.html"
    list_widget = OutboxListWidget

    def _get_list_widget(self, *args, **kwargs):
        widgets = super()._get_list_widget(*args, **kwargs)
        shown = widgets["list"].template_args
        rows = outbox_rows(context.session(), shown["pks"])
        shown["messages"] = rows
        shown["subjects"] = subjects_of(rows, current_app.config["BABEL_DEFAULT_LOCALE"])
        shown["status_labels"] = STATUS_LABELS
        return widgets

    @expose("/show/<int:pk>", methods=["GET"])
    @has_access
    def show(self, pk):
        row = self._row(pk)
        rendered = render_message(row, current_app.config["BABEL_DEFAULT_LOCALE"])
        return self.render_template(
            "notifications/outbox_show.html",
            row=row,
            mail=rendered,
            sender=current_app.config["MAIL_DEFAULT_SENDER"],
            status_labels=STATUS_LABELS,
            title=self.show_title,
        )

    @expose("/show/<int:pk>/body", methods=["GET"])
    @has_access
    def body(self, pk):
        row = self._row(pk)
        html = render_message(row, current_app.config["BABEL_DEFAULT_LOCALE"]).html
        return framed_by_own_pages(current_app.response_class(html, mimetype="text/html"))

    def _row(self, pk) -> OutboxMessage:
        row = self.datamodel.get(pk)
        if row is None:
            abort(404)
        return row

    @expose("/retry", methods=["POST"])
    @has_access
    def retry(self):
        count = retry_failed(
            context.session(), context.actor(), request.form.getlist("ids"), utcnow()
        )
        say(_("%(n)s e-mail(s) will be sent again.", n=count), "success")
        return redirect(url_for(".list"))


class DevMailView(BaseView):
    """Development without a mail server: what would have been sent, from instance/mail/, as
    a person reads it."""

    route_base = "/dev-mail"
    default_view = "index"
    method_permission_name = {"body": "show"}  # the body of a shown message is part of it

    @expose("/")
    @has_access
    def index(self):
        messages = folder_messages(current_app.config["MAIL_FOLDER"])
        return self.render_template(
            "notifications/dev_mail.html", messages=messages, title=_("Mail written to the folder")
        )

    @expose("/<name>")
    @has_access
    def show(self, name):
        message = folder_message(current_app.config["MAIL_FOLDER"], name)
        return self.render_template(
            "notifications/dev_mail_show.html", message=message, title=message.subject
        )

    @expose("/<name>/body")
    @has_access
    def body(self, name):
        html = folder_message(current_app.config["MAIL_FOLDER"], name).html
        return framed_by_own_pages(current_app.response_class(html, mimetype="text/html"))
