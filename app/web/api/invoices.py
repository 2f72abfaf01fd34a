"""Invoices over REST: FAB's list and get; create, update and files through services."""

from __future__ import annotations

from flask import request
from flask_appbuilder.api import expose, protect, safe
from sqlalchemy import select
from sqlalchemy.exc import OperationalError

from app.domain.money import plain_amount
from app.errors import InvoiceFlowError, ValidationError
from app.models import Invoice, InvoiceApprover
from app.services.attachments import (
    IncomingFile,
    active_attachments,
    add_attachments,
    get_visible_attachment,
)
from app.services.counterparty_snapshot import SNAPSHOT_COLUMNS
from app.services.create_invoice import create_invoice
from app.services.invoice_input import CARD_FIELDS
from app.services.update_invoice import update_invoice
from app.services.visibility import get_visible_invoice
from app.web import context
from app.web.api import openapi
from app.web.api.base import (
    ServiceModelRestApi,
    busy_response,
    duplicate_json,
    error_response,
    moment,
)
from app.web.datamodel import InvoiceFlowInterface
from app.web.files import send_attachment
from app.web.filters import VisibleInvoicesFilter

WRITABLE = {*CARD_FIELDS, "approvers"}
# Ids of related rows: written as given, shown as the relation's columns.
RELATED_IDS = {"counterparty_id", "department_id", "cost_centre_id"}
FIELDS = [
    "id",
    "number",
    "status",
    "stage",
    *(name for name in CARD_FIELDS if name not in RELATED_IDS),
    "counterparty.id",
    # The counterparty as the invoice names it (app/services/counterparty_snapshot.py).
    *SNAPSHOT_COLUMNS.values(),
    "initiator.id",
    "initiator.username",
    "lock_version",
    "created_at",
    "updated_at",
]
INVOICE_PK = openapi.path_id("pk")
FILE_ANSWER = {
    "description": "The file",
    "headers": {
        "Content-Disposition": {
            "description": "attachment; filename=...",
            "schema": {"type": "string"},
        }
    },
    "content": {"*/*": {"schema": {"type": "string", "format": "binary"}}},
}


class InvoiceApi(ServiceModelRestApi):
    resource_name = "invoice"
    class_permission_name = "Invoice"
    datamodel = InvoiceFlowInterface(Invoice)
    include_route_methods = {
        "get",
        "get_list",
        "info",
        "post",
        "put",
        "upload",
        "download",
        "attachments",
    }
    base_filters = [["id", VisibleInvoicesFilter, lambda: None]]
    list_columns = [
        "id",
        "number",
        "status",
        "amount",
        "currency",
        "counterparty_name",
        "counterparty_tax_id",
        "issue_date",
        "due_date",
        "vendor_invoice_no",
        "initiator.id",
    ]
    show_columns = FIELDS
    add_columns = edit_columns = sorted(WRITABLE - {"approvers", *RELATED_IDS})
    search_columns = [
        "number",
        "status",
        "amount",
        "issue_date",
        "counterparty_name",
        "counterparty",
        "vendor_invoice_no",
    ]
    order_columns = ["number", "issue_date", "amount", "status"]
    base_order = ("id", "desc")
    openapi_new_schema = "InvoiceNew"
    openapi_edit_schema = "InvoiceEdit"
    openapi_edit_conflicts = True
    openapi_card_extra = {"approvers": {"type": "array", "items": openapi.ref("InvoiceApprover")}}

    def pre_get(self, data):
        """Add the approval data: approvers in order, with who approved and when."""
        data["result"]["approvers"] = approvers_json(context.session(), data["id"])
        _amounts_in_minor_units(data["result"])

    def pre_get_list(self, data):
        for row in data["result"]:
            _amounts_in_minor_units(row)

    def create(self, data):
        return create_invoice(
            context.session(), context.actor(), _writable(data), context.invoice_policy()
        )

    def update(self, pk, data):
        return update_invoice(
            context.session(),
            context.actor(),
            pk,
            _writable(data),
            context.invoice_policy(),
            expected_lock_version=data.get("lock_version"),
        )

    @openapi.operation(
        "get",
        "The invoice's files (those not removed), oldest first",
        path=(INVOICE_PK,),
        ok=("The files", openapi.listing(openapi.ref("Attachment"))),
        refusals=openapi.REFUSED_READ,
    )
    @expose("/<int:pk>/attachments", methods=["GET"])
    @protect()
    @safe
    def attachments(self, pk):
        """List an invoice's files."""
        try:
            invoice = get_visible_invoice(context.session(), context.actor(), pk)
        except InvoiceFlowError:
            return self.response_404()
        files = active_attachments(context.session(), invoice.id)
        return self.response(200, result=[_attachment_json(a) for a in files])

    @openapi.operation(
        "post",
        "Add files to the invoice at any stage (audited). Warnings name invoices that already "
        "hold the same file.",
        path=(INVOICE_PK,),
        form=openapi.ref("FilesUpload"),
        ok=openapi.result(
            "The files added",
            openapi.listing(openapi.ref("Attachment")),
            warnings=openapi.listing(openapi.ref("DuplicateWarning")),
        ),
        ok_status="201",
        refusals=(*openapi.REFUSED_ACTION, "413"),
    )
    @expose("/<int:pk>/attachments", methods=["POST"])
    @protect()
    @safe
    def upload(self, pk):
        """Upload files (multipart field `files`, optional `kind`)."""
        kind = request.form.get("kind") or "other"
        files = [
            IncomingFile(f.filename or "", f.read(), kind)
            for f in request.files.getlist("files")
            if f
        ]
        try:
            added = add_attachments(
                context.session(),
                context.actor(),
                pk,
                files,
                context.file_storage(),
                context.max_file_size(),
            )
        except ValidationError as exc:
            return self.response_422(
                message={k: [str(m) for m in v] for k, v in exc.errors.items()}
            )
        except InvoiceFlowError as exc:
            return error_response(self, exc)
        except OperationalError as exc:
            return busy_response(self, exc)
        return self.response(
            201,
            result=[_attachment_json(a) for a in added.files],
            warnings=[duplicate_json(w) for w in added.warnings],
        )

    @openapi.operation(
        "get",
        "The file's bytes, served as an attachment under its name, with the type found by "
        "sniffing its content",
        path=(INVOICE_PK, openapi.path_id("attachment_id")),
        ok=FILE_ANSWER,
        refusals=openapi.REFUSED_READ,
    )
    @expose("/<int:pk>/attachments/<int:attachment_id>", methods=["GET"])
    @protect()
    @safe
    def download(self, pk, attachment_id):
        """Download one file as an attachment."""
        try:
            attachment = get_visible_attachment(context.session(), context.actor(), attachment_id)
        except InvoiceFlowError:
            return self.response_404()
        if attachment.invoice_id != pk:
            return self.response_404()
        try:
            return send_attachment(attachment)
        except InvoiceFlowError as exc:  # the storage: bytes missing (404), unreachable (503)
            return error_response(self, exc)


def approvers_json(session, invoice_id) -> list[dict]:
    rows = session.scalars(
        select(InvoiceApprover)
        .where(InvoiceApprover.invoice_id == int(invoice_id))
        .order_by(InvoiceApprover.position)
    )
    return [
        {
            "position": a.position,
            "user_id": a.user_id,
            "username": a.user.username,
            "approved_at": moment(a.approved_at),
        }
        for a in rows
    ]


def _amounts_in_minor_units(row: dict) -> None:
    """Amounts read as their currency writes them: 1000000 JPY, 1234.567 KWD, 1234.50 RUB."""
    for field in ("amount", "vat_amount"):
        if row.get(field) is not None:
            row[field] = plain_amount(row[field], row.get("currency"))


def _writable(data: dict) -> dict:
    return {k: v for k, v in data.items() if k in WRITABLE}


def _attachment_json(a) -> dict:
    return {
        "id": a.id,
        "filename": a.filename,
        "kind": a.kind,
        "size": a.size,
        "content_type": a.content_type,
        "sha256": a.sha256,
        "uploaded_by_id": a.uploaded_by_id,
        "uploaded_at": moment(a.uploaded_at),
    }
