"""For finance directors: export invoices for payment, import the bank's statement, confirm."""

from __future__ import annotations

from flask import Response, current_app, redirect, request, url_for
from flask_appbuilder import BaseView, expose
from flask_appbuilder.security.decorators import has_access

from app.domain.client_bank_format import Payer
from app.errors import InvoiceFlowError, ValidationError
from app.i18n import _
from app.models.base import utcnow
from app.services.attachments import IncomingFile
from app.services.bank_statement import (
    confirm_payments,
    get_statement,
    import_statement,
    recent_statements,
    resolve_line,
)
from app.services.cancel_payment_export import batches_with_paid_invoices, cancel_export
from app.services.payment_export import (
    awaiting_payment,
    download_export,
    download_name,
    export_for_payment,
    recent_exports,
)
from app.services.statement_matching import reason_text
from app.web import context
from app.web.context import say
from app.web.date_input import reader_today
from app.web.views.invoice_list import csv_dialect

ORDER_FIELD = "payment_order_"  # + the line's id: that line's payment order file
FORMAT_LABELS = {"1c": _("1C Client-Bank"), "csv": "CSV"}
STATUS_LABELS = {
    "proposed": _("proposed"),
    "paid": _("paid"),
    "unmatched": _("unmatched"),
    "dismissed": _("dismissed"),
}


def company_payer() -> Payer:
    """Our company's details, from the settings (config.py, COMPANY_*)."""
    config = current_app.config
    return Payer(
        name=config["COMPANY_NAME"],
        inn=config["COMPANY_INN"],
        kpp=config["COMPANY_KPP"],
        account=config["COMPANY_ACCOUNT"],
        bik=config["COMPANY_BIK"],
        bank=config["COMPANY_BANK"],
        bank_city=config["COMPANY_BANK_CITY"],
        corr_account=config["COMPANY_CORR_ACCOUNT"],
    )


def file_answer(batch) -> Response:
    mimetype = "text/csv" if batch.format == "csv" else "text/plain; charset=windows-1251"
    response = Response(batch.content, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{download_name(batch)}"'
    response.headers["X-Payment-Export-Status"] = "cancelled" if batch.cancelled else "exported"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["X-Content-SHA256"] = batch.sha256
    return response


def orders_in_request() -> dict[int, IncomingFile]:
    """The payment order files a confirmation brings, by line id."""
    orders = {}
    for name, upload in request.files.items():
        suffix = name.removeprefix(ORDER_FIELD)
        if name.startswith(ORDER_FIELD) and suffix.isdigit() and upload and upload.filename:
            orders[int(suffix)] = IncomingFile(upload.filename, upload.read())
    return orders


def messages_of(exc: InvoiceFlowError) -> list[str]:
    if isinstance(exc, ValidationError):
        return [str(m) for messages in exc.errors.values() for m in messages]
    return [str(exc.message)]


class PaymentsView(BaseView):
    route_base = "/payments"
    default_view = "export_screen"
    class_permission_name = "Payments"
    method_permission_name = {
        "export_screen": "read",
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

    @expose("/export", methods=["GET"])
    @has_access
    def export_screen(self):
        return self._export_page()

    @expose("/export", methods=["POST"])
    @has_access
    def export(self):
        try:
            batch = export_for_payment(
                context.session(),
                context.actor(),
                request.form.getlist("invoice"),
                request.form.get("format", ""),
                company_payer(),
                utcnow(),
                csv_dialect(),
            )
        except InvoiceFlowError as exc:
            for message in messages_of(exc):
                say(message, "danger")
            return self._export_page(), exc.status_code
        say(
            _("Batch %(id)s made: %(n)s invoices. Download its file below.",
              id=batch.id, n=batch.invoice_count),
            "success",
        )  # fmt: skip
        return redirect(url_for(".export_screen", made=batch.id))

    @expose("/exports/<int:export_id>/file")
    @has_access
    def export_file(self, export_id):
        """The batch's file (again): audited each time."""
        return file_answer(download_export(context.session(), context.actor(), export_id))

    @expose("/exports/<int:export_id>/cancel", methods=["POST"])
    @has_access
    def cancel(self, export_id):
        try:
            cancel_export(
                context.session(), context.actor(), export_id, request.form.get("reason"), utcnow()
            )
        except InvoiceFlowError as exc:
            for message in messages_of(exc):
                say(message, "danger")
            return self._export_page(), exc.status_code
        say(
            _("Batch %(id)s cancelled: its invoices can be exported again.", id=export_id),
            "success",
        )
        return redirect(url_for(".export_screen"))

    def _export_page(self):
        session, actor = context.session(), context.actor()
        exports = recent_exports(session, actor)
        return self.render_template(
            "payments/export.html",
            title=_("Export for payment"),
            awaiting=awaiting_payment(session, actor),
            exports=exports,
            paid_from=batches_with_paid_invoices(session, exports),
            made=request.args.get("made", type=int),
            format_labels=FORMAT_LABELS,
            company_missing=company_payer().missing(),
        )

    @expose("/statements", methods=["GET"])
    @has_access
    def statements(self):
        return self._statements_page()

    @expose("/statements", methods=["POST"])
    @has_access
    def upload_statement(self):
        upload = request.files.get("file")
        if not upload or not upload.filename:
            say(_("Choose the bank statement file."), "danger")
            return self._statements_page(), 400
        try:
            statement = import_statement(
                context.session(),
                context.actor(),
                upload.filename,
                upload.read(),
                company_payer(),
                current_app.config["BANK_STATEMENT_MAX_BYTES"],
            )
        except InvoiceFlowError as exc:
            for message in messages_of(exc):
                say(message, "danger")
            return self._statements_page(), exc.status_code
        return redirect(url_for(".statement", statement_id=statement.id))

    def _statements_page(self):
        return self.render_template(
            "payments/statements.html",
            title=_("Bank statements"),
            statements=recent_statements(context.session(), context.actor()),
        )

    @expose("/statements/<int:statement_id>")
    @has_access
    def statement(self, statement_id):
        return self._statement_page(statement_id)

    def _statement_page(self, statement_id):
        statement = get_statement(context.session(), context.actor(), statement_id)
        return self.render_template(
            "payments/statement.html",
            title=_("Bank statement %(id)s", id=statement.id),
            statement=statement,
            reason_text=reason_text,
            status_labels=STATUS_LABELS,
            order_field=ORDER_FIELD,
        )

    @expose("/statements/<int:statement_id>/confirm", methods=["POST"])
    @has_access
    def confirm(self, statement_id):
        try:
            result = confirm_payments(
                context.session(),
                context.actor(),
                statement_id,
                request.form.getlist("line"),
                orders_in_request(),
                context.file_storage(),
                context.max_file_size(),
                reader_today(),
            )
        except InvoiceFlowError as exc:
            for message in messages_of(exc):
                say(message, "danger")
            return self._statement_page(statement_id), exc.status_code
        say(_("%(n)s invoices paid.", n=len(result.paid)), "success")
        for line in result.stale:
            say(_("Line %(n)s: %(why)s", n=line.position, why=reason_text(line.reason)), "warning")
        return redirect(url_for(".statement", statement_id=statement_id))

    @expose("/statements/<int:statement_id>/lines/<int:line_id>", methods=["POST"])
    @has_access
    def resolve(self, statement_id, line_id):
        try:
            resolve_line(context.session(), context.actor(), line_id, request.form.to_dict())
        except InvoiceFlowError as exc:
            for message in messages_of(exc):
                say(message, "danger")
            return self._statement_page(statement_id), exc.status_code
        say(_("Line resolved."), "success")
        return redirect(url_for(".statement", statement_id=statement_id))
