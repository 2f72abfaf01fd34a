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
from app.web.api.tasks import ActionApi


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

    @expose("/<int:invoice_id>/messages", methods=["GET"])
    @protect()
    @safe
    def messages(self, invoice_id):
        """The thread, oldest first, and whether I may write in it.
        ---
        get:
          description: The invoice's discussion, oldest first, and whether I may write in it
          parameters:
          - {in: path, name: invoice_id, required: true, schema: {type: integer, minimum: 1}}
          responses:
            200:
              description: The thread
              content:
                application/json:
                  schema:
                    type: object
                    required: [result]
                    properties:
                      result: {$ref: '#/components/schemas/Discussion'}
            400: {$ref: '#/components/responses/BadRequest'}
            401: {$ref: '#/components/responses/401'}
            403: {$ref: '#/components/responses/Forbidden'}
            404: {$ref: '#/components/responses/NotFound'}
        """

        def action():
            now = utcnow()
            thread = load_discussion(context.session(), g.user, invoice_id, now)
            return {
                "can_post": thread.can_post,
                "messages": [message_json(m, g.user.id, now) for m in thread.messages],
            }

        return self.run(action)

    @expose("/<int:invoice_id>/messages", methods=["POST"])
    @protect()
    @safe
    def post(self, invoice_id):
        """Post {"text": "..."}, or multipart with `text` and any number of `files`.
        ---
        post:
          description: Post to the thread (the invoice's participants); files join the card
          parameters:
          - {in: path, name: invoice_id, required: true, schema: {type: integer, minimum: 1}}
          requestBody:
            required: true
            content:
              application/json:
                schema: {$ref: '#/components/schemas/MessageText'}
              multipart/form-data:
                schema: {$ref: '#/components/schemas/MessageWithFiles'}
          responses:
            201:
              description: The message posted
              content:
                application/json:
                  schema:
                    type: object
                    required: [result]
                    properties:
                      result: {$ref: '#/components/schemas/Message'}
            400: {$ref: '#/components/responses/BadRequest'}
            401: {$ref: '#/components/responses/401'}
            403: {$ref: '#/components/responses/Forbidden'}
            404: {$ref: '#/components/responses/NotFound'}
            413: {$ref: '#/components/responses/TooLarge'}
            422: {$ref: '#/components/responses/Unprocessable'}
            503: {$ref: '#/components/responses/Busy'}
        """
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

    @expose("/messages/<int:message_id>", methods=["PUT"])
    @protect()
    @safe
    def edit(self, message_id):
        """Change my message within 5 minutes of posting: {"text": "..."}.
        ---
        put:
          description: Change my message within 5 minutes of posting
          parameters:
          - {in: path, name: message_id, required: true, schema: {type: integer, minimum: 1}}
          requestBody:
            required: true
            content:
              application/json:
                schema: {$ref: '#/components/schemas/MessageText'}
          responses:
            200:
              description: The message as changed
              content:
                application/json:
                  schema:
                    type: object
                    required: [result]
                    properties:
                      result: {$ref: '#/components/schemas/Message'}
            400: {$ref: '#/components/responses/BadRequest'}
            401: {$ref: '#/components/responses/401'}
            403: {$ref: '#/components/responses/Forbidden'}
            404: {$ref: '#/components/responses/NotFound'}
            409: {$ref: '#/components/responses/Conflict'}
            422: {$ref: '#/components/responses/Unprocessable'}
            503: {$ref: '#/components/responses/Busy'}
        """
        text = self.json_body().get("text")

        def action():
            now = utcnow()
            message = edit_message(context.session(), g.user, message_id, text, now)
            return message_json(message, g.user.id, now)

        return self.run(action)

    @expose("/messages/<int:message_id>", methods=["DELETE"])
    @protect()
    @safe
    def delete(self, message_id):
        """Delete my message within 5 minutes of posting; the audit trail keeps its text.
        ---
        delete:
          description: Delete my message within 5 minutes of posting; the audit trail keeps its text
          parameters:
          - {in: path, name: message_id, required: true, schema: {type: integer, minimum: 1}}
          responses:
            200:
              description: The message as deleted
              content:
                application/json:
                  schema:
                    type: object
                    required: [result]
                    properties:
                      result: {$ref: '#/components/schemas/Message'}
            400: {$ref: '#/components/responses/BadRequest'}
            401: {$ref: '#/components/responses/401'}
            403: {$ref: '#/components/responses/Forbidden'}
            404: {$ref: '#/components/responses/NotFound'}
            409: {$ref: '#/components/responses/Conflict'}
            503: {$ref: '#/components/responses/Busy'}
        """

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
