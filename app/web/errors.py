"""Map service errors and request limits to 4xx/503 answers, never a 500."""

from __future__ import annotations

from flask import current_app, g, jsonify, render_template, render_template_string, request
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

from app.errors import InvoiceFlowError
from app.i18n import _

BARE_PAGE = "<!doctype html><title>{{ status }}</title><p>{{ status }} {{ message }}</p>"


def _wants_json() -> bool:
    return request.path.startswith("/api/")


def _answer(status: int, message, headers: dict | None = None):
    message = str(message)  # plain text: escaped in the page
    if _wants_json():
        response = jsonify(message=message)
    elif not hasattr(g, "user"):
        # Refused before sign-in was read (e.g. a missing CSRF token): no menu to show.
        response = render_template_string(BARE_PAGE, status=status, message=message)
    else:
        appbuilder = current_app.appbuilder
        response = render_template(
            "error.html",
            status=status,
            message=message,
            base_template=appbuilder.base_template,
            appbuilder=appbuilder,
        )
    return response, status, headers or {}


RETRY_AFTER_SECONDS = "2"


def is_database_busy(exc: OperationalError) -> bool:
    """SQLite's lock still held after the busy timeout (or a PostgreSQL lock timeout)."""
    text = str(getattr(exc, "orig", exc)).lower()
    return "locked" in text or "busy" in text or "lock timeout" in text


def busy_message():
    return _("The database is busy. Please try again in a moment.")


def _carries_nul() -> bool:
    """A NUL character has no place in any text here (and PostgreSQL cannot store it)."""
    values = [*request.args.values(), *(request.view_args or {}).values()]
    if request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
        values += list(request.form.values())
    if request.is_json:
        values += list(_strings(request.get_json(silent=True)))
    return any(isinstance(v, str) and "\x00" in v for v in values)


def _strings(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _strings(key)
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def register(app) -> None:
    @app.before_request
    def refuse_nul_characters():
        if _carries_nul():
            return _answer(400, _("The request contains a character that is not allowed."))
        return None

    @app.errorhandler(InvoiceFlowError)
    def service_error(exc: InvoiceFlowError):
        return _answer(exc.status_code, exc.message)

    @app.errorhandler(RequestEntityTooLarge)
    def too_large(exc):
        limit = app.config["MAX_FILE_SIZE"] // (1024 * 1024)
        return _answer(413, _("The upload is larger than the %(mb)s MB limit.", mb=limit))

    @app.errorhandler(OperationalError)
    def database_busy(exc: OperationalError):
        if is_database_busy(exc):
            return _answer(503, busy_message(), {"Retry-After": RETRY_AFTER_SECONDS})
        raise exc

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        if exc.code is None or exc.code < 400:
            return exc
        if _wants_json():
            return jsonify(message=exc.description), exc.code
        return _answer(exc.code, exc.description)
