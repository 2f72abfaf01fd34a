"""Errors raised by services; the web layer maps each family to one HTTP status."""

from __future__ import annotations


class InvoiceFlowError(Exception):
    status_code = 400

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class ValidationError(InvoiceFlowError):
    """Input refused; `errors` maps each field to its messages (422)."""

    status_code = 422

    def __init__(self, errors: dict[str, list[str]]):
        super().__init__("; ".join(f"{k}: {' '.join(map(str, v))}" for k, v in errors.items()))
        self.errors = errors


class NotFoundError(InvoiceFlowError):
    """The object does not exist or the actor may not see it (404 either way)."""

    status_code = 404


class PermissionDeniedError(InvoiceFlowError):
    status_code = 403


class InvoiceNotEditableError(InvoiceFlowError):
    status_code = 409


class ConcurrentEditError(InvoiceFlowError):
    """Someone else saved the same object first."""

    status_code = 409


class FileTooLargeError(InvoiceFlowError):
    status_code = 413


class FileRejectedError(ValidationError):
    def __init__(self, message: str, field: str = "file"):
        super().__init__({field: [message]})
        self.message = message


class ServiceUnavailableError(InvoiceFlowError):
    """Something the app needs is unreachable for now; try again after `retry_after` seconds."""

    status_code = 503
    retry_after = 5
