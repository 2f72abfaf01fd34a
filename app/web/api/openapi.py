"""What the OpenAPI document at /api/v1/_openapi says of the answers the API gives.

The custom endpoints describe themselves with `@operation` (data, written into the docstring as
the YAML after `---` that Flask-AppBuilder reads); they name these components, which
`DocumentedApi` registers. The model APIs' own list and card schemas come from their
marshmallow schemas, with the amounts as the decimal strings they really are.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import suppress

import yaml  # PyYAML: Flask-AppBuilder reads the docstrings with it (flask_appbuilder.api)
from apispec.exceptions import DuplicateComponentNameError
from apispec.ext.marshmallow import MarshmallowPlugin
from marshmallow import fields

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


def _object(properties: dict, optional: tuple[str, ...] = ()) -> dict:
    """A JSON object with exactly these keys; all required unless named optional."""
    return {
        "type": "object",
        "properties": properties,
        "required": [name for name in properties if name not in optional],
        "additionalProperties": False,
    }


def ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


ATTACHMENT = _object(
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
DUPLICATE_WARNING = _object(
    {
        "reason": {"type": "string", "enum": ["vendor_invoice_no", "file"]},
        "can_open": {"type": "boolean"},
        "other_invoice_id": NULLABLE_ID,
        "other_invoice_number": {"type": "integer", "nullable": True},
        "detail": NULLABLE_TEXT,
        "message": TEXT,
    }
)
INVOICE_APPROVER = _object(
    {
        "position": {"type": "integer", "minimum": 1},
        "user_id": ID,
        "username": TEXT,
        "approved_at": NULLABLE_MOMENT,
    }
)
INVOICE_STATE = _object(
    {
        "id": ID,
        "number": {"type": "integer", "nullable": True},
        "status": STATUS,
        "stage": NULLABLE_TEXT,
    }
)
TASK = _object(
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
TASK_ROW = _object(
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
    }
)
TASK_PAGE = _object(
    {
        **TASK["properties"],
        "can_act": {"type": "boolean"},
        "invoice": _object(
            {
                **INVOICE_STATE["properties"],
                "amount": DECIMAL,
                "currency": TEXT,
                "counterparty": NULLABLE_TEXT,
                # As submitted (app/services/counterparty_snapshot.py): payment goes there.
                "counterparty_details": _object(
                    {
                        name: NULLABLE_TEXT
                        for name in (
                            "name",
                            "country",
                            "tax_id",
                            "bank_name",
                            "bank_bic",
                            "bank_account",
                        )
                    }
                ),
            }
        ),
        "history": {"type": "array", "items": ref("Task")},
        "files": {
            "type": "array",
            "items": _object({"id": ID, "filename": TEXT, "kind": KIND}),
        },
    }
)
PAYMENT = _object({"id": ID, "paid_on": DAY, "amount": DECIMAL, "reference": NULLABLE_TEXT})
DISCUSSION_MESSAGE = _object(
    {
        "id": ID,
        "invoice_id": ID,
        "author": _object({"id": ID, "username": TEXT, "name": TEXT}),
        "text": NULLABLE_TEXT,
        "deleted": {"type": "boolean"},
        "created_at": MOMENT,
        "edited_at": NULLABLE_MOMENT,
        "can_change": {"type": "boolean"},
        "files": {
            "type": "array",
            "items": _object(
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
DISCUSSION = _object(
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
BULK_RESULT = _object(
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


def _answer(description: str, schema: dict, headers: dict | None = None) -> dict:
    response = {"description": description, "content": {"application/json": {"schema": schema}}}
    if headers:
        response["headers"] = headers
    return response


MESSAGE = _object({"message": TEXT})
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
    "BadRequest": _answer(
        "The request cannot be read (a message, or one per field)",
        _object({"message": {"oneOf": [TEXT, FIELD_MESSAGES]}}),
    ),
    "Forbidden": _answer("The signed-in user may not do this", MESSAGE),
    "NotFound": _answer("No such object, or one the signed-in user may not see", MESSAGE),
    "Conflict": _answer("Already handled, or changed by someone else first", MESSAGE),
    "TooLarge": _answer("A file is larger than the limit", MESSAGE),
    "Unprocessable": _answer(
        "Refused input: a message per field, or why the process refused the action",
        _object({"message": {"oneOf": [TEXT, FIELD_MESSAGES]}}),
    ),
    "Busy": _answer("The database or a service is busy: try again", MESSAGE, RETRY_AFTER),
}


class DocumentedApi:
    """Registers the schemas and responses the endpoints' docstrings name (mix in before
    BaseApi)."""

    def add_apispec_components(self, api_spec) -> None:
        super().add_apispec_components(api_spec)
        register_components(api_spec)


def register_components(api_spec) -> None:
    for name, schema in SCHEMAS.items():
        _register(api_spec.components.schema, name, component=schema)
    for name, response in RESPONSES.items():
        _register(api_spec.components.response, name, component=response)


def _register(add, name: str, **kwargs) -> None:
    with suppress(DuplicateComponentNameError):  # every API registers the shared components
        add(name, **kwargs)


def register_answer_schema(api_spec, name: str, schema, extra_properties: dict) -> None:
    """A model API's list row or card from its marshmallow schema, as the JSON really is:
    amounts are decimal strings, and no field is required (`?q=(columns:!(...))` picks some)."""
    for field in schema.fields.values():
        if isinstance(field, fields.Decimal):
            field.metadata = {**field.metadata, **DECIMAL}
    plugin = next(p for p in api_spec.plugins if isinstance(p, MarshmallowPlugin))
    component = plugin.converter.schema2jsonschema(schema)
    component["properties"].update(extra_properties)
    _register(api_spec.components.schema, name, component=component)
    for key, nested in api_spec.components.schemas.items():
        if key == name or key.startswith(f"{name}."):
            nested.pop("required", None)


def _responses(*names: str) -> dict:
    """The refusals an endpoint may answer with, by status code."""
    by_status = {
        "400": "BadRequest",
        "401": "401",
        "403": "Forbidden",
        "404": "NotFound",
        "409": "Conflict",
        "413": "TooLarge",
        "422": "Unprocessable",
        "503": "Busy",
    }
    return {status: {"$ref": f"#/components/responses/{by_status[status]}"} for status in names}


# The refusals most endpoints share: reading one object, and acting on one.
REFUSED_READ = ("400", "401", "403", "404")
REFUSED_ACTION = (*REFUSED_READ, "409", "422", "503")


def path_id(name: str) -> dict:
    """An integer id in the URL, as `<int:name>` routes it."""
    return {
        "in": "path",
        "name": name,
        "required": True,
        "schema": {"type": "integer", "minimum": 1},
    }


PK = {**path_id("pk"), "schema": ID, "description": "The object's id"}
TASK_ID = {
    "in": "path",
    "name": "task_id",
    "required": True,
    "schema": {"type": "string", "format": "uuid"},
}


def in_query(name: str, schema: dict, description: str | None = None) -> dict:
    parameter = {"in": "query", "name": name, "schema": schema}
    if description:
        parameter["description"] = description
    return parameter


def _rison(schema_name: str) -> dict:
    return {
        "in": "query",
        "name": "q",
        "description": "Rison (or JSON) arguments",
        "content": {"application/json": {"schema": ref(schema_name)}},
    }


def _ok(description: str, properties: dict) -> dict:
    return _answer(description, {"type": "object", "properties": properties})


def result(description: str, schema: dict, **more: dict) -> dict:
    """A 200/201 answer: {"result": ...} and any more keys, all of them always there."""
    return _answer(
        description,
        {
            "type": "object",
            "required": ["result", *more],
            "properties": {"result": schema, **more},
        },
    )


def listing(schema: dict) -> dict:
    return {"type": "array", "items": schema}


def operation(
    method: str,
    description: str,
    *,
    path: Sequence[dict] = (),
    query: Sequence[dict] = (),
    body: dict | None = None,
    form: dict | None = None,
    body_required: bool = True,
    ok: tuple[str, dict] | dict,
    ok_status: str = "200",
    refusals: Sequence[str] = (),
) -> Callable:
    """Document an `@expose`d endpoint (put it above @expose): its docstring's first line
    stays the summary, and the operation follows as the YAML after `---` FAB reads.

    body and form are the schemas of a JSON and of a multipart body (either or both); ok is
    (description, schema of "result") or the whole answer; refusals are status codes of
    the shared answers (`_responses`)."""
    spec: dict = {"description": description}
    parameters = [*path, *query]
    if parameters:
        spec["parameters"] = parameters
    content = {}
    if body is not None:
        content["application/json"] = {"schema": body}
    if form is not None:
        content["multipart/form-data"] = {"schema": form}
    if content:
        spec["requestBody"] = {"required": body_required, "content": content}
    answer = result(*ok) if isinstance(ok, tuple) else ok
    spec["responses"] = {ok_status: answer, **_responses(*refusals)}
    text = yaml.safe_dump({method: spec}, sort_keys=False, allow_unicode=True, width=90)

    def document(func: Callable) -> Callable:
        exposed = {m.lower() for _url, methods in getattr(func, "_urls", ()) for m in methods}
        if exposed and method not in exposed:
            raise ValueError(f"{func.__name__} is not exposed for {method.upper()}")
        summary = (func.__doc__ or "").strip()
        func.__doc__ = f"{summary}\n---\n{text}"
        return func

    return document


LABELS = {"type": "object", "additionalProperties": TEXT}
NAMES = {"type": "array", "items": TEXT}
FIELD_INFO = {
    "type": "array",
    "items": {
        "type": "object",
        "properties": {
            "name": TEXT,
            "label": TEXT,
            "description": TEXT,
            "type": TEXT,
            "required": {"type": "boolean"},
            "unique": {"type": "boolean"},
            "validate": NAMES,
        },
    },
}


def model_api_operations(
    api_name: str, card: str, row: str, new: str, edit: str, edit_conflicts: bool
) -> dict:
    """`openapi_spec_methods` of a model API whose writes go through a service: FAB's reads,
    described as they answer (ids are integers, amounts decimal strings), and the writes with
    the bodies the services accept."""
    saved = {
        "id": ID,
        "result": ref(card),
        "warnings": {"type": "array", "items": ref("DuplicateWarning")},
    }
    return {
        "get_list": {
            "get": {
                "description": f"List the {api_name} the signed-in user may see",
                "parameters": [_rison("get_list_schema")],
                "responses": {
                    "200": _ok(
                        "One page of the list",
                        {
                            "count": {"type": "integer", "minimum": 0},
                            "ids": {"type": "array", "items": ID},
                            "result": {"type": "array", "items": ref(row)},
                            "label_columns": LABELS,
                            "description_columns": LABELS,
                            "list_columns": NAMES,
                            "order_columns": NAMES,
                            "list_title": TEXT,
                        },
                    ),
                    **_responses("400", "401", "403"),
                },
            }
        },
        "get": {
            "get": {
                "description": f"One of the {api_name}",
                "parameters": [PK, _rison("get_item_schema")],
                "responses": {
                    "200": _ok(
                        "The object",
                        {
                            "id": ID,
                            "result": ref(card),
                            "label_columns": LABELS,
                            "description_columns": LABELS,
                            "show_columns": NAMES,
                            "show_title": TEXT,
                        },
                    ),
                    **_responses("400", "401", "403", "404"),
                },
            }
        },
        "info": {
            "get": {
                "description": f"What the {api_name} forms need: fields, filters, permissions",
                "parameters": [_rison("get_info_schema")],
                "responses": {
                    "200": _ok(
                        "The metadata",
                        {
                            "add_columns": FIELD_INFO,
                            "edit_columns": FIELD_INFO,
                            "add_title": TEXT,
                            "edit_title": TEXT,
                            "permissions": NAMES,
                            "filters": {
                                "type": "object",
                                "additionalProperties": {
                                    "type": "array",
                                    "items": _object({"name": TEXT, "operator": TEXT}),
                                },
                            },
                        },
                    ),
                    **_responses("400", "401", "403"),
                },
            }
        },
        "post": {
            "post": {
                "description": f"Add one of the {api_name}",
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": ref(new)}},
                },
                "responses": {
                    "201": _ok("Saved; warnings name possible duplicates", saved),
                    **_responses("400", "401", "403", "422", "503"),
                },
            }
        },
        "put": {
            "put": {
                "description": f"Change one of the {api_name}",
                "parameters": [PK],
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": ref(edit)}},
                },
                "responses": {
                    "200": _ok("Saved; warnings name possible duplicates", saved),
                    **_responses(
                        "400",
                        "401",
                        "403",
                        "404",
                        *(["409"] if edit_conflicts else []),
                        "422",
                        "503",
                    ),
                },
            }
        },
    }


# Flask-AppBuilder's own APIs, described as this app answers: every request may be refused
# with a 400 (app.web.errors), a menu category holds "-" separators, and the refresh endpoint
# takes only a refresh token (flask-jwt-extended answers any other with 422 {"msg": ...}).
JWT_REFUSAL = {
    "description": "Not a refresh token, or one that cannot be read",
    "content": {"application/json": {"schema": {"type": "object", "properties": {"msg": TEXT}}}},
}
FRAMEWORK_OPERATIONS = {
    "MenuApi": {
        "get_menu_data": {
            "get": {
                "description": "The menu the signed-in user may see, as a forest",
                "responses": {
                    "200": _ok("The menu", {"result": {"type": "array", "items": ref("MenuItem")}}),
                    **_responses("400", "401", "403"),
                },
            }
        }
    },
    "OpenApi": {
        "get": {
            "get": {
                "description": "This document, for an API version (v1)",
                "parameters": [{"in": "path", "name": "version", "required": True, "schema": TEXT}],
                "responses": {
                    "200": {
                        "description": "The OpenAPI document",
                        "content": {"application/json": {"schema": {"type": "object"}}},
                    },
                    **_responses("400", "401", "403", "404"),
                },
            }
        }
    },
    "InvoiceFlowSecurityApi": {
        "refresh": {
            "post": {
                "description": "A new access token for a refresh token",
                "responses": {
                    "200": _ok("A new access token", {"access_token": TEXT}),
                    **_responses("400", "401"),
                    "422": JWT_REFUSAL,
                },
                "security": [{"jwt_refresh": []}],
            }
        }
    },
}


def document_framework_apis(appbuilder) -> None:
    """Give Flask-AppBuilder's own APIs the descriptions above (call after adding the APIs)."""
    for api in appbuilder.baseviews:
        operations = FRAMEWORK_OPERATIONS.get(type(api).__name__)
        if operations:
            api.openapi_spec_methods = operations
