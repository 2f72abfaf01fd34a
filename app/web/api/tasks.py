"""Tasks and process actions over REST: the same services and errors as the screens."""

from __future__ import annotations

from datetime import date

from flask import g, request
from flask_appbuilder.api import BaseApi, expose, protect, safe
from sqlalchemy.exc import OperationalError

from app.errors import InvoiceFlowError, ValidationError
from app.services.acknowledge_task import acknowledge_task
from app.services.attachments import IncomingFile
from app.services.complete_task import decide
from app.services.counterparty_snapshot import snapshot_of
from app.services.my_tasks import my_open_tasks
from app.services.pay_invoice import pay_invoice
from app.services.resubmit_invoice import resubmit_invoice
from app.services.submit_invoice import submit_invoice
from app.services.task_page import load_task_page
from app.services.withdraw_invoice import withdraw_invoice
from app.web import context
from app.web.api.base import busy_response, moment
from app.web.api.openapi import DocumentedApi
from app.web.datamodel import LAST_PAGE
from app.web.templating import task_title


class ActionApi(DocumentedApi, BaseApi):
    allow_browser_login = False

    def run(self, action, status: int = 200):
        try:
            return self.response(status, result=action())
        except ValidationError as exc:
            return self.response_422(
                message={k: [str(m) for m in v] for k, v in exc.errors.items()}
            )
        except InvoiceFlowError as exc:
            return self.response(exc.status_code, message=str(exc.message))
        except OperationalError as exc:
            return busy_response(self, exc)

    def run_on_task(self, action):
        """Run a service that acts on a task and answer with the task as it saved it (no
        second read after the commit)."""

        def answer():
            with context.kept_after_commit():
                task = action()
            return _task_json(task)

        return self.run(answer)

    def json_body(self) -> dict:
        body = request.get_json(silent=True)
        return body if isinstance(body, dict) else {}


class TaskApi(ActionApi):
    resource_name = "tasks"
    class_permission_name = "Task"
    method_permission_name = {
        "mine": "read",
        "get": "read",
        "decision": "read",
        "acknowledge": "read",
    }
    base_permissions = ["can_read"]

    @expose("/mine", methods=["GET"])
    @protect()
    @safe
    def mine(self):
        """Open tasks assigned to me or offered to my roles.
        ---
        get:
          description: My open tasks, oldest first
          parameters:
          - {in: query, name: page, schema: {type: integer, minimum: 1, default: 1}}
          - in: query
            name: page_size
            schema: {type: integer, minimum: 1, maximum: 100, default: 50}
          responses:
            200:
              description: One page of my open tasks
              content:
                application/json:
                  schema:
                    type: object
                    required: [result]
                    properties:
                      result:
                        type: array
                        items: {$ref: '#/components/schemas/TaskRow'}
            400: {$ref: '#/components/responses/BadRequest'}
            401: {$ref: '#/components/responses/401'}
            403: {$ref: '#/components/responses/Forbidden'}
        """
        page = min(max(request.args.get("page", 1, type=int) or 1, 1), LAST_PAGE)
        size = min(max(request.args.get("page_size", 50, type=int) or 50, 1), 100)
        rows = my_open_tasks(context.session(), g.user, size, (page - 1) * size)
        return self.response(200, result=[_row_json(r) for r in rows])

    @expose("/<task_id>", methods=["GET"])
    @protect()
    @safe
    def get(self, task_id):
        """One task with its invoice and the approval history.
        ---
        get:
          description: One task with its invoice, files and the approval history
          parameters:
          - {in: path, name: task_id, required: true, schema: {type: string, format: uuid}}
          responses:
            200:
              description: The task
              content:
                application/json:
                  schema:
                    type: object
                    required: [result]
                    properties:
                      result: {$ref: '#/components/schemas/TaskPage'}
            400: {$ref: '#/components/responses/BadRequest'}
            401: {$ref: '#/components/responses/401'}
            403: {$ref: '#/components/responses/Forbidden'}
            404: {$ref: '#/components/responses/NotFound'}
        """
        return self.run(lambda: _page_json(load_task_page(context.session(), g.user, task_id)))

    @expose("/<task_id>/decision", methods=["POST"])
    @protect()
    @safe
    def decision(self, task_id):
        """Approve, return or reject: {"decision": "...", "comment": "..."}.
        ---
        post:
          description: Decide an approval task; a comment is required to return or reject
          parameters:
          - {in: path, name: task_id, required: true, schema: {type: string, format: uuid}}
          requestBody:
            required: true
            content:
              application/json:
                schema: {$ref: '#/components/schemas/Decision'}
          responses:
            200:
              description: The task as decided
              content:
                application/json:
                  schema:
                    type: object
                    required: [result]
                    properties:
                      result: {$ref: '#/components/schemas/Task'}
            400: {$ref: '#/components/responses/BadRequest'}
            401: {$ref: '#/components/responses/401'}
            403: {$ref: '#/components/responses/Forbidden'}
            404: {$ref: '#/components/responses/NotFound'}
            409: {$ref: '#/components/responses/Conflict'}
            422: {$ref: '#/components/responses/Unprocessable'}
            503: {$ref: '#/components/responses/Busy'}
        """
        body = self.json_body()
        return self.run_on_task(
            lambda: decide(
                context.session(), g.user, task_id, body.get("decision"), body.get("comment")
            )
        )

    @expose("/<task_id>/acknowledge", methods=["POST"])
    @protect()
    @safe
    def acknowledge(self, task_id):
        """Acknowledge a task of form `acknowledge`: {"note": "..."} (optional).
        ---
        post:
          description: Acknowledge a task of form `acknowledge`, with an optional note
          parameters:
          - {in: path, name: task_id, required: true, schema: {type: string, format: uuid}}
          requestBody:
            required: false
            content:
              application/json:
                schema: {$ref: '#/components/schemas/Acknowledgement'}
          responses:
            200:
              description: The task as acknowledged
              content:
                application/json:
                  schema:
                    type: object
                    required: [result]
                    properties:
                      result: {$ref: '#/components/schemas/Task'}
            400: {$ref: '#/components/responses/BadRequest'}
            401: {$ref: '#/components/responses/401'}
            403: {$ref: '#/components/responses/Forbidden'}
            404: {$ref: '#/components/responses/NotFound'}
            409: {$ref: '#/components/responses/Conflict'}
            422: {$ref: '#/components/responses/Unprocessable'}
            503: {$ref: '#/components/responses/Busy'}
        """
        note = self.json_body().get("note")
        return self.run_on_task(lambda: acknowledge_task(context.session(), g.user, task_id, note))


class InvoiceActionApi(ActionApi):
    resource_name = "invoices"
    class_permission_name = "Task"
    method_permission_name = {
        "submit": "read",
        "resubmit": "read",
        "withdraw": "read",
        "pay": "read",
    }
    base_permissions = ["can_read"]

    @expose("/<int:pk>/submit", methods=["POST"])
    @protect()
    @safe
    def submit(self, pk):
        """Start the approval process of a draft.
        ---
        post:
          description: Start the approval process of a draft (its initiator only)
          parameters:
          - {in: path, name: pk, required: true, schema: {type: integer, minimum: 1}}
          responses:
            200:
              description: The invoice in its first stage
              content:
                application/json:
                  schema:
                    type: object
                    required: [result]
                    properties:
                      result: {$ref: '#/components/schemas/InvoiceState'}
            400: {$ref: '#/components/responses/BadRequest'}
            401: {$ref: '#/components/responses/401'}
            403: {$ref: '#/components/responses/Forbidden'}
            404: {$ref: '#/components/responses/NotFound'}
            409: {$ref: '#/components/responses/Conflict'}
            422: {$ref: '#/components/responses/Unprocessable'}
            503: {$ref: '#/components/responses/Busy'}
        """
        return self.run(
            lambda: _invoice_json(
                submit_invoice(context.session(), g.user, pk, context.invoice_policy())
            )
        )

    @expose("/<int:pk>/resubmit", methods=["POST"])
    @protect()
    @safe
    def resubmit(self, pk):
        """Send a corrected invoice back to its approvers.
        ---
        post:
          description: Send a corrected invoice back to its approvers (its initiator only)
          parameters:
          - {in: path, name: pk, required: true, schema: {type: integer, minimum: 1}}
          responses:
            200:
              description: The invoice in its first stage again
              content:
                application/json:
                  schema:
                    type: object
                    required: [result]
                    properties:
                      result: {$ref: '#/components/schemas/InvoiceState'}
            400: {$ref: '#/components/responses/BadRequest'}
            401: {$ref: '#/components/responses/401'}
            403: {$ref: '#/components/responses/Forbidden'}
            404: {$ref: '#/components/responses/NotFound'}
            409: {$ref: '#/components/responses/Conflict'}
            422: {$ref: '#/components/responses/Unprocessable'}
            503: {$ref: '#/components/responses/Busy'}
        """
        return self.run(
            lambda: _invoice_json(
                resubmit_invoice(context.session(), g.user, pk, context.invoice_policy())
            )
        )

    @expose("/<int:pk>/withdraw", methods=["POST"])
    @protect()
    @safe
    def withdraw(self, pk):
        """Cancel an invoice that is not paid: {"reason": "..."}.
        ---
        post:
          description: Cancel an invoice that is not closed (its initiator only)
          parameters:
          - {in: path, name: pk, required: true, schema: {type: integer, minimum: 1}}
          requestBody:
            required: true
            content:
              application/json:
                schema: {$ref: '#/components/schemas/Withdrawal'}
          responses:
            200:
              description: The cancelled invoice
              content:
                application/json:
                  schema:
                    type: object
                    required: [result]
                    properties:
                      result: {$ref: '#/components/schemas/InvoiceState'}
            400: {$ref: '#/components/responses/BadRequest'}
            401: {$ref: '#/components/responses/401'}
            403: {$ref: '#/components/responses/Forbidden'}
            404: {$ref: '#/components/responses/NotFound'}
            409: {$ref: '#/components/responses/Conflict'}
            422: {$ref: '#/components/responses/Unprocessable'}
            503: {$ref: '#/components/responses/Busy'}
        """
        reason = self.json_body().get("reason")
        return self.run(
            lambda: _invoice_json(withdraw_invoice(context.session(), g.user, pk, reason))
        )

    @expose("/<int:pk>/pay", methods=["POST"])
    @protect()
    @safe
    def pay(self, pk):
        """Record the payment: multipart with paid_on, amount, reference, payment_order.
        ---
        post:
          description: Record the payment of an invoice awaiting payment (the finance director)
          parameters:
          - {in: path, name: pk, required: true, schema: {type: integer, minimum: 1}}
          requestBody:
            required: true
            content:
              multipart/form-data:
                schema: {$ref: '#/components/schemas/PaymentForm'}
          responses:
            200:
              description: The payment recorded
              content:
                application/json:
                  schema:
                    type: object
                    required: [result]
                    properties:
                      result: {$ref: '#/components/schemas/Payment'}
            400: {$ref: '#/components/responses/BadRequest'}
            401: {$ref: '#/components/responses/401'}
            403: {$ref: '#/components/responses/Forbidden'}
            404: {$ref: '#/components/responses/NotFound'}
            409: {$ref: '#/components/responses/Conflict'}
            413: {$ref: '#/components/responses/TooLarge'}
            422: {$ref: '#/components/responses/Unprocessable'}
            503: {$ref: '#/components/responses/Busy'}
        """
        upload = request.files.get("payment_order")
        order = IncomingFile(upload.filename, upload.read()) if upload and upload.filename else None

        def action():
            payment = pay_invoice(
                context.session(),
                g.user,
                pk,
                request.form.to_dict(),
                order,
                context.file_storage(),
                context.max_file_size(),
                date.today(),
            )
            return {
                "id": payment.id,
                "paid_on": payment.paid_on.isoformat(),
                "amount": str(payment.amount),
                "reference": payment.reference,
            }

        return self.run(action)


def _row_json(row) -> dict:
    return {
        "id": row.task_guid,
        "title": task_title(row),
        "form": row.form,
        "invoice_id": row.invoice_id,
        "number": row.number,
        "amount": str(row.amount),
        "currency": row.currency,
        "counterparty": row.counterparty_name,
        "created_at": moment(row.created_at),
        "due_at": moment(row.due_at),
    }


def _task_json(task) -> dict:
    return {
        "id": task.task_guid,
        "title": task_title(task),
        "form": task.form,
        "status": task.status,
        "invoice_id": task.invoice_id,
        "round": task.round,
        "assignee_id": task.assignee_user_id,
        "role": task.candidate_role,
        "decision": task.decision,
        "comment": task.comment,
        "created_at": moment(task.created_at),
        "due_at": moment(task.due_at),
        "completed_at": moment(task.completed_at),
    }


def _invoice_json(invoice) -> dict:
    return {
        "id": invoice.id,
        "number": invoice.number,
        "status": invoice.status,
        "stage": invoice.stage,
    }


def _page_json(page) -> dict:
    return {
        **_task_json(page.task),
        "can_act": page.can_act,
        "invoice": {
            **_invoice_json(page.card.invoice),
            "amount": str(page.card.invoice.amount),
            "currency": page.card.invoice.currency,
            "counterparty": page.card.invoice.counterparty_name,
            # As submitted: the payment goes to this account.
            "counterparty_details": snapshot_of(page.card.invoice),
        },
        "history": [_task_json(t) for t in page.history],
        "files": [
            {"id": a.id, "filename": a.filename, "kind": a.kind} for a in page.card.attachments
        ],
    }
