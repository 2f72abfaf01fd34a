"""While the database is unreachable, restarting or locked, every request answers 503 with
Retry-After (JSON under /api/, else a small page in the reader's language), never a 500, and
nothing of it stays written.

Where the error may surface, and what catches it here:
- a view, a service, FAB's before_request, Flask-Login loading the user (app/web/sessions.py),
  another error handler: the Flask error handlers for SQLAlchemy's database errors, and for a
  500 whose cause was one (an error handler that failed while answering);
- an API method under FAB's @safe, which turns every exception into a 500 of its own: the
  engine's handle_error event notes the outage on `g`, and a 500 answered after it is
  replaced by the 503;
- the app context's teardown, which returns the connection: ended here first, quietly.

The page never extends the layout and is rendered without the context processors: both read
the signed-in user, the menu and the counts from the very database that is gone.

Recovery: `pool_pre_ping` (config.py) tests each pooled connection when a request checks it out,
so the first request after the database is back gets a live one. Nothing is retried here: an
error during commit may come after the server committed, and only the client can tell whether
to send it again, which is safe: a decision on a task no longer open is refused with 409
(app/services/task_access.py, task_to_act_on), and of two saves of one process state only the
first passes the optimistic lock (version_id_col in app/models/process.py; StaleDataError -> 409
in app/services/process_runtime.py, save_state). tests/outage/test_database_away.py shows it.
"""

from __future__ import annotations

import logging

from flask import Response, current_app, g, has_app_context, jsonify, request
from flask_babel import get_locale
from sqlalchemy import event
from sqlalchemy import exc as sa
from sqlalchemy.engine import Engine
from werkzeug.exceptions import InternalServerError

from app.database_outage import is_database_busy, is_database_outage, summary
from app.extensions import db
from app.i18n import _
from app.request_transactions import commit_if_only_read

log = logging.getLogger(__name__)

# Seconds a client should wait: a held lock frees quickly, a restart takes a few seconds.
RETRY_AFTER_BUSY = 2
RETRY_AFTER_UNAVAILABLE = 5
PAGE_TEMPLATE = "outage.html"
NOTED = "database_outage"
FALLBACK_PAGE = (
    "<!doctype html><title>503</title><p>503 The service is temporarily unavailable. "
    "Please try again in a moment.</p>"
)


def register(app) -> None:
    for error in (sa.DBAPIError, sa.TimeoutError, sa.DisconnectionError):
        app.register_error_handler(error, _database_error)
    app.after_request(_outage_behind_a_500)
    app.teardown_appcontext(_end_session_quietly)
    for logger in (app.logger, logging.getLogger("flask_appbuilder.api")):
        if OUTAGE_TRACEBACKS not in logger.filters:
            logger.addFilter(OUTAGE_TRACEBACKS)


class _OutageTracebacks(logging.Filter):
    """An outage is logged once a request, as one WARNING line (outage_answer). The traceback
    that FAB's @safe (or Flask, for a failed error handler) logs as it swallows one is left
    out, and the outage noted, so that the 500 it makes becomes the 503 (the pool's timeout,
    raised at checkout, passes no engine event)."""

    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        if not is_database_outage(exc):
            return True
        if has_app_context():
            g.setdefault(NOTED, exc)
        return False


OUTAGE_TRACEBACKS = _OutageTracebacks()


def outage_answer(exc: BaseException) -> Response | None:
    """The 503 for a database outage, or None when `exc` is no outage."""
    if not is_database_outage(exc):
        return None
    _roll_back_quietly()
    busy = is_database_busy(exc)
    log.warning(
        "%s %s answered 503: the database is %s (%s)",
        request.method,
        request.path,
        "busy" if busy else "unavailable",
        summary(exc),
    )
    retry = RETRY_AFTER_BUSY if busy else RETRY_AFTER_UNAVAILABLE
    message = str(busy_message() if busy else unavailable_message())
    if request.path.startswith("/api/"):
        response = jsonify(message=message)
    else:
        response = Response(_page(message, retry), mimetype="text/html")
    response.status_code = 503
    response.headers["Retry-After"] = str(retry)
    response.headers["Cache-Control"] = "no-store"
    return response


def outage_behind(exc: BaseException) -> BaseException | None:
    """The database outage behind a 500 (an error handler that failed on one), if any."""
    original = getattr(exc, "original_exception", None)
    if is_database_outage(original):
        return original
    return g.get(NOTED) if has_app_context() else None


def busy_message():
    return _("The database is busy. Please try again in a moment.")


def unavailable_message():
    return _("The database is unavailable for a moment. Please try again shortly.")


def _database_error(exc):
    response = outage_answer(exc)
    if response is None:
        raise exc  # a bug, not an outage: the ordinary 500
    return response


def _outage_behind_a_500(response: Response) -> Response:
    if response.status_code != InternalServerError.code:
        return response
    noted = g.pop(NOTED, None)
    return (outage_answer(noted) if noted is not None else None) or response


def _end_session_quietly(exc) -> None:
    """Return the connection before Flask-SQLAlchemy's own teardown does: on a dead connection
    the rollback fails, and a teardown that raises turns an answer already made into a 500.
    The server rolls back whatever the lost connection had begun. A transaction that only read
    ends with COMMIT (app/request_transactions.py)."""
    try:
        if exc is None:
            commit_if_only_read(db.session)
        db.session.remove()
    except Exception as exc:  # noqa: BLE001 - logged; the answer is already made
        if not is_database_outage(exc):
            raise
        log.warning("the session could not be closed cleanly: %s", summary(exc))


def _roll_back_quietly() -> None:
    try:
        db.session.rollback()
    except Exception as exc:  # noqa: BLE001 - the connection is gone: so is its transaction
        log.debug("rollback after an outage failed: %s", summary(exc))


def _page(message: str, retry: int) -> str:
    """Rendered from the template alone: no context processors (they read the user)."""
    try:
        locale = get_locale()
        template = current_app.jinja_env.get_template(PAGE_TEMPLATE)
        return template.render(
            language=locale.language if locale else "en",
            title=str(_("Temporarily unavailable")),
            message=message,
            again=str(_("Try again")),
            retry=retry,
            reload=request.method == "GET",
            url=request.full_path.rstrip("?") if request.method == "GET" else request.path,
        )
    except Exception:  # noqa: BLE001 - the plainest page rather than none
        log.exception("the outage page could not be rendered")
        return FALLBACK_PAGE


@event.listens_for(Engine, "handle_error")
def _note_outage(context) -> None:
    """Remember an outage met in this request even when something (FAB's @safe) swallows it.
    A failed pre-ping is not one: the pool replaces that connection and goes on."""
    exc = context.sqlalchemy_exception or context.original_exception
    if context.is_pre_ping or not has_app_context() or not is_database_outage(exc):
        return
    g.setdefault(NOTED, exc)
