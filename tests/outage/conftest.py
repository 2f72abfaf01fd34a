"""An application of its own whose database a test can take away and give back.

PostgreSQL (TEST_DATABASE_URL): the app connects through a TCP proxy in front of the server; a
cut closes its port and drops every connection, as a restart does. SQLite: the folder holding
the file goes away with the pool's connections (a volume unmounted): nothing can open it.
Errors are not propagated to the test (PROPAGATE_EXCEPTIONS off), as in production.
"""

from __future__ import annotations

import itertools
import sqlite3
import threading
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import make_url

from app import create_app, roles
from app.extensions import db
from app.role_defaults import seed_roles
from app.services.process_versions import seed_process_versions
from tests import factories
from tests.databases import temporary_database
from tests.outage.proxy import TcpProxy

_names = itertools.count(1)
WRITES = ("INSERT", "UPDATE", "DELETE")


class PostgresOutage:
    def __init__(self, app, proxy: TcpProxy):
        self.app, self.proxy = app, proxy

    def cut(self) -> None:
        self.proxy.cut()

    def restore(self) -> None:
        self.proxy.restore()

    @contextmanager
    def lost_at_commit(self):
        """The connection dies as the transaction's COMMIT is about to be sent."""
        with self.app.app_context():
            engine = db.engine
        event.listen(engine, "commit", self._cut_once)
        try:
            yield
        finally:
            event.remove(engine, "commit", self._cut_once)
            self.restore()

    def _cut_once(self, _connection) -> None:
        self.cut()

    @contextmanager
    def lost_at(self, fragment: str):
        """The connection dies just before a statement containing `fragment` is sent."""
        with self.app.app_context():
            engine = db.engine

        def cut_there(_conn, _cursor, statement, *_args):
            if fragment in statement:
                self.cut()

        event.listen(engine, "before_cursor_execute", cut_there)
        try:
            yield
        finally:
            event.remove(engine, "before_cursor_execute", cut_there)
            self.restore()


class SqliteOutage:
    def __init__(self, app, folder: Path):
        self.app, self.folder = app, folder
        self.away = folder.with_name(folder.name + "-away")

    def cut(self) -> None:
        with self.app.app_context():
            db.engine.dispose()
        self.folder.rename(self.away)

    def restore(self) -> None:
        if self.away.exists():
            self.away.rename(self.folder)

    @contextmanager
    def lost_at(self, fragment: str):
        """The statement containing `fragment` fails as a disk that went away fails. SQLite
        in WAL mode keeps reading through its open file whatever happens to the path, so this
        one fault is injected: the driver's own error, raised where the driver raises it."""
        with self.app.app_context():
            engine = db.engine

        def disk_gone(cursor, statement, parameters, context):
            if fragment in statement:
                error = sqlite3.OperationalError("disk I/O error")
                error.sqlite_errorcode = 10  # SQLITE_IOERR
                raise error
            return None

        event.listen(engine, "do_execute", disk_gone)
        try:
            yield
        finally:
            event.remove(engine, "do_execute", disk_gone)

    @contextmanager
    def lost_at_commit(self):
        """Another writer takes the lock just before the request's first write, and keeps it
        past the busy timeout: the write fails in the middle of the transaction."""
        locker = create_engine(self.app.config["SQLALCHEMY_DATABASE_URI"])
        held = threading.Event()
        connection = locker.connect()
        with self.app.app_context():
            engine = db.engine

        def lock_before_first_write(_conn, _cursor, statement, *_args):
            if not held.is_set() and statement.lstrip().upper().startswith(WRITES):
                held.set()
                connection.exec_driver_sql("BEGIN IMMEDIATE")

        event.listen(engine, "before_cursor_execute", lock_before_first_write)
        try:
            yield
        finally:
            event.remove(engine, "before_cursor_execute", lock_before_first_write)
            if held.is_set():
                connection.exec_driver_sql("ROLLBACK")
            connection.close()
            locker.dispose()


def outage_ready_app(url: str, files: Path, **settings):
    """An app as production runs it (errors answered, not propagated), its schema created."""
    app = create_app(
        "test",
        SQLALCHEMY_DATABASE_URI=url,
        FILE_STORAGE_DIR=str(files),
        PROPAGATE_EXCEPTIONS=False,
        SQLITE_BUSY_TIMEOUT_SECONDS=0.3,
        **settings,
    )
    with app.app_context():
        db.create_all()
        seed_roles(app.appbuilder)
        seed_process_versions(db.session, app.config["PROCESSES_DIR"])
        db.session.remove()
    return app


@pytest.fixture(scope="module")
def outage_app(tmp_path_factory):
    """(app, outage): the app on a database of its own, and the means to take it away."""
    folder = tmp_path_factory.mktemp("outage") / "db"
    folder.mkdir()
    with temporary_database(folder, "invoiceflow_outage") as url:
        proxy = None
        if url.startswith("postgresql"):
            real = make_url(url)
            proxy = TcpProxy(real.host or "127.0.0.1", real.port or 5432).start()
            url = real.set(port=proxy.port).render_as_string(hide_password=False)
        app = outage_ready_app(url, tmp_path_factory.mktemp("files"))
        outage = PostgresOutage(app, proxy) if proxy else SqliteOutage(app, folder)
        yield app, outage
        outage.restore()
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
        if proxy:
            proxy.stop()


@pytest.fixture
def outage(outage_app):
    app, outage = outage_app
    yield outage
    outage.restore()


@pytest.fixture
def people(outage_app):
    """An initiator and an approver (new names in each test: the database is the module's),
    with an invoice submitted to the approver."""
    app, _outage = outage_app
    make = factories.Factories(app)
    n = next(_names)
    ivan, anna = f"ivan{n}", f"anna{n}"
    ivan_id = make.user(ivan, roles.INITIATOR)
    anna_id = make.user(anna, roles.APPROVER)
    invoice = make.invoice(ivan_id, make.counterparty(), approvers=[anna_id])
    submit = app.test_client().post(f"/api/v1/invoices/{invoice}/submit", headers=token(app, ivan))
    assert submit.status_code == 200, submit.json
    task = count(app, "SELECT count(*) FROM human_task WHERE invoice_id = :i", i=invoice)
    assert task == 1
    with app.app_context():
        guid = db.session.execute(
            text("SELECT task_guid FROM human_task WHERE invoice_id = :i"), {"i": invoice}
        ).scalar()
        db.session.remove()
    return {"app": app, "initiator": ivan, "approver": anna, "invoice": invoice, "task": guid}


def token(app, username: str) -> dict:
    answer = app.test_client().post(
        "/api/v1/security/login",
        json={"username": username, "password": factories.PASSWORD, "provider": "db"},
    )
    assert answer.status_code == 200, answer.json
    return {"Authorization": f"Bearer {answer.json['access_token']}"}


def signed_in(app, username: str, language: str | None = None):
    client = app.test_client()
    answer = client.post(
        "/login/",
        data={"username": username, "password": factories.PASSWORD},
        follow_redirects=True,
    )
    assert answer.status_code == 200
    if language:
        assert client.get(f"/lang/{language}").status_code == 302
    return client


def count(app, sql: str, **params) -> int:
    with app.app_context():
        value = db.session.execute(text(sql), params).scalar()
        db.session.remove()
    return int(value or 0)
