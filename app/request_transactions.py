"""A request whose transaction wrote nothing ends it with COMMIT, not ROLLBACK.

For a transaction that only read, the two are the same to the database. To the driver they are
not: psycopg drops every statement it has prepared on a connection when that connection rolls
back (a rollback may undo the DDL a statement was prepared against). Flask-SQLAlchemy ends each
request by closing its session, which rolls back whatever is open, so on PostgreSQL a page that
only reads (My tasks, the list, a card) never kept a prepared statement: every statement of
every page was parsed and planned afresh, and planning the sign-in, visibility and count
queries costs the server more than running them. Ending such a transaction with COMMIT keeps
them prepared.

"Wrote nothing" is decided, conservatively, by the statements sent: every one was a SELECT or a
WITH query naming no INSERT, UPDATE, DELETE or MERGE (anything else, SET and SAVEPOINT
included, counts as a write), and the session holds no change it has not flushed. Otherwise,
and after any error, the session is closed as before and its transaction rolled back.
"""

from __future__ import annotations

import re

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

WROTE = "invoiceflow_wrote"
# A SELECT, or a WITH query with no INSERT, UPDATE, DELETE or MERGE anywhere in it (a WITH ...
# SELECT ... FOR UPDATE counts as a write too: conservative, and harmless).
_READING = re.compile(r"\s*(SELECT\b|WITH\b(?!.*\b(INSERT|UPDATE|DELETE|MERGE)\b))", re.I | re.S)


def commit_if_only_read(scoped_session) -> None:
    """Before the request's session is closed (app/web/outage.py ends it): COMMIT a
    transaction that wrote nothing. A COMMIT that fails loses nothing (the transaction only
    read): the session is then closed and rolled back as before."""
    if not scoped_session.registry.has():
        return
    session = scoped_session()
    if not session.in_transaction() or session.new or session.dirty or session.deleted:
        return
    try:
        if not session.connection().info.get(WROTE):
            session.commit()
    except SQLAlchemyError:
        return


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
