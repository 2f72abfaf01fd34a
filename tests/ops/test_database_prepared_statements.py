"""PostgreSQL keeps the statements the pages run prepared on each connection (a page that only
read ends its transaction with COMMIT, which keeps them: app/request_transactions.py), unless a
setting turns them off for a pooler that cannot carry them."""

from app import create_app

POSTGRES = "postgresql+psycopg://nobody@127.0.0.1:1/none"


def test_prepared_statements_are_on_unless_the_setting_turns_them_off():
    app = create_app("test", SQLALCHEMY_DATABASE_URI=POSTGRES)
    assert "prepare_threshold" not in app.config["SQLALCHEMY_ENGINE_OPTIONS"]["connect_args"]
    app = create_app("test", SQLALCHEMY_DATABASE_URI=POSTGRES, DATABASE_PREPARED_STATEMENTS=False)
    assert app.config["SQLALCHEMY_ENGINE_OPTIONS"]["connect_args"]["prepare_threshold"] is None
