"""The discussion thread's forms: post (with files), edit and delete one's own message."""

from __future__ import annotations

from datetime import datetime
from typing import NoReturn
from urllib.parse import urlsplit

from flask import abort, jsonify, redirect, render_template, request, url_for
from flask_appbuilder import BaseView, expose
from flask_appbuilder.security.decorators import has_access

from app.errors import FileTooLargeError, ValidationError
from app.i18n import _
from app.models.base import utcnow
from app.services.attachments import IncomingFile
from app.services.discussion import (
    delete_message,
    discussion_updates,
    edit_message,
    post_message,
)
from app.web import context
from app.web.context import say


class DiscussionView(BaseView):
    route_base = "/discussion"
    # Taking part is decided by the invoice's process, not by a role: every role reads tasks.
    class_permission_name = "Task"
    method_permission_name = {"post": "read", "edit": "read", "delete": "read", "updates": "read"}
    base_permissions = ["can_read"]
    default_view = "post"

    @expose("/<int:invoice_id>/post", methods=["POST"])
    @has_access
    def post(self, invoice_id):
        back = return_path(url_for("InvoiceView.show", pk=invoice_id))
        files = [
            IncomingFile(f.filename or "", f.read())
            for f in request.files.getlist("files")
            if f and f.filename
        ]
        try:
            post_message(
                context.session(),
                context.actor(),
                invoice_id,
                request.form.get("text"),
                files,
                context.file_storage(),
                context.max_file_size(),
                utcnow(),
            )
        except (ValidationError, FileTooLargeError) as exc:
            refuse(exc)
        say(_("Message posted."), "success")
        return redirect(back)

    @expose("/<int:invoice_id>/updates")
    @has_access
    def updates(self, invoice_id):
        """What changed in the thread since the page (or the previous answer) was made, each
        message rendered as the page shows it: for js/discussion-live.js."""
        since, changed_after = _update_cursor()
        back = request.args.get("back") or ""
        if not is_local_path(back):
            back = url_for("InvoiceView.show", pk=invoice_id) + "#discussion"
        now = utcnow()
        update = discussion_updates(
            context.session(), context.actor(), invoice_id, since, changed_after, now
        )
        shown = [
            {"id": m.id, "html": render_template(MESSAGE, m=m, discussion=update, back=back)}
            for m in update.messages
        ]
        response = jsonify(messages=shown, since=update.since, at=now.isoformat(), more=update.more)
        response.headers["Cache-Control"] = "no-store"
        return response

    @expose("/message/<int:message_id>/edit", methods=["POST"])
    @has_access
    def edit(self, message_id):
        back = return_path()
        try:
            message = edit_message(
                context.session(), context.actor(), message_id, request.form.get("text"), utcnow()
            )
        except ValidationError as exc:
            refuse(exc)
        say(_("Message updated."), "success")
        return redirect(back or url_for("InvoiceView.show", pk=message.invoice_id))

    @expose("/message/<int:message_id>/delete", methods=["POST"])
    @has_access
    def delete(self, message_id):
        back = return_path()
        message = delete_message(context.session(), context.actor(), message_id, utcnow())
        say(_("Message deleted."), "success")
        return redirect(back or url_for("InvoiceView.show", pk=message.invoice_id))


MAX_MESSAGE_ID = 2**63 - 1
MESSAGE = "invoices/_message.html"  # one message as the thread shows it


def _update_cursor() -> tuple[int, datetime]:
    """`since` (the newest message id the page has) and `at` (when it was made); 400 if bad."""
    try:
        since = int(request.args.get("since", ""))
        changed_after = datetime.fromisoformat(request.args.get("at", ""))
    except ValueError:
        abort(400, description=_("The thread's position must be a message number and a time."))
    if not 0 <= since <= MAX_MESSAGE_ID or changed_after.tzinfo is not None:
        abort(400, description=_("The thread's position must be a message number and a time."))
    return since, changed_after


def return_path(default: str | None = None) -> str | None:
    """The form's `next`: a path on this site only (400 for anything else), else `default`."""
    value = request.form.get("next")
    if not value:
        return default
    if not is_local_path(value):
        abort(400, description=_("The return address must be a page of this site."))
    return value


def is_local_path(value: str) -> bool:
    """`/tasks/...` yes; `//evil.example`, `/\\evil.example`, `https://...` no."""
    if not value.startswith("/") or value.startswith(("//", "/\\")):
        return False
    if any(ch.isspace() or ord(ch) < 32 or ch == "\\" for ch in value):
        return False
    parts = urlsplit(value)
    return not parts.scheme and not parts.netloc


def refuse(exc: ValidationError | FileTooLargeError) -> NoReturn:
    """An error page whose Back button keeps what was typed. Its text goes out as a plain str:
    a lazy translation reaches the page unescaped (flask_babel's LazyString.__html__), and
    these messages may carry a file's name."""
    if isinstance(exc, ValidationError):
        abort(422, description=" ".join(str(m) for ms in exc.errors.values() for m in ms))
    raise FileTooLargeError(str(exc.message)) from exc
