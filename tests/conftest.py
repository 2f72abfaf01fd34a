"""Fixtures: one application and schema per test run; every test starts from empty tables.

The database is a SQLite file by default, or PostgreSQL when TEST_DATABASE_URL says so
(each run gets a database of its own, dropped at the end).
"""

from __future__ import annotations

from collections import Counter

import pytest
from sqlalchemy import text

from app import create_app
from app.extensions import db
from app.role_defaults import seed_roles
from app.services.process_versions import seed_process_versions
from tests import clock, factories
from tests.browser import browser  # noqa: F401 - the one browser of a test process
from tests.databases import temporary_database
from tests.mail_server import SmtpServer


def pytest_configure(config):
    traveller = clock.shifted_clock()
    if traveller is not None:
        traveller.start()  # for the whole run: collection, fixtures and tests see the moved clock
        config.add_cleanup(traveller.stop)


# The files that run longest go out first: a run lasts until its last file ends, and one long file
# handed out last kept one process busy minutes after the other had finished. The Makefile runs
# xdist with --no-loadscope-reorder (its own order is by the number of tests in a file).
LONGEST_FIRST = ("tests/e2e/test_russian_everywhere.py", "tests/web/test_openapi.py", "tests/e2e/")


def pytest_collection_modifyitems(config, items):
    per_file = Counter(_file_of(item) for item in items)

    def rank(item) -> tuple:
        path = _file_of(item)
        first = next(
            (n for n, prefix in enumerate(LONGEST_FIRST) if path.startswith(prefix)),
            len(LONGEST_FIRST),
        )
        return first, -per_file[path], path

    items.sort(key=rank)  # stable: each file keeps its own order


def _file_of(item) -> str:
    return item.nodeid.split("::", 1)[0]


APP_TABLES = (
    "webhook_delivery",
    "webhook_subscription",
    "bank_statement_line",
    "bank_statement",
    "payment_export_item",
    "payment_export",
    "incident",
    "delegation",
    "process_draft",
    "outbox",
    "notification",
    "user_preference",
    "audit_event",
    "payment",
    "email_action_use",
    "human_task",
    "process_instance",
    "attachment",
    "message",
    "invoice_approver",
    "invoice",
    "counterparty",
    "department",
    "cost_centre",
)


@pytest.fixture(scope="session")
def database_url(tmp_path_factory):
    with temporary_database(tmp_path_factory.mktemp("db"), "invoiceflow_test") as url:
        yield url


@pytest.fixture(scope="session")
def app(database_url, tmp_path_factory):
    app = create_app(
        "test",
        SQLALCHEMY_DATABASE_URI=database_url,
        FILE_STORAGE_DIR=str(tmp_path_factory.mktemp("files")),
    )
    with app.app_context():
        db.create_all()
        seed_roles(app.appbuilder)
        seed_process_versions(db.session, app.config["PROCESSES_DIR"])
        db.session.remove()
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture(autouse=True)
def _clean_tables(request):
    yield
    if "app" not in request.fixturenames:
        return
    app = request.getfixturevalue("app")
    with app.app_context():
        db.session.rollback()
        for table in APP_TABLES:
            db.session.execute(text(f"DELETE FROM {table}"))  # noqa: S608 - fixed names
        # Keep the seeded version 1 of each process; drop what a test published.
        db.session.execute(text("DELETE FROM process_version WHERE version > 1"))
        db.session.execute(text("UPDATE process_version SET is_current = true WHERE version = 1"))
        for table in ("ab_user_group", "ab_group_role", "ab_group", "ab_user_role"):
            db.session.execute(text(f"DELETE FROM {table}"))  # noqa: S608 - fixed names
        db.session.execute(text("DELETE FROM ab_user"))
        db.session.commit()
        db.session.remove()
    app.appbuilder.sm.login_attempts.reset()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def make(app):
    """Factories bound to the app: make.user(...), make.counterparty(...), make.invoice(...)."""
    return factories.Factories(app)


@pytest.fixture
def login(client):
    def _login(username: str, password: str = factories.PASSWORD):
        # Another person at the same browser: a new session. Not /logout/, which would end
        # every session and token of the person signed in before.
        client.delete_cookie(client.application.config["SESSION_COOKIE_NAME"])
        response = client.post(
            "/login/", data={"username": username, "password": password}, follow_redirects=True
        )
        assert response.status_code == 200
        return client

    return _login


@pytest.fixture
def api_token(app):
    def _token(username: str, password: str = factories.PASSWORD) -> dict:
        response = app.test_client().post(
            "/api/v1/security/login",
            json={"username": username, "password": password, "provider": "db"},
        )
        assert response.status_code == 200, response.json
        return {"Authorization": f"Bearer {response.json['access_token']}"}

    return _token


@pytest.fixture
def today():
    return clock.today()


@pytest.fixture
def frozen_clock():
    """The clock stopped for the test, so "today" cannot change between two readings."""
    with clock.frozen_now() as traveller:
        yield traveller


@pytest.fixture
def smtp(app, monkeypatch):
    """A real SMTP server (aiosmtpd) on a free localhost port; stop it to simulate an outage."""
    server = SmtpServer()
    server.start()
    state = app.extensions["mail"]
    monkeypatch.setitem(app.config, "MAIL_SERVER", "127.0.0.1")
    monkeypatch.setitem(app.config, "MAIL_PORT", server.port)
    monkeypatch.setattr(state, "server", "127.0.0.1")
    monkeypatch.setattr(state, "port", server.port)
    monkeypatch.setattr(state, "suppress", False)
    monkeypatch.setattr(state, "use_tls", False)
    monkeypatch.setattr(state, "use_ssl", False)
    yield server
    server.stop()
