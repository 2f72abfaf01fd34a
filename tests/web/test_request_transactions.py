"""A request whose transaction only read ends it with COMMIT (PostgreSQL then keeps the
connection's prepared statements); anything that wrote, or failed, is rolled back as before."""

from __future__ import annotations

from contextlib import contextmanager

import pytest
from sqlalchemy import event, select, text, update

from app import roles
from app.errors import NotFoundError
from app.extensions import db
from app.models import TaskStatus
from app.models.user import User
from app.request_transactions import commit_if_only_read, is_reading
from tests.web.my_tasks_steps import Desk, open_task_of, task_of


@contextmanager
def transaction_ends(app):
    """The list of "commit" and "rollback" the engine saw meanwhile."""
    ends: list[str] = []
    with app.app_context():
        engine = db.engine

    def on_commit(_conn):
        ends.append("commit")

    def on_rollback(_conn):
        ends.append("rollback")

    event.listen(engine, "commit", on_commit)
    event.listen(engine, "rollback", on_rollback)
    try:
        yield ends
    finally:
        event.remove(engine, "commit", on_commit)
        event.remove(engine, "rollback", on_rollback)


def first_name(app, user_id: int) -> str:
    with app.app_context():
        name = db.session.scalar(select(User.first_name).where(User.id == user_id))
        db.session.remove()
    return name


@pytest.mark.parametrize("page", ["/tasks/", "/invoices/list/", "/"])
def test_a_page_that_only_reads_ends_with_a_commit(app, make, login, page):
    make.user("anna", roles.APPROVER)
    client = login("anna")
    with transaction_ends(app) as ends:
        assert client.get(page).status_code == 200
    assert ends == ["commit"]


def test_a_decision_is_committed_and_nothing_rolled_back(app, make, client, api_token, login):
    desk = Desk(app, make, client, api_token, make.user("ivan", roles.INITIATOR), "ivan")
    invoice = desk.submitted([make.user("anna", roles.APPROVER)])
    guid = open_task_of(app, invoice).task_guid
    client = login("anna")
    with transaction_ends(app) as ends:
        answer = client.post(f"/tasks/{guid}/decision", data={"decision": "approve"})
    assert answer.status_code == 302
    assert "rollback" not in ends and "commit" in ends
    assert task_of(app, invoice, task_guid=guid).status == TaskStatus.DONE


def test_a_request_refused_after_it_wrote_is_rolled_back(app, make, login, monkeypatch):
    """A view that wrote and then answered an error (handled: no exception reaches the
    teardown) leaves nothing behind."""
    user_id = make.user("anna", roles.APPROVER)
    client = login("anna")
    from app.web.views import tasks as task_views

    def writes_then_refuses(*_args, **_kwargs):
        db.session.execute(update(User).where(User.id == user_id).values(first_name="Changed"))
        raise NotFoundError("No such task.")

    monkeypatch.setattr(task_views, "my_open_tasks_matching", writes_then_refuses)
    with transaction_ends(app) as ends:
        assert client.get("/tasks/").status_code == 404
    assert ends == ["rollback"]
    assert first_name(app, user_id) != "Changed"


def core_update(user_id: int) -> None:
    db.session.execute(update(User).where(User.id == user_id).values(first_name="Changed"))


def flushed_change(user_id: int) -> None:
    db.session.get(User, user_id).first_name = "Changed"
    db.session.flush()


def change_not_flushed(user_id: int) -> None:
    db.session.get(User, user_id).first_name = "Changed"


@pytest.mark.parametrize("change", [core_update, flushed_change, change_not_flushed])
def test_a_change_not_committed_is_rolled_back(app, make, change):
    user_id = make.user("anna", roles.APPROVER)
    with app.app_context():
        change(user_id)
        commit_if_only_read(db.session)
        db.session.remove()
    assert first_name(app, user_id) != "Changed"


def test_a_transaction_without_a_connection_is_not_given_one(app):
    """A request whose connection could not be had (answered 503) must not wait for another."""
    checkouts: list[object] = []

    def on_checkout(dbapi_connection, _record, _proxy):
        checkouts.append(dbapi_connection)

    with app.app_context():
        engine = db.engine
        event.listen(engine, "checkout", on_checkout)
        try:
            db.session.begin()
            commit_if_only_read(db.session)
            db.session.remove()
        finally:
            event.remove(engine, "checkout", on_checkout)
    assert checkouts == []


def test_reads_then_a_commit_then_reads_commit_again(app, make):
    """After the use case's commit, what the request read later is committed too."""
    user_id = make.user("anna", roles.APPROVER)
    with transaction_ends(app) as ends, app.app_context():
        db.session.get(User, user_id).first_name = "Saved"
        db.session.commit()
        db.session.execute(text("SELECT 1"))
        commit_if_only_read(db.session)
        db.session.remove()
    assert ends == ["commit", "commit"]
    assert first_name(app, user_id) == "Saved"


@pytest.mark.parametrize(
    ("statement", "reads"),
    [
        ("SELECT 1", True),
        ("  select id from invoice", True),
        ("SELECT updated_at FROM process_instance", True),
        ("SELECT * INTO copy FROM invoice", False),
        ("WITH RECURSIVE v(x) AS (SELECT 1) SELECT x FROM v", True),
        ("WITH n AS (INSERT INTO t (a) VALUES (1) RETURNING id) SELECT id FROM n", False),
        ("WITH n AS (SELECT 1)\nupdate t set a = 1", False),
        ("WITH n AS (SELECT 1) DELETE FROM t", False),
        ("INSERT INTO t VALUES (1)", False),
        ("UPDATE t SET a = 1", False),
        ("DELETE FROM t", False),
        ("SAVEPOINT sa_savepoint_1", False),
        ("SET LOCAL lock_timeout = '1s'", False),
    ],
)
def test_what_counts_as_only_reading(statement, reads):
    assert is_reading(statement) is reads
