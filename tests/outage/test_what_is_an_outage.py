"""Which database errors are an outage (503, the worker waits) and which are bugs (500)."""

from __future__ import annotations

import sqlite3

import psycopg
import pytest
from sqlalchemy import exc as sa

from app.database_outage import is_database_busy, is_database_outage


def pending_rollback_after(error: Exception) -> sa.PendingRollbackError:
    """As SQLAlchemy raises it while the first error is being handled (its __context__)."""
    pending = sa.PendingRollbackError("Can't reconnect until invalid transaction is rolled back")
    pending.__context__ = error
    return pending


def sqlite_error(sql: str, *setup: str) -> sa.OperationalError:
    connection = sqlite3.connect(":memory:")
    for statement in setup:
        connection.execute(statement)
    try:
        connection.execute(sql)
    except sqlite3.OperationalError as error:
        return sa.OperationalError(sql, {}, error)
    raise AssertionError(f"{sql} did not fail")


def wrapped(error: Exception, kind=sa.OperationalError, invalidated=False) -> sa.DBAPIError:
    return kind("SELECT 1", {}, error, connection_invalidated=invalidated)


@pytest.mark.parametrize(
    ("error", "outage", "busy"),
    [
        (wrapped(psycopg.errors.AdminShutdown("terminating connection")), True, False),
        (wrapped(psycopg.errors.CannotConnectNow("the database is starting up")), True, False),
        (wrapped(psycopg.OperationalError("connection refused")), True, False),
        (wrapped(psycopg.errors.LockNotAvailable("lock timeout")), True, True),
        (wrapped(psycopg.errors.DeadlockDetected("deadlock")), True, True),
        (wrapped(psycopg.InterfaceError("connection closed"), sa.InterfaceError), True, False),
        (wrapped(psycopg.errors.ProgramLimitExceeded("index row too big")), False, False),
        (wrapped(psycopg.errors.UniqueViolation("dup"), sa.IntegrityError), False, False),
        (wrapped(psycopg.DatabaseError("closed"), sa.DatabaseError, invalidated=True), True, False),
        (sa.TimeoutError("QueuePool limit reached"), True, False),
        (sqlite_error("SELEC 1"), False, False),
        (sqlite_error("SELECT * FROM missing"), False, False),
        (wrapped(sqlite3.OperationalError("database is locked")), True, True),
        (ValueError("not a database error"), False, False),
        (pending_rollback_after(wrapped(psycopg.OperationalError("closed"))), True, False),
        (pending_rollback_after(ValueError("a bug")), False, False),
    ],
)
def test_outages_are_told_from_bugs(error, outage, busy):
    assert is_database_outage(error) is outage
    assert is_database_busy(error) is busy
