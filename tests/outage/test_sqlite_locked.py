"""SQLite (one machine, `python run.py`): another writer holds the lock past the busy timeout.
The write answers 503 with Retry-After and writes nothing; reads go on; once the lock is free
the same write works. Always on a SQLite file, whatever database the rest of the run uses."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine

from app import roles
from app.extensions import db
from tests import factories
from tests.databases import temporary_database
from tests.outage.conftest import count, outage_ready_app, token

APPROVED = "SELECT count(*) FROM audit_event WHERE invoice_id = :i AND action = 'approved'"


@pytest.fixture(scope="module")
def sqlite_app(tmp_path_factory):
    folder = tmp_path_factory.mktemp("sqlite-locked")
    with temporary_database(folder, "invoiceflow_locked", base_url="sqlite://") as url:
        app = outage_ready_app(url, folder / "files")
        yield app
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


@pytest.fixture
def another_writer(sqlite_app):
    """A second connection (another process would do the same) holding the write lock."""
    engine = create_engine(sqlite_app.config["SQLALCHEMY_DATABASE_URI"])
    connection = engine.connect()
    connection.exec_driver_sql("BEGIN IMMEDIATE")
    yield connection
    connection.exec_driver_sql("ROLLBACK")
    connection.close()
    engine.dispose()


@pytest.fixture
def task(sqlite_app):
    make = factories.Factories(sqlite_app)
    ivan = make.user("ivan", roles.INITIATOR)
    anna = make.user("anna", roles.APPROVER)
    invoice = make.invoice(ivan, make.counterparty(), approvers=[anna])
    submitted = sqlite_app.test_client().post(
        f"/api/v1/invoices/{invoice}/submit", headers=token(sqlite_app, "ivan")
    )
    assert submitted.status_code == 200, submitted.json
    mine = sqlite_app.test_client().get("/api/v1/tasks/mine", headers=token(sqlite_app, "anna"))
    return invoice, mine.json["result"][0]["id"]


def test_a_write_waiting_past_the_busy_timeout_answers_503_and_the_same_write_works_later(
    sqlite_app, task, another_writer
):
    invoice, guid = task
    headers = token(sqlite_app, "anna")

    def decide():
        return sqlite_app.test_client().post(
            f"/api/v1/tasks/{guid}/decision", headers=headers, json={"decision": "approve"}
        )

    refused = decide()
    assert refused.status_code == 503, refused.json
    assert refused.headers["Retry-After"] == "2"
    assert "busy" in refused.json["message"]
    # Readers are not held up by a writer (WAL).
    assert sqlite_app.test_client().get("/api/v1/tasks/mine", headers=headers).status_code == 200
    another_writer.exec_driver_sql("ROLLBACK")
    another_writer.exec_driver_sql("BEGIN")  # the fixture's ROLLBACK ends this one
    assert count(sqlite_app, APPROVED, i=invoice) == 0
    assert decide().status_code == 200
    assert count(sqlite_app, APPROVED, i=invoice) == 1
