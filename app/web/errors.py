"""Map service errors and request limits to 4xx/503 answers, never a 500."""

from __future__ import annotations

import re

import prison
from flask import (
    current_app,
    g,
    jsonify,
    render_template,
    render_template_string,
    request,
    url_for,
)
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

from app.errors import InvoiceFlowError
from app.i18n import _
from app.storage import StorageUnavailableError, StoredFileMissingError
from app.web import outage

BARE_PAGE = "<!doctype html><title>{{ status }}</title><p>{{ status }} {{ message }}</p>"


def _wants_json() -> bool:
    # The APIs, and a page's script that asks for JSON (the process editor's save).
    return request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json"


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
            card_url=_card_of_request() if status == 409 else None,
        )
    return response, status, headers or {}


def _card_of_request() -> str | None:
    """A conflict (409) about an invoice links to its card as it is now."""
    args = request.view_args or {}
    pk = args.get("invoice_id")
    if pk is None and (request.endpoint or "").startswith("InvoiceView."):
        pk = args.get("pk")
    try:
        return url_for("InvoiceView.show", pk=int(pk)) if pk is not None else None
    except (TypeError, ValueError):
        return None


# NUL: PostgreSQL cannot store it. A lone surrogate (JSON "\ud800"): no encoding can.
NOT_ALLOWED_CHARACTER = re.compile(r"[\x00\ud800-\udfff]")
JSON_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.DOTALL)
NOT_A_BRACKET = re.compile(r"[^\[\]{}]+")
WHOLE_NUMBER = re.compile(r"\d+")


def _refusal():
    """Why this request's input cannot be read (a message), or None."""
    limit = current_app.config["MAX_JSON_DEPTH"]
    rison = _rison_problem(limit)
    if rison is not None:
        return rison
    if _json_too_deep(limit):
        return _("The request is nested more than %(n)s levels deep.", n=limit)
    if _carries_character_not_allowed():
        return _("The request contains a character that is not allowed.")
    if not _list_arguments_valid():
        return _("The list's page or sort order is not valid.")
    return None


def _carries_character_not_allowed() -> bool:
    values = [*request.args.keys(), *request.args.values(), *(request.view_args or {}).values()]
    if request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
        values += [*request.form.keys(), *request.form.values()]
    if request.is_json:
        values += list(_strings(request.get_json(silent=True)))
    return any(isinstance(v, str) and NOT_ALLOWED_CHARACTER.search(v) for v in values)


def _json_too_deep(limit: int) -> bool:
    """Counted on the text, before parsing: the parser itself overflows on deep nesting."""
    if not request.is_json:
        return False
    brackets = NOT_A_BRACKET.sub("", JSON_STRING.sub("", request.get_data(as_text=True)))
    depth = 0
    for bracket in brackets:
        depth += 1 if bracket in "[{" else -1
        if depth > limit:
            return True
    return False


def _rison_problem(limit: int):
    """What is wrong with an API's ?q= (rison), or None: its parser overflows on deep or
    unclosed nesting, and lets a malformed number ("1e+16") out as a ValueError."""
    query = request.args.get("q", "")
    if not _wants_json() or not query:
        return None
    too_deep = _("The request is nested more than %(n)s levels deep.", n=limit)
    try:
        value = prison.loads(query)
    except RecursionError:
        return too_deep
    except prison.decoder.ParserException:
        return None  # FAB answers 400 itself
    except ValueError:
        return _("The query (q) is not valid.")
    return too_deep if _depth(value, limit) > limit else None


def _depth(value, limit: int) -> int:
    """How deep lists and objects nest in a parsed value, counted up to limit + 1."""
    if limit < 0 or not isinstance(value, (dict, list)):
        return 0
    items = value.values() if isinstance(value, dict) else value
    return 1 + max((_depth(item, limit - 1) for item in items), default=0)


def _list_arguments_valid() -> bool:
    """FAB's list screens read page_<View>, psize_<View> and _oc_<View> unchecked."""
    for key, value in request.args.items():
        if key.startswith(("page_", "psize_")) and not WHOLE_NUMBER.fullmatch(value):
            return False
        if key.startswith("_oc_") and value not in _order_columns(key[len("_oc_") :]):
            return False
    return True


def _order_columns(view_name: str) -> list[str]:
    for view in current_app.appbuilder.baseviews:
        if type(view).__name__ == view_name:
            return list(getattr(view, "order_columns", None) or [])
    return []


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


def _register_storage_errors(app) -> None:
    @app.errorhandler(StorageUnavailableError)
    def storage_unavailable(exc: StorageUnavailableError):
        # The operator's log says which storage and why; the reader gets 503 and when to retry.
        current_app.logger.warning("file storage unavailable: %s", exc.reason)
        return _answer(503, exc.message, {"Retry-After": str(exc.retry_after)})

    @app.errorhandler(StoredFileMissingError)
    def stored_file_missing(exc: StoredFileMissingError):
        current_app.logger.error("stored file missing: key %s (run `flask audit verify`)", exc.key)
        return _answer(404, exc.message)


def register(app) -> None:
    _register_storage_errors(app)

    @app.before_request
    def refuse_unreadable_input():
        message = _refusal()
        return None if message is None else _answer(400, message)

    @app.errorhandler(InvoiceFlowError)
    def service_error(exc: InvoiceFlowError):
        retry = getattr(exc, "retry_after", None)
        return _answer(exc.status_code, exc.message, {"Retry-After": str(retry)} if retry else None)

    @app.errorhandler(RequestEntityTooLarge)
    def too_large(exc):
        limit = app.config["MAX_FILE_SIZE"] // (1024 * 1024)
        return _answer(413, _("The upload is larger than the %(mb)s MB limit.", mb=limit))

    outage.register(app)  # the database unreachable, restarting or locked: 503

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        if exc.code is None or exc.code < 400:
            return exc
        if exc.code == 500 and (cause := outage.outage_behind(exc)) is not None:
            return outage.outage_answer(cause)  # an error handler itself met the outage
        if _wants_json():
            return jsonify(message=exc.description), exc.code
        return _answer(exc.code, exc.description)
