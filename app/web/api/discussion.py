"""An invoice's discussion over REST: read the thread, post (JSON or multipart with files),
edit or delete one's own message. The same services and errors as the screens."""

from __future__ import annotations

from flask import g, request
from flask_appbuilder.api import expose, protect, safe

from app.models.base import utcnow
from app.services.attachments import IncomingFile
from app.services.discussion import (
    delete_message,
    edit_message,
    load_discussion,
    may_change,
    post_message,
)
from app.web import context
from app.web.api.base import moment
from app.web.api.openapi import REFUSED_ACTION, REFUSED_READ, operation, path_id, ref
from app.web.api.tasks import ActionApi

INVOICE_ID = path_id("invoice_id")
MESSAGE_ID = path_id("message_id")


class DiscussionApi(ActionApi):
    # "invoices" is taken by InvoiceActionApi: FAB allows one API class per resource name.
    resource_name = "discussion"
    class_permission_name = "Task"
    method_permission_name = {
        "messages": "read",
        "post": "read",
        "edit": "read",
        "delete": "read",
    }
    base_permissions = ["can_read"]

    @operation(
        "get",
        "The invoice's discussion, oldest first, and whether I may write in it",
        path=(INVOICE_ID,),
        ok=("The thread", ref("Discussion")),
        refusals=REFUSED_READ,
    )
    @expose("/<int:invoice_id>/messages", methods=["GET"])
    @protect()
    @safe
    def messages(self, invoice_id):
        """The thread, oldest first, and whether I may write in it."""

        def action():
            now = utcnow()
            thread = load_discussion(context.session(), g.user, invoice_id, now)
            return {
                "can_post": thread.can_post,
                "messages": [message_json(m, g.user.id, now) for m in thread.messages],
            }

        return self.run(action)

    @operation(
        "post",
        "Post to the thread (the invoice's participants); files join the card",
        path=(INVOICE_ID,),
        body=ref("MessageText"),
        form=ref("MessageWithFiles"),
        ok=("The message posted", ref("Message")),
        ok_status="201",
        refusals=(*REFUSED_READ, "413", "422", "503"),
    )
    @expose("/<int:invoice_id>/messages", methods=["POST"])
    @protect()
    @safe
    def post(self, invoice_id):
        """Post {"text": "..."}, or multipart with `text` and any number of `files`."""
        if request.mimetype == "multipart/form-data":
            text = request.form.get("text")
            files = [
                IncomingFile(f.filename or "", f.read())
                for f in request.files.getlist("files")
                if f and f.filename
            ]
        else:
            text, files = self.json_body().get("text"), []

        def action():
            now = utcnow()
            message = post_message(
                context.session(),
                g.user,
                invoice_id,
                text,
                files,
                context.file_storage(),
                context.max_file_size(),
                now,
            )
            return message_json(message, g.user.id, now)

        return self.run(action, status=201)

    @operation(
        "put",
        "Change my message within 5 minutes of posting",
        path=(MESSAGE_ID,),
        body=ref("MessageText"),
        ok=("The message as changed", ref("Message")),
        refusals=REFUSED_ACTION,
    )
    @expose("/messages/<int:message_id>", methods=["PUT"])
    @protect()
    @safe
    def edit(self, message_id):
        """Change my message within 5 minutes of posting: {"text": "..."}."""
        text = self.json_body().get("text")

        def action():
            now = utcnow()
            message = edit_message(context.session(), g.user, message_id, text, now)
            return message_json(message, g.user.id, now)

        return self.run(action)

    @operation(
        "delete",
        "Delete my message within 5 minutes of posting; the audit trail keeps its text",
        path=(MESSAGE_ID,),
        ok=("The message as deleted", ref("Message")),
        refusals=(*REFUSED_READ, "409", "503"),
    )
    @expose("/messages/<int:message_id>", methods=["DELETE"])
    @protect()
    @safe
    def delete(self, message_id):
        """Delete my message within 5 minutes of posting; the audit trail keeps its text."""

        def action():
            now = utcnow()
            message = delete_message(context.session(), g.user, message_id, now)
            return message_json(message, g.user.id, now)

        return self.run(action)


def message_json(message, actor_id: int, now) -> dict:
    author = message.author
    return {
        "id": message.id,
        "invoice_id": message.invoice_id,
        "author": {
            "id": author.id,
            "username": author.username,
            "name": f"{author.first_name} {author.last_name}",
        },
        "text": None if message.is_deleted else message.text,
        "deleted": message.is_deleted,
        "created_at": moment(message.created_at),
        "edited_at": moment(message.edited_at),
        "can_change": may_change(actor_id, message, now),
        "files": []
        if message.is_deleted
        else [
            {
                "id": a.id,
                "filename": a.filename,
                "size": a.size,
                "content_type": a.content_type,
                "removed": a.removed_at is not None,
            }
            for a in message.attachments
        ],
    }
