"""A request whose transaction wrote nothing ends it with COMMIT, not ROLLBACK.

For a transaction that only read, the two are the same to the database. To the driver they are
not: psycopg drops every statement it has prepared on a connection when that connection rolls
back (a rollback may undo the DDL a statement was prepared against). Flask-SQLAlchemy ends each
request by closing its session, which rolls back whatever is open, so on PostgreSQL a page that
only reads (My tasks, the list, a card) never kept a prepared statement: every statement of
every page was parsed and planned afresh, and planning the sign-in, visibility and count
queries costs the server more than running them. Ending such a transaction with COMMIT keeps
them prepared.

"Wrote nothing" is decided, conservatively, by the statements sent: every one was a SELECT
(not SELECT ... INTO) or a WITH query naming no INSERT, UPDATE, DELETE or MERGE (anything else,
SET and SAVEPOINT included, counts as a write), and the session holds no change it has not
flushed. Otherwise,
and after any error, the session is closed as before and its transaction rolled back.
"""

from __future__ import annotations

import logging
import re

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

WROTE = "invoiceflow_wrote"  # in a connection's info: a statement of its transaction wrote
HELD = "invoiceflow_held"  # in a session's info: the connections its transaction holds
# A SELECT (not SELECT ... INTO, which makes a table), or a WITH query with no INSERT, UPDATE,
# DELETE or MERGE anywhere in it (a WITH ... SELECT ... FOR UPDATE counts as a write too:
# conservative, and harmless).
_READING = re.compile(
    r"\s*(SELECT\b(?!.*\bINTO\b)|WITH\b(?!.*\b(INSERT|UPDATE|DELETE|MERGE)\b))", re.I | re.S
)
log = logging.getLogger(__name__)


def commit_if_only_read(scoped_session) -> None:
    """Before the request's session is closed (app/web/outage.py ends it): COMMIT a
    transaction that wrote nothing. A transaction that holds no connection is left alone (a
    request whose connection could not be had must not try again). A COMMIT that fails loses
    nothing (the transaction only read): the session is then closed and rolled back as before."""
    if not scoped_session.registry.has():
        return
    session = scoped_session()
    held = session.info.get(HELD)
    if not held or session.new or session.dirty or session.deleted:
        return
    if any(connection.info.get(WROTE) for connection in held):
        return
    try:
        session.commit()
    except Exception as exc:  # noqa: BLE001 - a commit hook's failure must not keep the session
        log.warning("a transaction that only read could not be committed: %s", exc)


@event.listens_for(Session, "after_begin")
def _note_connection(session, _transaction, connection) -> None:
    held = session.info.setdefault(HELD, [])
    if connection not in held:
        held.append(connection)


@event.listens_for(Session, "after_transaction_end")
def _forget_connections(session, transaction) -> None:
    if transaction.parent is None:
        session.info.pop(HELD, None)


@event.listens_for(Engine, "before_cursor_execute")
def _note_writes(conn, cursor, statement, parameters, context, executemany) -> None:
    if not is_reading(statement):
        conn.info[WROTE] = True


def is_reading(statement: str) -> bool:
    return _READING.match(statement) is not None


@event.listens_for(Engine, "commit")
@event.listens_for(Engine, "rollback")
def _transaction_ended(conn) -> None:
    conn.info.pop(WROTE, None)
