"""The components of the OpenAPI document: the JSON the API reads and answers, and its refusals.

Data only; `app.web.api.openapi` registers them and describes the operations that name them.
"""

from __future__ import annotations

from app.domain.ids import MAX_ID
from app.models import AttachmentKind, InvoiceStatus
from app.services.bulk_decide import OUTCOMES, REASONS

TEXT = {"type": "string"}
NULLABLE_TEXT = {"type": "string", "nullable": True}
ID = {"type": "integer", "minimum": 1, "maximum": MAX_ID}
NULLABLE_ID = {**ID, "nullable": True}
MOMENT = {"type": "string", "format": "date-time"}
NULLABLE_MOMENT = {**MOMENT, "nullable": True}
DAY = {"type": "string", "format": "date"}
DECIMAL = {"type": "string", "format": "decimal", "example": "1234.56"}
# What the card accepts: 1234.56, 1 234,56 or a JSON number.
AMOUNT_INPUT = {
    "oneOf": [
        {"type": "string", "pattern": r"^[0-9]{1,12}([.,][0-9]{1,3})?$", "example": "1234.56"},
        {"type": "number", "minimum": 0.01, "maximum": 10**12},
    ]
}
STATUS = {"type": "string", "enum": [str(s) for s in InvoiceStatus]}
KIND = {"type": "string", "enum": [str(k) for k in AttachmentKind]}


def json_object(properties: dict, optional: tuple[str, ...] = ()) -> dict:
    """A JSON object with exactly these keys; all required unless named optional."""
    return {
        "type": "object",
        "properties": properties,
        "required": [name for name in properties if name not in optional],
        "additionalProperties": False,
    }


def ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


ATTACHMENT = json_object(
    {
        "id": ID,
        "filename": TEXT,
        "kind": KIND,
        "size": {"type": "integer", "minimum": 0},
        "content_type": TEXT,
        "sha256": TEXT,
        "uploaded_by_id": NULLABLE_ID,
        "uploaded_at": MOMENT,
    }
)
DUPLICATE_WARNING = json_object(
    {
        "reason": {"type": "string", "enum": ["vendor_invoice_no", "file"]},
        "can_open": {"type": "boolean"},
        "other_invoice_id": NULLABLE_ID,
        "other_invoice_number": {"type": "integer", "nullable": True},
        "detail": NULLABLE_TEXT,
        "message": TEXT,
    }
)
INVOICE_APPROVER = json_object(
    {
        "position": {"type": "integer", "minimum": 1},
        "user_id": ID,
        "username": TEXT,
        "approved_at": NULLABLE_MOMENT,
    }
)
INVOICE_STATE = json_object(
    {
        "id": ID,
        "number": {"type": "integer", "nullable": True},
        "status": STATUS,
        "stage": NULLABLE_TEXT,
    }
)
TASK = json_object(
    {
        "id": {"type": "string", "format": "uuid"},
        "title": TEXT,
        "form": NULLABLE_TEXT,
        "status": TEXT,
        "invoice_id": ID,
        "round": {"type": "integer"},
        "assignee_id": NULLABLE_ID,
        "role": NULLABLE_TEXT,
        "decision": NULLABLE_TEXT,
        "comment": NULLABLE_TEXT,
        "created_at": MOMENT,
        "due_at": NULLABLE_MOMENT,
        "completed_at": NULLABLE_MOMENT,
    }
)
TASK_ROW = json_object(
    {
        "id": {"type": "string", "format": "uuid"},
        "title": TEXT,
        "form": NULLABLE_TEXT,
        "invoice_id": ID,
        "number": {"type": "integer", "nullable": True},
        "amount": DECIMAL,
        "currency": TEXT,
        "counterparty": NULLABLE_TEXT,
        "created_at": MOMENT,
        "due_at": NULLABLE_MOMENT,
        "on_behalf_of": {
            **NULLABLE_ID,
            "description": "The absent person whose task this is, when I am their deputy",
        },
    }
)
TASK_PAGE = json_object(
    {
        **TASK["properties"],
        "can_act": {"type": "boolean"},
        "invoice": json_object(
            {
                **INVOICE_STATE["properties"],
                "amount": DECIMAL,
                "currency": TEXT,
                "counterparty": NULLABLE_TEXT,
                # As submitted (app/services/counterparty_snapshot.py): payment goes there.
                "counterparty_details": json_object(
                    {
                        name: NULLABLE_TEXT
                        for name in (
                            "name",
                            "country",
                            "tax_id",
                            "bank_name",
                            "bank_bic",
                            "bank_account",
                            "kpp",
                            "bank_corr_account",
                        )
                    }
                ),
            }
        ),
        "history": {"type": "array", "items": ref("Task")},
        "files": {
            "type": "array",
            "items": json_object({"id": ID, "filename": TEXT, "kind": KIND}),
        },
    }
)
PAYMENT = json_object({"id": ID, "paid_on": DAY, "amount": DECIMAL, "reference": NULLABLE_TEXT})
DISCUSSION_MESSAGE = json_object(
    {
        "id": ID,
        "invoice_id": ID,
        "author": json_object({"id": ID, "username": TEXT, "name": TEXT}),
        "text": NULLABLE_TEXT,
        "deleted": {"type": "boolean"},
        "created_at": MOMENT,
        "edited_at": NULLABLE_MOMENT,
        "can_change": {"type": "boolean"},
        "files": {
            "type": "array",
            "items": json_object(
                {
                    "id": ID,
                    "filename": TEXT,
                    "size": {"type": "integer", "minimum": 0},
                    "content_type": TEXT,
                    "removed": {"type": "boolean"},
                }
            ),
        },
    }
)
DISCUSSION = json_object(
    {"can_post": {"type": "boolean"}, "messages": {"type": "array", "items": ref("Message")}}
)

# Request bodies.
INVOICE_INPUT = {
    "type": "object",
    "properties": {
        "amount": AMOUNT_INPUT,
        "currency": {"type": "string", "example": "RUB", "description": "ISO 4217 code"},
        "vat_amount": {**AMOUNT_INPUT, "nullable": True},
        "counterparty_id": ID,
        "issue_date": DAY,
        "due_date": {**DAY, "nullable": True},
        "vendor_invoice_no": {**NULLABLE_TEXT, "maxLength": 64},
        "contract_no": {**NULLABLE_TEXT, "maxLength": 64},
        "client_request_no": {**NULLABLE_TEXT, "maxLength": 64},
        "justification": {**NULLABLE_TEXT, "maxLength": 5000},
        "payment_order_required": {"type": "boolean"},
        "department_id": {**ID, "nullable": True, "description": "A department (optional)"},
        "cost_centre_id": {**ID, "nullable": True, "description": "A cost centre (optional)"},
        "approvers": {
            "type": "array",
            "items": ID,
            "maxItems": 3,
            "description": "User ids of the approvers, in order (1 to 3 to submit)",
        },
    },
}
INVOICE_NEW = {**INVOICE_INPUT, "required": ["amount", "counterparty_id", "issue_date"]}
INVOICE_EDIT = {
    **INVOICE_INPUT,
    "properties": {
        **INVOICE_INPUT["properties"],
        "lock_version": {
            "type": "integer",
            "description": "The lock_version read with the card: a later save by someone else is "
            "refused with 409",
        },
    },
    "required": ["lock_version"],
}
COUNTERPARTY_INPUT = {
    "type": "object",
    "properties": {
        "name": {"type": "string", "maxLength": 255},
        "country": {"type": "string", "example": "DE", "description": "ISO 3166 alpha-2 code"},
        "tax_id": {"type": "string", "maxLength": 32},
        "bank_name": {**NULLABLE_TEXT, "maxLength": 255},
        "bank_bic": {**NULLABLE_TEXT, "maxLength": 16},
        "bank_account": {**NULLABLE_TEXT, "maxLength": 34},
        "kpp": {**NULLABLE_TEXT, "maxLength": 9, "description": "Russia: 9 characters"},
        "bank_corr_account": {**NULLABLE_TEXT, "maxLength": 20},
    },
    "required": ["name", "tax_id"],
}
DECISION = {
    "type": "object",
    "properties": {
        "decision": {"type": "string", "enum": ["approve", "return", "reject"]},
        "comment": {"type": "string", "description": "Required to return or reject"},
    },
    "required": ["decision"],
}
BULK_DECISION = {
    "type": "object",
    "properties": {
        "tasks": {
            "type": "array",
            "items": {"type": "string", "format": "uuid"},
            "minItems": 1,
            "description": "Ids of approval tasks (at most BULK_DECISION_MAX_TASKS, 100 by "
            "default: more is 422)",
        },
        "decision": {"type": "string", "enum": ["approve"], "default": "approve"},
        "comment": {"type": "string", "description": "One comment, recorded on every task"},
    },
    "required": ["tasks"],
}
BULK_RESULT = json_object(
    {
        "id": TEXT,
        "outcome": {"type": "string", "enum": list(OUTCOMES)},
        "reason": {
            "type": "string",
            "nullable": True,
            "enum": [None, *REASONS],
            "description": "Why it was refused, or by whom it was already handled",
        },
        "message": NULLABLE_TEXT,
        "invoice_id": NULLABLE_ID,
        "number": {"type": "integer", "nullable": True},
        "title": NULLABLE_TEXT,
    }
)
ACKNOWLEDGEMENT = {"type": "object", "properties": {"note": NULLABLE_TEXT}}
WITHDRAWAL = {"type": "object", "properties": {"reason": TEXT}, "required": ["reason"]}
MESSAGE_TEXT = {
    "type": "object",
    "properties": {"text": {"type": "string", "minLength": 1}},
    "required": ["text"],
}
MESSAGE_WITH_FILES = {
    "type": "object",
    "properties": {
        "text": {"type": "string", "minLength": 1},
        "files": {"type": "array", "items": {"type": "string", "format": "binary"}},
    },
    "required": ["text"],
}
FILES_UPLOAD = {
    "type": "object",
    "properties": {
        "files": {"type": "array", "items": {"type": "string", "format": "binary"}},
        "kind": KIND,
    },
    "required": ["files"],
}
PAYMENT_FORM = {
    "type": "object",
    "properties": {
        "paid_on": DAY,
        "amount": {"type": "string", "example": "1234.56", "description": "The invoice amount"},
        "reference": {"type": "string", "maxLength": 100},
        "payment_order": {
            "type": "string",
            "format": "binary",
            "description": "PDF or image; required when the card says so",
        },
    },
    "required": ["paid_on", "amount"],
}

SCHEMAS = {
    "Attachment": ATTACHMENT,
    "DuplicateWarning": DUPLICATE_WARNING,
    "InvoiceApprover": INVOICE_APPROVER,
    "InvoiceState": INVOICE_STATE,
    "Task": TASK,
    "TaskRow": TASK_ROW,
    "TaskPage": TASK_PAGE,
    "Payment": PAYMENT,
    "Message": DISCUSSION_MESSAGE,
    "Discussion": DISCUSSION,
    "InvoiceNew": INVOICE_NEW,
    "InvoiceEdit": INVOICE_EDIT,
    "CounterpartyInput": COUNTERPARTY_INPUT,
    "Decision": DECISION,
    "Acknowledgement": ACKNOWLEDGEMENT,
    "BulkDecision": BULK_DECISION,
    "BulkResult": BULK_RESULT,
    "Withdrawal": WITHDRAWAL,
    "MessageText": MESSAGE_TEXT,
    "MessageWithFiles": MESSAGE_WITH_FILES,
    "FilesUpload": FILES_UPLOAD,
    "PaymentForm": PAYMENT_FORM,
    "MenuItem": {
        "type": "object",
        "properties": {
            "name": TEXT,
            "label": TEXT,
            "icon": NULLABLE_TEXT,
            "url": NULLABLE_TEXT,
            "childs": {
                "type": "array",
                "description": "The items of a category; a separator is the text '-'",
                "items": {"oneOf": [{"type": "string", "enum": ["-"]}, ref("MenuItem")]},
            },
        },
    },
}


def answer(description: str, schema: dict, headers: dict | None = None) -> dict:
    response = {"description": description, "content": {"application/json": {"schema": schema}}}
    if headers:
        response["headers"] = headers
    return response


MESSAGE = json_object({"message": TEXT})
FIELD_MESSAGES = {
    "type": "object",
    "description": "Each refused field with its messages",
    "additionalProperties": {"type": "array", "items": TEXT},
}
RETRY_AFTER = {
    "Retry-After": {"description": "Seconds to wait", "schema": {"type": "integer", "minimum": 0}}
}
# Named apart from FAB's own "400".."500", whose 422 says the message is always text.
RESPONSES = {
    "BadRequest": answer(
        "The request cannot be read (a message, or one per field)",
        json_object({"message": {"oneOf": [TEXT, FIELD_MESSAGES]}}),
    ),
    "Forbidden": answer("The signed-in user may not do this", MESSAGE),
    "NotFound": answer("No such object, or one the signed-in user may not see", MESSAGE),
    "Conflict": answer("Already handled, or changed by someone else first", MESSAGE),
    "TooLarge": answer("A file is larger than the limit", MESSAGE),
    "Unprocessable": answer(
        "Refused input: a message per field, or why the process refused the action",
        json_object({"message": {"oneOf": [TEXT, FIELD_MESSAGES]}}),
    ),
    "Busy": answer("The database or a service is busy: try again", MESSAGE, RETRY_AFTER),
}
