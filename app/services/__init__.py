"""One module per use case. Arguments: a session, the acting user, plain values.

Each public service is one transaction (`@use_case`): state, audit and outbox rows
commit together or not at all. Services raise app.errors exceptions.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import ParamSpec, TypeVar

P = ParamSpec("P")
R = TypeVar("R")


def use_case(func: Callable[P, R]) -> Callable[P, R]:
    """Run a service as one transaction: commit when it returns, roll back when it raises."""

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        session = args[0]
        try:
            result = func(*args, **kwargs)
            session.commit()
        except BaseException as exc:
            session.rollback()
            if getattr(exc, "invoice_id", None) is not None and hasattr(exc, "element_id"):
                _record_incident(session, exc, func.__name__, args)
            raise
        return result

    return wrapper


def _record_incident(session, failure, action: str, args) -> None:
    """A process that failed at run time becomes an incident admins see (in a transaction of
    its own: the failed action saved nothing)."""
    from app.services.incidents import record_incident  # noqa: PLC0415 - it uses use_case

    actor = args[1] if len(args) > 1 else None
    try:
        record_incident(
            session, failure, getattr(failure, "action", action), getattr(actor, "id", None)
        )
        session.commit()
    except Exception:
        session.rollback()
        logging.getLogger(__name__).exception("could not record the incident")
