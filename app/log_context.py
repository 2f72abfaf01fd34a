"""The request id a log line belongs to: set for each web request and, in the worker, for the
delivery of a message that request queued. Plain contextvars, so services and models may read it
without knowing about Flask."""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

_request_id: ContextVar[str | None] = ContextVar("invoiceflow_request_id", default=None)
# What a proxy or client may hand us as X-Request-ID; anything else is replaced by our own.
_SANE = re.compile(r"^[A-Za-z0-9._:@/+=-]{8,64}$")


def current_request_id() -> str | None:
    return _request_id.get()


def sane_or_new(candidate: str | None) -> str:
    """The caller's id when it is a short token of safe characters, else a new one."""
    if candidate and _SANE.match(candidate):
        return candidate
    return uuid.uuid4().hex


@contextmanager
def request_id_bound(request_id: str | None) -> Iterator[None]:
    token = _request_id.set(request_id)
    try:
        yield
    finally:
        _request_id.reset(token)


class RequestIdFilter(logging.Filter):
    """Puts `request_id` on every record (None outside a request) for the formatter."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = _request_id.get()
        return True
