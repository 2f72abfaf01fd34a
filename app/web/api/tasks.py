"""Tasks and process actions over REST: the same services and errors as the screens."""

from __future__ import annotations

from flask import g, request
from flask_appbuilder.api import BaseApi, expose, protect, safe
from sqlalchemy.exc import OperationalError

from app.domain.task_filters import (
    DIRECTIONS,
    DUE_CHOICES,
    FORM_KINDS,
    SORTS,
    read_task_filter,
)
from app.errors import InvoiceFlowError, ValidationError
from app.models.base import utcnow
from app.services.acknowledge_task import acknowledge_task
from app.services.attachments import IncomingFile
from app.services.bulk_decide import bulk_decide
from app.services.complete_task import decide
from app.services.counterparty_snapshot import snapshot_of
from app.services.my_tasks import my_open_tasks_matching
from app.services.pay_invoice import pay_invoice
from app.services.resubmit_invoice import resubmit_invoice
from app.services.submit_invoice import submit_invoice
from app.services.task_page import load_task_page
from app.services.withdraw_invoice import withdraw_invoice
from app.web import context
from app.web.api.base import busy_response, error_response, moment
from app.web.api.openapi import (
    ID,
    REFUSED_ACTION,
    REFUSED_READ,
    TASK_ID,
    DocumentedApi,
    in_query,
    listing,
    operation,
    path_id,
    ref,
)
from app.web.datamodel import LAST_PAGE
from app.web.date_input import reader_today
from app.web.templating import task_title

INVOICE_PK = path_id("pk")
# GET /tasks/mine narrowed and sorted as the My tasks screen (app.domain.task_filters).
MY_TASKS_QUERY = (
    in_query("page", {"type": "integer", "minimum": 1, "default": 1}),
    in_query("page_size", {"type": "integer", "minimum": 1, "maximum": 100, "default": 50}),
    in_query("kind", {"type": "string", "enum": list(FORM_KINDS)}),
    in_query("counterparty", ID, "A counterparty id"),
    in_query(
        "due",
        {"type": "string", "enum": list(DUE_CHOICES), "default": "any"},
        "overdue, or due before the end of this week (UTC), overdue included",
    ),
    in_query("amount_from", {"type": "string", "example": "1000.00"}),
    in_query("amount_to", {"type": "string", "example": "250 000,00"}),
    in_query("sort", {"type": "string", "enum": list(SORTS), "default": "waiting"}),
    in_query("dir", {"type": "string", "enum": list(DIRECTIONS), "default": "asc"}),
)


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
            return error_response(self, exc)
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
        "bulk_decide": "read",
    }
    base_permissions = ["can_read"]

    @operation(
        "post",
        "Approve several approval tasks, each in a transaction of its own and audited as a single "
        "decision would be. Answers one result per task, in the order sent: approved, already "
        "handled (by you or someone else, meanwhile) or refused with the reason. At most "
        "BULK_DECISION_MAX_TASKS tasks (100 by default) per request.",
        body=ref("BulkDecision"),
        ok=("One result per task", listing(ref("BulkResult"))),
        refusals=("400", "401", "403", "422", "503"),
    )
    @expose("/bulk-decide", methods=["POST"])
    @protect()
    @safe
    def bulk_decide(self):
        """Approve several tasks with one comment: {"tasks": [...], "comment": "..."}."""
        body = self.json_body()

        def action():
            results = bulk_decide(
                context.session(),
                g.user,
                body.get("tasks"),
                body.get("decision"),
                body.get("comment"),
                context.bulk_max_tasks(),
            )
            return [_bulk_json(r) for r in results]

        return self.run(action)

    @operation(
        "get",
        "My open tasks, those waiting longest first; narrowed and sorted as on the My tasks "
        "screen (a value that cannot be read is 400)",
        query=MY_TASKS_QUERY,
        ok=("One page of my open tasks", listing(ref("TaskRow"))),
        refusals=("400", "401", "403"),
    )
    @expose("/mine", methods=["GET"])
    @protect()
    @safe
    def mine(self):
        """Open tasks assigned to me or offered to my roles."""
        page = min(max(request.args.get("page", 1, type=int) or 1, 1), LAST_PAGE)
        size = min(max(request.args.get("page_size", 50, type=int) or 50, 1), 100)
        try:
            task_filter = read_task_filter(request.args, strict=True)
        except ValidationError as exc:
            return self.response_400(
                message={k: [str(m) for m in v] for k, v in exc.errors.items()}
            )
        rows = my_open_tasks_matching(
            context.session(), g.user, task_filter, utcnow(), size, (page - 1) * size
        )
        return self.response(200, result=[_row_json(r) for r in rows])

    @operation(
        "get",
        "One task with its invoice, files and the approval history",
        path=(TASK_ID,),
        ok=("The task", ref("TaskPage")),
        refusals=REFUSED_READ,
    )
    @expose("/<task_id>", methods=["GET"])
    @protect()
    @safe
    def get(self, task_id):
        """One task with its invoice and the approval history."""
        return self.run(lambda: _page_json(load_task_page(context.session(), g.user, task_id)))

    @operation(
        "post",
        "Decide an approval task; a comment is required to return or reject",
        path=(TASK_ID,),
        body=ref("Decision"),
        ok=("The task as decided", ref("Task")),
        refusals=REFUSED_ACTION,
    )
    @expose("/<task_id>/decision", methods=["POST"])
    @protect()
    @safe
    def decision(self, task_id):
        """Approve, return or reject: {"decision": "...", "comment": "..."}."""
        body = self.json_body()
        return self.run_on_task(
            lambda: decide(
                context.session(), g.user, task_id, body.get("decision"), body.get("comment")
            )
        )

    @operation(
        "post",
        "Acknowledge a task of form `acknowledge`, with an optional note",
        path=(TASK_ID,),
        body=ref("Acknowledgement"),
        body_required=False,
        ok=("The task as acknowledged", ref("Task")),
        refusals=REFUSED_ACTION,
    )
    @expose("/<task_id>/acknowledge", methods=["POST"])
    @protect()
    @safe
    def acknowledge(self, task_id):
        """Acknowledge a task of form `acknowledge`: {"note": "..."} (optional)."""
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

    @operation(
        "post",
        "Start the approval process of a draft (its initiator only)",
        path=(INVOICE_PK,),
        ok=("The invoice in its first stage", ref("InvoiceState")),
        refusals=REFUSED_ACTION,
    )
    @expose("/<int:pk>/submit", methods=["POST"])
    @protect()
    @safe
    def submit(self, pk):
        """Start the approval process of a draft."""
        return self.run(
            lambda: _invoice_json(
                submit_invoice(context.session(), g.user, pk, context.invoice_policy())
            )
        )

    @operation(
        "post",
        "Send a corrected invoice back to its approvers (its initiator only)",
        path=(INVOICE_PK,),
        ok=("The invoice in its first stage again", ref("InvoiceState")),
        refusals=REFUSED_ACTION,
    )
    @expose("/<int:pk>/resubmit", methods=["POST"])
    @protect()
    @safe
    def resubmit(self, pk):
        """Send a corrected invoice back to its approvers."""
        return self.run(
            lambda: _invoice_json(
                resubmit_invoice(context.session(), g.user, pk, context.invoice_policy())
            )
        )

    @operation(
        "post",
        "Cancel an invoice that is not closed (its initiator only)",
        path=(INVOICE_PK,),
        body=ref("Withdrawal"),
        ok=("The cancelled invoice", ref("InvoiceState")),
        refusals=REFUSED_ACTION,
    )
    @expose("/<int:pk>/withdraw", methods=["POST"])
    @protect()
    @safe
    def withdraw(self, pk):
        """Cancel an invoice that is not paid: {"reason": "..."}."""
        reason = self.json_body().get("reason")
        return self.run(
            lambda: _invoice_json(withdraw_invoice(context.session(), g.user, pk, reason))
        )

    @operation(
        "post",
        "Record the payment of an invoice awaiting payment (the finance director)",
        path=(INVOICE_PK,),
        form=ref("PaymentForm"),
        ok=("The payment recorded", ref("Payment")),
        refusals=(*REFUSED_ACTION, "413"),
    )
    @expose("/<int:pk>/pay", methods=["POST"])
    @protect()
    @safe
    def pay(self, pk):
        """Record the payment: multipart with paid_on, amount, reference, payment_order."""
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
                reader_today(),
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
        "on_behalf_of": row.on_behalf_of,
    }


def _bulk_json(result) -> dict:
    return {
        "id": result.task_ref,
        "outcome": result.outcome,
        "reason": result.reason,
        "message": result.message,
        "invoice_id": result.invoice_id,
        "number": result.number,
        "title": task_title(result) if result.title_template else None,
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
