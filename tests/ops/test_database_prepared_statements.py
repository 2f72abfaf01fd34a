"""PostgreSQL keeps the statements the pages run prepared on each connection (a page that only
read ends its transaction with COMMIT, which keeps them: app/request_transactions.py), unless a
setting turns them off for a pooler that cannot carry them."""

from sqlalchemy import text

from app import create_app, roles
from app.extensions import db

POSTGRES = "postgresql+psycopg://nobody@127.0.0.1:1/none"


def test_prepared_statements_are_on_unless_the_setting_turns_them_off():
    app = create_app("test", SQLALCHEMY_DATABASE_URI=POSTGRES)
    assert "prepare_threshold" not in app.config["SQLALCHEMY_ENGINE_OPTIONS"]["connect_args"]
    app = create_app("test", SQLALCHEMY_DATABASE_URI=POSTGRES, DATABASE_PREPARED_STATEMENTS=False)
    assert app.config["SQLALCHEMY_ENGINE_OPTIONS"]["connect_args"]["prepare_threshold"] is None


def test_pages_that_only_read_leave_their_statements_prepared(app, make, login):
    make.user("anna", roles.APPROVER)
    client = login("anna")
    for _ in range(8):  # psycopg prepares a statement from its sixth run on a connection
        assert client.get("/tasks/").status_code == 200
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            kept = db.session.execute(text("SELECT count(*) FROM pg_prepared_statements"))
            assert kept.scalar() >= 3  # the user, the task count, the page's rows...
        else:  # SQLite prepares every statement itself; there is nothing to keep
            assert (
                "prepare_threshold" not in app.config["SQLALCHEMY_ENGINE_OPTIONS"]["connect_args"]
            )
        db.session.remove()
