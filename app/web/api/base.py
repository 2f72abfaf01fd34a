"""ModelRestApi with reads from FAB and writes through a service."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import request
from flask_appbuilder.api import BaseApi, ModelRestApi, expose, protect, safe
from flask_appbuilder.api.convert import Model2SchemaConverter
from flask_appbuilder.security.decorators import permission_name
from marshmallow import fields
from sqlalchemy.exc import OperationalError

from app.domain.ids import parse_id
from app.errors import InvoiceFlowError, ValidationError
from app.services.duplicates import warning_text
from app.web.api import openapi
from app.web.outage import outage_answer

READ_WRITE_API = {
    "get": "read",
    "get_list": "read",
    "info": "read",
    "post": "write",
    "put": "write",
    "upload": "read",
    "download": "read",
    "attachments": "read",
}


def moment(value: datetime | None) -> str | None:
    """A timestamp for JSON: ISO 8601 with its offset (the database holds naive UTC)."""
    if value is None:
        return None
    return (value if value.tzinfo else value.replace(tzinfo=UTC)).isoformat()


class UtcSchemaConverter(Model2SchemaConverter):
    """FAB's marshmallow schemas, whose timestamps keep their UTC offset in the JSON."""

    def convert(self, *args, **kwargs):
        schema = super().convert(*args, **kwargs)
        for field in schema.fields.values():
            if isinstance(field, fields.DateTime) and field.format in (None, "iso"):
                field.SERIALIZATION_FUNCS = {**field.SERIALIZATION_FUNCS, "iso": moment}
        return schema


def duplicate_json(warning) -> dict:
    """A possible-duplicate warning: saved anyway, told to the client."""
    message = str(warning_text(warning))
    if warning.can_open:
        message = f"{message} #{warning.other_invoice_number}"
    return {
        "reason": warning.reason,
        "can_open": warning.can_open,
        "other_invoice_id": warning.other_invoice_id,
        "other_invoice_number": warning.other_invoice_number,
        "detail": warning.detail,
        "message": message,
    }


def busy_response(api, exc: OperationalError):
    """FAB's @safe turns any exception into a 500: answer a database outage (unreachable,
    restarting, locked) with 503 and Retry-After first (app/web/outage.py)."""
    response = outage_answer(exc)
    if response is None:
        raise exc
    return response


def error_response(api, exc: InvoiceFlowError):
    """A service's refusal as JSON; a 503 (the file storage unreachable...) says when to retry."""
    response = api.response(exc.status_code, message=str(exc.message))
    retry = getattr(exc, "retry_after", None)
    if retry:
        response.headers["Retry-After"] = str(retry)
    return response


class ServiceModelRestApi(ModelRestApi):
    method_permission_name = READ_WRITE_API
    base_permissions = ["can_read", "can_write"]
    include_route_methods = {"get", "get_list", "info", "post", "put"}
    allow_browser_login = False  # tokens only: a session cookie cannot drive the API
    model2schemaconverter = UtcSchemaConverter
    # The OpenAPI document: the request bodies the service accepts (openapi.SCHEMAS names),
    # and what the card adds to FAB's show columns (see pre_get).
    openapi_new_schema = ""
    openapi_edit_schema = ""
    openapi_card_extra: dict = {}
    openapi_edit_conflicts = False  # True where a change carries the lock_version it read

    @property
    def openapi_spec_methods(self) -> dict:
        return openapi.model_api_operations(
            self.resource_name,
            card=self.show_model_schema_name,
            row=self.list_model_schema_name,
            new=self.openapi_new_schema,
            edit=self.openapi_edit_schema,
            edit_conflicts=self.openapi_edit_conflicts,
        )

    def add_apispec_components(self, api_spec) -> None:
        BaseApi.add_apispec_components(self, api_spec)
        openapi.register_components(api_spec)
        openapi.register_answer_schema(
            api_spec, self.list_model_schema_name, self.list_model_schema, {}
        )
        openapi.register_answer_schema(
            api_spec, self.show_model_schema_name, self.show_model_schema, self.openapi_card_extra
        )

    @expose("/<int:pk>", methods=["PUT"])
    @protect()
    @safe
    @permission_name("put")
    def put(self, pk):
        """Change one object (a number only: /<pk> that is not one is a 404, not a 405).
        ---
        put:
          description: Change one object
        """
        return self.put_headless(pk)

    def create(self, data: dict):  # pragma: no cover - abstract
        raise NotImplementedError

    def update(self, pk: int, data: dict):  # pragma: no cover - abstract
        raise NotImplementedError

    def get_headless(self, pk, **kwargs):
        if parse_id(pk) is None:
            return self.response_404()
        return super().get_headless(pk, **kwargs)

    def post_headless(self):
        return self._write(lambda data: (201, self.create(data)))

    def put_headless(self, pk):
        if parse_id(pk) is None or self.datamodel.get(pk, self._base_filters) is None:
            return self.response_404()
        return self._write(lambda data: (200, self.update(int(pk), data)))

    def _write(self, action):
        data = request.get_json(silent=True)
        if not isinstance(data, dict):
            return self.response_400(message="Send a JSON object.")
        try:
            status, item = action(data)
        except ValidationError as exc:
            return self.response_422(
                message={k: [str(m) for m in v] for k, v in exc.errors.items()}
            )
        except InvoiceFlowError as exc:
            return error_response(self, exc)
        except OperationalError as exc:
            return busy_response(self, exc)
        # A service may answer with the saved row and warnings (SavedInvoice) or the row.
        row = getattr(item, "invoice", item)
        body = {"id": row.id, "result": self.show_model_schema.dump(row)}
        warnings = getattr(item, "warnings", None)
        if warnings is not None:
            body["warnings"] = [duplicate_json(w) for w in warnings]
        return self.response(status, **body)
