"""ModelRestApi with reads from FAB and writes through a service."""

from __future__ import annotations

from flask import request
from flask_appbuilder.api import ModelRestApi
from sqlalchemy.exc import OperationalError

from app.domain.ids import parse_id
from app.errors import InvoiceFlowError, ValidationError
from app.services.duplicates import warning_text
from app.web.errors import RETRY_AFTER_SECONDS, busy_message, is_database_busy

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
    """FAB's @safe turns any exception into a 500: answer a held lock with 503 first."""
    if not is_database_busy(exc):
        raise exc
    response = api.response(503, message=str(busy_message()))
    response.headers["Retry-After"] = RETRY_AFTER_SECONDS
    return response


class ServiceModelRestApi(ModelRestApi):
    method_permission_name = READ_WRITE_API
    base_permissions = ["can_read", "can_write"]
    include_route_methods = {"get", "get_list", "info", "post", "put"}
    allow_browser_login = False  # tokens only: a session cookie cannot drive the API

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
            return self.response(exc.status_code, message=str(exc.message))
        except OperationalError as exc:
            return busy_response(self, exc)
        # A service may answer with the saved row and warnings (SavedInvoice) or the row.
        row = getattr(item, "invoice", item)
        body = {"id": row.id, "result": self.show_model_schema.dump(row)}
        warnings = getattr(item, "warnings", None)
        if warnings is not None:
            body["warnings"] = [duplicate_json(w) for w in warnings]
        return self.response(status, **body)
