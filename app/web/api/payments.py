"""Export for payment and bank statements over REST: the same services as the screens."""

from __future__ import annotations

from flask import current_app, g, request
from flask_appbuilder.api import expose, protect, safe

from app.errors import InvoiceFlowError
from app.models.base import utcnow
from app.services.bank_statement import (
    confirm_payments,
    get_statement,
    import_statement,
    recent_statements,
    resolve_line,
)
from app.services.cancel_payment_export import cancel_export
from app.services.payment_export import (
    awaiting_payment,
    download_export,
    export_for_payment,
    recent_exports,
)
from app.services.statement_matching import reason_text
from app.web import context
from app.web.api.base import error_response, moment
from app.web.api.openapi import (
    REFUSED_ACTION,
    REFUSED_READ,
    listing,
    operation,
    path_id,
    ref,
    register_schemas,
)
from app.web.api.payments_schemas import SCHEMAS
from app.web.api.tasks import ActionApi
from app.web.date_input import reader_today
from app.web.views.payments import ORDER_FIELD, company_payer, file_answer, orders_in_request


class PaymentsApi(ActionApi):
    resource_name = "payments"
    class_permission_name = "Payments"
    method_permission_name = {
        "awaiting": "read",
        "exports": "read",
        "export": "read",
        "export_file": "read",
        "cancel": "read",
        "statements": "read",
        "upload_statement": "read",
        "statement": "read",
        "confirm": "read",
        "resolve": "read",
    }
    base_permissions = ["can_read"]

    def add_apispec_components(self, api_spec) -> None:
        super().add_apispec_components(api_spec)
        register_schemas(api_spec, SCHEMAS)

    @operation(
        "get",
        "The invoices awaiting payment (those not exported yet first), with the totals per "
        "currency of those not exported, and what a 1C payment order to each lacks",
        ok=("Invoices awaiting payment", ref("AwaitingPayment")),
        refusals=("401", "403"),
    )
    @expose("/awaiting", methods=["GET"])
    @protect()
    @safe
    def awaiting(self):
        """Invoices awaiting payment."""
        return self.run(lambda: _awaiting_json(awaiting_payment(context.session(), g.user)))

    @operation(
        "get",
        "The latest export batches, newest first",
        ok=("Batches", listing(ref("PaymentExport"))),
        refusals=("401", "403"),
    )
    @expose("/exports", methods=["GET"])
    @protect()
    @safe
    def exports(self):
        """Export batches."""
        return self.run(lambda: [_batch_json(b) for b in recent_exports(context.session(), g.user)])

    @operation(
        "post",
        "Export invoices awaiting payment as a new batch: `1c` (1C Client-Bank exchange file, "
        "windows-1251, a payment order per invoice) or `csv`. An invoice already in a batch is "
        "refused with 409: download that batch's file again instead.",
        body=ref("PaymentExportRequest"),
        ok=("The batch made", ref("PaymentExport")),
        ok_status="201",
        refusals=REFUSED_ACTION,
    )
    @expose("/exports", methods=["POST"])
    @protect()
    @safe
    def export(self):
        """Export invoices for payment."""
        body = self.json_body()
        ids = body.get("invoices") if isinstance(body.get("invoices"), list) else []

        def action():
            batch = export_for_payment(
                context.session(),
                g.user,
                ids,
                body.get("format", ""),
                company_payer(),
                utcnow(),
                (str(body.get("delimiter") or ";")[:1], str(body.get("decimal_mark") or ",")[:1]),
            )
            return _batch_json(batch)

        return self.run(action, 201)

    @operation(
        "get",
        "The batch's file, the same bytes every time (the explicit re-export; audited). "
        "X-Content-SHA256 carries its digest.",
        path=(path_id("export_id"),),
        ok={"description": "The file", "content": {"text/plain": {}, "text/csv": {}}},
        refusals=REFUSED_READ,
    )
    @expose("/exports/<int:export_id>/file", methods=["GET"])
    @protect()
    @safe
    def export_file(self, export_id):
        """Download a batch's file."""
        try:
            batch = download_export(context.session(), g.user, export_id)
        except InvoiceFlowError as exc:
            return error_response(self, exc)
        return file_answer(batch)

    @operation(
        "post",
        "Cancel a batch, with a reason, while none of its invoices is paid: its invoices may be "
        "exported again in another batch. A batch with a paid invoice, or one cancelled "
        "already: 409. The batch stays listed (status `cancelled`, who, when, why); its file "
        "still downloads, named CANCELLED-... with X-Payment-Export-Status: cancelled.",
        path=(path_id("export_id"),),
        body=ref("PaymentExportCancellation"),
        ok=("The cancelled batch", ref("PaymentExport")),
        refusals=REFUSED_ACTION,
    )
    @expose("/exports/<int:export_id>/cancel", methods=["POST"])
    @protect()
    @safe
    def cancel(self, export_id):
        """Cancel an export batch."""
        reason = self.json_body().get("reason")

        def action():
            with context.kept_after_commit():
                batch = cancel_export(context.session(), g.user, export_id, reason, utcnow())
            return _batch_json(batch)

        return self.run(action)

    @operation(
        "get",
        "The latest imported bank statements, newest first",
        ok=("Statements", listing(ref("BankStatementSummary"))),
        refusals=("401", "403"),
    )
    @expose("/statements", methods=["GET"])
    @protect()
    @safe
    def statements(self):
        """Bank statements."""
        return self.run(
            lambda: [_summary_json(s) for s in recent_statements(context.session(), g.user)]
        )

    @operation(
        "post",
        "Import a bank statement (multipart `file`: 1C Client-Bank format, windows-1251 or "
        "UTF-8): its lines are matched to invoices awaiting payment (by the invoice's number in "
        "the purpose, the recipient's INN and the amount). The same file twice: 409.",
        form=ref("StatementUpload"),
        ok=("The statement with its lines", ref("BankStatement")),
        ok_status="201",
        refusals=(*REFUSED_ACTION, "413"),
    )
    @expose("/statements", methods=["POST"])
    @protect()
    @safe
    def upload_statement(self):
        """Import a bank statement."""
        upload = request.files.get("file")
        name = upload.filename if upload else ""
        data = upload.read() if upload else b""

        def action():
            return _statement_json(
                import_statement(
                    context.session(),
                    g.user,
                    name,
                    data,
                    company_payer(),
                    current_app.config["BANK_STATEMENT_MAX_BYTES"],
                )
            )

        return self.run(action, 201)

    @operation(
        "get",
        "A statement with its lines: proposals, payments made, unmatched and dismissed lines",
        path=(path_id("statement_id"),),
        ok=("The statement", ref("BankStatement")),
        refusals=REFUSED_READ,
    )
    @expose("/statements/<int:statement_id>", methods=["GET"])
    @protect()
    @safe
    def statement(self, statement_id):
        """A bank statement."""
        return self.run(
            lambda: _statement_json(get_statement(context.session(), g.user, statement_id))
        )

    @operation(
        "post",
        "Confirm the statement's proposals in one step: each pays its invoice (dated the day "
        "the money left the account, the line recorded with the payment). Multipart: `line` "
        f"(repeated; none: every proposal) and `{ORDER_FIELD}<line id>` files for invoices that "
        "require a payment order (without one: 422, nothing paid).",
        path=(path_id("statement_id"),),
        form=ref("StatementConfirmation"),
        body_required=False,
        ok=("What was paid", ref("StatementConfirmed")),
        refusals=(*REFUSED_ACTION, "413"),
    )
    @expose("/statements/<int:statement_id>/confirm", methods=["POST"])
    @protect()
    @safe
    def confirm(self, statement_id):
        """Confirm proposed payments."""

        def action():
            result = confirm_payments(
                context.session(),
                g.user,
                statement_id,
                request.form.getlist("line"),
                orders_in_request(),
                context.file_storage(),
                context.max_file_size(),
                reader_today(),
            )
            return {
                "paid": [
                    {"line_id": line.id, "invoice_id": p.invoice_id, "payment_id": p.id}
                    for line, p in result.paid
                ],
                "stale": [line.id for line in result.stale],
            }

        return self.run(action)

    @operation(
        "post",
        "Resolve an unmatched line: match it to an invoice by number (it becomes a proposal) "
        "or dismiss it with a note",
        path=(path_id("line_id"),),
        body=ref("LineResolution"),
        ok=("The line", ref("StatementLine")),
        refusals=REFUSED_ACTION,
    )
    @expose("/statement-lines/<int:line_id>/resolve", methods=["POST"])
    @protect()
    @safe
    def resolve(self, line_id):
        """Resolve an unmatched statement line."""
        body = self.json_body()
        return self.run(lambda: _line_json(resolve_line(context.session(), g.user, line_id, body)))


def _awaiting_json(awaiting) -> dict:
    return {
        "invoices": [
            {
                "id": row.invoice.id,
                "number": row.invoice.number,
                "counterparty": row.invoice.counterparty_name,
                "tax_id": row.invoice.counterparty_tax_id,
                "amount": str(row.invoice.amount),
                "currency": row.invoice.currency,
                "due_date": row.invoice.due_date.isoformat() if row.invoice.due_date else None,
                "payment_order_required": row.invoice.payment_order_required,
                "export_id": row.export_id,
                "problems": row.problems,
            }
            for row in awaiting.rows
        ],
        "totals": {currency: str(total) for currency, total in awaiting.totals.items()},
    }


def _batch_json(batch) -> dict:
    return {
        "id": batch.id,
        "format": batch.format,
        "file_name": batch.file_name,
        "sha256": batch.sha256,
        "invoice_count": batch.invoice_count,
        "total": str(batch.total),
        "currency": batch.currency,
        "created_at": moment(batch.created_at),
        "created_by": batch.created_by_id,
        "invoices": [item.invoice_id for item in batch.items],
        "status": "cancelled" if batch.cancelled else "exported",
        "cancelled_at": moment(batch.cancelled_at),
        "cancelled_by": batch.cancelled_by_id,
        "cancel_reason": batch.cancel_reason,
    }


def _summary_json(statement) -> dict:
    return {
        "id": statement.id,
        "file_name": statement.file_name,
        "sha256": statement.sha256,
        "account": statement.account,
        "period_start": _day(statement.period_start),
        "period_end": _day(statement.period_end),
        "imported_at": moment(statement.imported_at),
        "imported_by": statement.imported_by_id,
    }


def _statement_json(statement) -> dict:
    return {**_summary_json(statement), "lines": [_line_json(line) for line in statement.lines]}


def _line_json(line) -> dict:
    return {
        "id": line.id,
        "position": line.position,
        "status": line.status,
        "reason": line.reason,
        "reason_text": reason_text(line.reason) if line.reason else None,
        "document_number": line.document_number,
        "document_date": _day(line.document_date),
        "debited_on": _day(line.debited_on),
        "credited_on": _day(line.credited_on),
        "amount": str(line.amount),
        "payer_inn": line.payer_inn,
        "payer_account": line.payer_account,
        "recipient_inn": line.recipient_inn,
        "recipient_account": line.recipient_account,
        "recipient_name": line.recipient_name,
        "purpose": line.purpose,
        "invoice_id": line.invoice_id,
        "invoice_number": line.invoice.number if line.invoice else None,
        "payment_id": line.payment_id,
        "note": line.note,
    }


def _day(value):
    return value.isoformat() if value else None
