"""An invoice's files: upload, download, inline preview, remove (hide)."""

from __future__ import annotations

from flask import redirect, request, url_for
from flask_appbuilder import BaseView, expose
from flask_appbuilder.security.decorators import has_access

from app.errors import ValidationError
from app.i18n import _
from app.services.attachments import (
    IncomingFile,
    add_attachments,
    get_visible_attachment,
    remove_attachment,
)
from app.web import context
from app.web.context import say
from app.web.files import send_attachment
from app.web.views.discussion import refuse
from app.web.views.invoices import flash_duplicates


class AttachmentView(BaseView):
    route_base = "/files"
    class_permission_name = "Invoice"
    method_permission_name = {
        "download": "read",
        "preview": "read",
        "upload": "read",
        "remove": "read",
    }
    default_view = "download"
    base_permissions = ["can_read", "can_write"]

    @expose("/<int:attachment_id>/download")
    @has_access
    def download(self, attachment_id):
        return send_attachment(_visible(attachment_id))

    @expose("/<int:attachment_id>/preview")
    @has_access
    def preview(self, attachment_id):
        return send_attachment(_visible(attachment_id), inline=True)

    @expose("/upload/<int:invoice_id>", methods=["POST"])
    @has_access
    def upload(self, invoice_id):
        kind = request.form.get("kind") or "other"
        files = [
            IncomingFile(f.filename or "", f.read(), kind)
            for f in request.files.getlist("files")
            if f and f.filename
        ]
        try:
            added = add_attachments(
                context.session(),
                context.actor(),
                invoice_id,
                files,
                context.file_storage(),
                context.max_file_size(),
            )
        except ValidationError as exc:
            refuse(exc)  # 422 with the reason; a closed invoice's refusals are 409 / 403
        say(_("%(n)s file(s) added.", n=len(added.files)), "success")
        flash_duplicates(added.warnings)
        return redirect(url_for("InvoiceView.show", pk=invoice_id))

    @expose("/<int:attachment_id>/remove", methods=["POST"])
    @has_access
    def remove(self, attachment_id):
        attachment = remove_attachment(context.session(), context.actor(), attachment_id)
        say(_("File %(name)s removed from the card.", name=attachment.filename), "success")
        return redirect(url_for("InvoiceView.show", pk=attachment.invoice_id))


def _visible(attachment_id):
    return get_visible_attachment(context.session(), context.actor(), attachment_id)
