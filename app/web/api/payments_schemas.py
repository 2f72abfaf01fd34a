"""The OpenAPI components of the payments API (app/web/api/payments.py): data only."""

from __future__ import annotations

from app.models import LineStatus
from app.web.api.openapi_schemas import (
    DAY,
    DECIMAL,
    ID,
    MOMENT,
    NULLABLE_ID,
    NULLABLE_TEXT,
    TEXT,
    json_object,
    ref,
)

NULLABLE_DAY = {**DAY, "nullable": True}
FORMAT = {"type": "string", "enum": ["1c", "csv"]}

AWAITING_PAYMENT = json_object(
    {
        "invoices": {
            "type": "array",
            "items": json_object(
                {
                    "id": ID,
                    "number": ID,
                    "counterparty": TEXT,
                    "tax_id": NULLABLE_TEXT,
                    "amount": DECIMAL,
                    "currency": TEXT,
                    "due_date": NULLABLE_DAY,
                    "payment_order_required": {"type": "boolean"},
                    "export_id": {
                        **NULLABLE_ID,
                        "description": "The batch it was exported in; null: not exported yet",
                    },
                    "problems": {
                        "type": "array",
                        "items": TEXT,
                        "description": "What a 1C payment order to it lacks",
                    },
                }
            ),
        },
        "totals": {
            "type": "object",
            "additionalProperties": DECIMAL,
            "description": "Per currency, over the invoices not exported yet",
        },
    }
)
PAYMENT_EXPORT = json_object(
    {
        "id": ID,
        "format": FORMAT,
        "file_name": TEXT,
        "sha256": {"type": "string", "pattern": "^[0-9a-f]{64}$"},
        "invoice_count": {"type": "integer", "minimum": 1},
        "total": DECIMAL,
        "currency": {**NULLABLE_TEXT, "description": "null: several currencies"},
        "created_at": MOMENT,
        "created_by": ID,
        "invoices": {"type": "array", "items": ID},
        "status": {
            "type": "string",
            "enum": ["exported", "cancelled"],
            "description": "cancelled: its invoices may be exported again in another batch",
        },
        "cancelled_at": {**MOMENT, "nullable": True},
        "cancelled_by": NULLABLE_ID,
        "cancel_reason": NULLABLE_TEXT,
    }
)
PAYMENT_EXPORT_CANCELLATION = json_object({"reason": {**TEXT, "minLength": 1, "maxLength": 1000}})
PAYMENT_EXPORT_REQUEST = {
    "type": "object",
    "properties": {
        "invoices": {"type": "array", "items": ID, "minItems": 1, "maxItems": 1000},
        "format": FORMAT,
        "delimiter": {"type": "string", "enum": [";", ",", "\t"], "description": "CSV only"},
        "decimal_mark": {"type": "string", "enum": [",", "."], "description": "CSV only"},
    },
    "required": ["invoices", "format"],
}
STATEMENT_SUMMARY_FIELDS = {
    "id": ID,
    "file_name": TEXT,
    "sha256": {"type": "string", "pattern": "^[0-9a-f]{64}$"},
    "account": NULLABLE_TEXT,
    "period_start": NULLABLE_DAY,
    "period_end": NULLABLE_DAY,
    "imported_at": MOMENT,
    "imported_by": ID,
}
STATEMENT_LINE = json_object(
    {
        "id": ID,
        "position": {"type": "integer", "minimum": 1},
        "status": {"type": "string", "enum": [str(s) for s in LineStatus]},
        "reason": NULLABLE_TEXT,
        "reason_text": NULLABLE_TEXT,
        "document_number": NULLABLE_TEXT,
        "document_date": NULLABLE_DAY,
        "debited_on": NULLABLE_DAY,
        "credited_on": NULLABLE_DAY,
        "amount": DECIMAL,
        "payer_inn": NULLABLE_TEXT,
        "payer_account": NULLABLE_TEXT,
        "recipient_inn": NULLABLE_TEXT,
        "recipient_account": NULLABLE_TEXT,
        "recipient_name": NULLABLE_TEXT,
        "purpose": NULLABLE_TEXT,
        "invoice_id": NULLABLE_ID,
        "invoice_number": NULLABLE_ID,
        "payment_id": NULLABLE_ID,
        "note": NULLABLE_TEXT,
    }
)
STATEMENT_UPLOAD = {
    "type": "object",
    "properties": {"file": {"type": "string", "format": "binary"}},
    "required": ["file"],
}
STATEMENT_CONFIRMATION = {
    "type": "object",
    "properties": {
        "line": {"type": "array", "items": ID, "description": "Lines to confirm; none: all"},
    },
    "additionalProperties": {"type": "string", "format": "binary"},
}
STATEMENT_CONFIRMED = json_object(
    {
        "paid": {
            "type": "array",
            "items": json_object({"line_id": ID, "invoice_id": ID, "payment_id": ID}),
        },
        "stale": {
            "type": "array",
            "items": ID,
            "description": "Lines whose invoice was paid meanwhile (now unmatched)",
        },
    }
)
LINE_RESOLUTION = {
    "type": "object",
    "properties": {
        "action": {"type": "string", "enum": ["match", "dismiss"]},
        "invoice": {"type": "integer", "minimum": 1, "description": "match: the invoice's number"},
        "note": {"type": "string", "maxLength": 1000, "description": "Required to dismiss"},
    },
    "required": ["action"],
}

SCHEMAS = {
    "AwaitingPayment": AWAITING_PAYMENT,
    "PaymentExport": PAYMENT_EXPORT,
    "PaymentExportRequest": PAYMENT_EXPORT_REQUEST,
    "PaymentExportCancellation": PAYMENT_EXPORT_CANCELLATION,
    "BankStatementSummary": json_object(STATEMENT_SUMMARY_FIELDS),
    "BankStatement": json_object(
        {**STATEMENT_SUMMARY_FIELDS, "lines": {"type": "array", "items": ref("StatementLine")}}
    ),
    "StatementLine": STATEMENT_LINE,
    "StatementUpload": STATEMENT_UPLOAD,
    "StatementConfirmation": STATEMENT_CONFIRMATION,
    "StatementConfirmed": STATEMENT_CONFIRMED,
    "LineResolution": LINE_RESOLUTION,
}
