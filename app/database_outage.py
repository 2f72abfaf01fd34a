"""Telling a database outage (unreachable, restarting, locked) from a bug, and waiting one out.

An outage is worth a 503 with Retry-After (web) or a quiet retry with backoff (worker): the
request or pass did nothing, and the same one later will work. Anything else stays an error.
No flask here: the web layer (app/web/outage.py) and the worker both use it.
"""

from __future__ import annotations

import logging
import time

from sqlalchemy import exc as sa

# PostgreSQL error classes (SQLSTATE) that mean "busy now, try again": lock not available,
# statement or lock timeout (query_canceled), deadlock and serialization failures.
PG_BUSY_STATES = ("55P03", "57014", "40001", "40P01")
# An OperationalError class that is the request's own fault, not the server's: program limits
# (an index row too large, too many columns). Left to the ordinary error handling.
PG_NOT_AN_OUTAGE_CLASSES = ("54",)
# SQLite's primary result codes: BUSY, LOCKED; then IOERR, FULL, CANTOPEN, PROTOCOL.
SQLITE_BUSY_CODES = (5, 6)
SQLITE_OUTAGE_CODES = (*SQLITE_BUSY_CODES, 10, 13, 14, 15)


def is_database_outage(exc: BaseException | None) -> bool:
    """True for an error that says the database cannot serve now (down, restarting, the
    connection dropped, no free connection, locked past the busy timeout)."""
    if isinstance(exc, (sa.TimeoutError, sa.DisconnectionError)):
        return True  # no pooled connection came free, or a ping found one dead
    if isinstance(exc, sa.PendingRollbackError):
        # The session used again after its connection died (code that caught the first error).
        return is_database_outage(exc.__context__)
    if not isinstance(exc, sa.DBAPIError):
        return False
    if exc.connection_invalidated or isinstance(exc, sa.InterfaceError):
        return True
    if not isinstance(exc, sa.OperationalError):
        return False
    if _is_sqlite(exc):
        # SQLite reports syntax errors and missing tables as OperationalError too: bugs.
        return _sqlite_code(exc) in SQLITE_OUTAGE_CODES
    return not (_sqlstate(exc) or "").startswith(PG_NOT_AN_OUTAGE_CLASSES)


def is_database_busy(exc: BaseException | None) -> bool:
    """An outage of the lock kind: the database is up, another writer holds what we need."""
    if not isinstance(exc, sa.OperationalError):
        return False
    if _is_sqlite(exc):
        return _sqlite_code(exc) in SQLITE_BUSY_CODES
    return _sqlstate(exc) in PG_BUSY_STATES or "lock timeout" in _message(exc)


def summary(exc: BaseException) -> str:
    """One line for the log: the driver's first line, without the statement and parameters."""
    original = getattr(exc, "orig", None) or exc
    first = (str(original).strip().splitlines() or [""])[0]
    return f"{type(original).__name__}: {first}"[:300]


def _is_sqlite(exc: sa.DBAPIError) -> bool:
    return type(exc.orig).__module__.startswith("sqlite3")


# An error made without its code (another driver, a test's stand-in) is read by its message.
SQLITE_MESSAGES = {"database is locked": 5, "database table is locked": 6, "disk i/o error": 10}


def _sqlite_code(exc: sa.DBAPIError) -> int | None:
    code = getattr(exc.orig, "sqlite_errorcode", None)
    if code is None:
        return SQLITE_MESSAGES.get(_message(exc))
    return code & 0xFF  # extended codes carry the primary one


def _message(exc: sa.DBAPIError) -> str:
    return str(exc.orig).strip().lower()


def _sqlstate(exc: sa.DBAPIError) -> str | None:
    return getattr(exc.orig, "sqlstate", None)


class OutageWatch:
    """A background loop's view of the database: one WARNING when it goes away, one when it is
    back, and a wait between passes that doubles meanwhile (from `interval` up to `ceiling`)."""

    def __init__(self, what: str, interval: float, ceiling: float = 60.0, log=None):
        self.what = what
        self.interval = interval
        self.ceiling = max(ceiling, interval)
        self.log = log or logging.getLogger(__name__)
        self.failures = 0
        self.down_since: float | None = None

    @property
    def down(self) -> bool:
        return self.down_since is not None

    def failed(self, exc: BaseException) -> bool:
        """Note a failed pass; False when the failure is no outage (the caller logs it)."""
        if not is_database_outage(exc):
            return False
        self.failures += 1
        if not self.down:
            self.down_since = time.monotonic()
            self.log.warning(
                "%s: the database is unavailable (%s); retrying with backoff up to %ss",
                self.what,
                summary(exc),
                int(self.ceiling),
            )
        return True

    def succeeded(self) -> None:
        if self.down:
            self.log.warning(
                "%s: the database is back after %.1fs (%d failed passes)",
                self.what,
                time.monotonic() - self.down_since,
                self.failures,
            )
        self.failures = 0
        self.down_since = None

    def wait_seconds(self) -> float:
        if not self.down:
            return self.interval
        return min(self.ceiling, self.interval * 2 ** min(self.failures - 1, 16))
