"""Logs an operator can search: with LOG_FORMAT=json one JSON object a line (python-json-logger),
every line of a web request carrying its request id, and the worker's lines about a message
carrying the id of the request that queued it.

The request id is the caller's X-Request-ID when it is a sane token (nginx's $request_id, a load
balancer's), else a new one; every answer echoes it in X-Request-ID. It is bound in a WSGI
middleware, around everything the application does for the request, so no hook runs without it.
"""

from __future__ import annotations

import logging
import sys
from typing import TextIO

from pythonjsonlogger.json import JsonFormatter

from app.log_context import RequestIdFilter, request_id_bound, sane_or_new

REQUEST_ID_HEADER = "X-Request-ID"
LOG_FORMATS = ("text", "json")
JSON_FIELDS = "%(levelname)s %(name)s %(message)s %(request_id)s %(process)d"
_OURS = "_invoiceflow_log_handler"
delivery_log = logging.getLogger("app.mail.delivery")


def configure_logging(app, stream: TextIO | None = None) -> None:
    """Apply LOG_FORMAT / LOG_LEVEL and give every request an id. Text (the default) leaves
    logging as Python and Flask set it up."""
    log_format = app.config["LOG_FORMAT"].strip().lower()
    if log_format not in LOG_FORMATS:
        raise RuntimeError(
            f"LOG_FORMAT must be one of {', '.join(LOG_FORMATS)}, not {log_format!r}."
        )
    if log_format == "json":
        install_json_handler(app.config["LOG_LEVEL"], stream)
    app.wsgi_app = RequestIdMiddleware(app.wsgi_app)


def json_formatter() -> logging.Formatter:
    return JsonFormatter(
        JSON_FIELDS,
        rename_fields={"levelname": "level", "name": "logger", "process": "pid"},
        timestamp=True,
    )


def install_json_handler(level: str = "INFO", stream: TextIO | None = None) -> logging.Handler:
    """One handler on the root logger (a second create_app replaces it, never adds one)."""
    root = logging.getLogger()
    for handler in [h for h in root.handlers if getattr(h, _OURS, False)]:
        root.removeHandler(handler)
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(json_formatter())
    handler.addFilter(RequestIdFilter())
    setattr(handler, _OURS, True)
    root.addHandler(handler)
    root.setLevel(level.upper())
    return handler


class RequestIdMiddleware:
    def __init__(self, wsgi_app):
        self.wsgi_app = wsgi_app

    def __call__(self, environ, start_response):
        request_id = sane_or_new(environ.get("HTTP_X_REQUEST_ID"))
        environ["HTTP_X_REQUEST_ID"] = request_id

        def start_with_id(status, headers, exc_info=None):
            headers = [(k, v) for k, v in headers if k.lower() != REQUEST_ID_HEADER.lower()]
            headers.append((REQUEST_ID_HEADER, request_id))
            return start_response(status, headers, exc_info)

        with request_id_bound(request_id):
            return self.wsgi_app(environ, start_with_id)


class _LoggedDelivery:
    """A mailer whose every send is logged under the request id its message was queued with."""

    def __init__(self, mailer):
        self.mailer = mailer

    def connection(self):
        return self.mailer.connection()

    def prepare(self, messages) -> None:
        prepare = getattr(self.mailer, "prepare", None)  # app/services/mail_delivery.py
        if prepare is not None:
            prepare(messages)

    def send(self, message) -> None:
        with request_id_bound(message.request_id):
            try:
                self.mailer.send(message)
            except Exception as exc:
                delivery_log.warning(
                    "outbox message %s (%s) not delivered to user %s: %s",
                    message.id,
                    message.kind,
                    message.recipient_id,
                    f"{type(exc).__name__}: {exc}",
                )
                raise
            delivery_log.info(
                "outbox message %s (%s) delivered to user %s",
                message.id,
                message.kind,
                message.recipient_id,
            )


def logged(mailer):
    return mailer if isinstance(mailer, _LoggedDelivery) else _LoggedDelivery(mailer)
