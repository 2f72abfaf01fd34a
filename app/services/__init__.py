"""One module per use case. Arguments: a session, the acting user, plain values.

Each public service is one transaction (`@use_case`): state, audit and outbox rows
commit together or not at all. Services raise app.errors exceptions.
"""

from __future__ import annotations

import functools
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
        except BaseException:
            session.rollback()
            raise
        return result

    return wrapper
