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

from app.web.api.openapi_schemas import (
    DECIMAL,
    ID,
    RESPONSES,
    SCHEMAS,
    TEXT,
    answer,
    json_object,
    ref,
)
from app.web.api.oversight_schemas import SCHEMAS as OVERSIGHT_SCHEMAS


class DocumentedApi:
    """Registers the schemas and responses the endpoints' docstrings name (mix in before
    BaseApi)."""

    def add_apispec_components(self, api_spec) -> None:
        super().add_apispec_components(api_spec)
        register_components(api_spec)


def register_components(api_spec) -> None:
    for name, schema in {**SCHEMAS, **OVERSIGHT_SCHEMAS}.items():
        _register(api_spec.components.schema, name, component=schema)
    for name, response in RESPONSES.items():
        _register(api_spec.components.response, name, component=response)


def register_schemas(api_spec, schemas: dict) -> None:
    """A feature's own components (payments, webhooks), beside the shared ones."""
    for name, schema in schemas.items():
        _register(api_spec.components.schema, name, component=schema)


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
    return answer(description, {"type": "object", "properties": properties})


def result(description: str, schema: dict, **more: dict) -> dict:
    """A 200/201 answer: {"result": ...} and any more keys, all of them always there."""
    return answer(
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
                                    "items": json_object({"name": TEXT, "operator": TEXT}),
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
