"""The app's PostgreSQL connections run without JIT compilation unless a setting asks for it."""

import pytest
from sqlalchemy import text

from app import create_app
from app.extensions import db

POSTGRES = "postgresql+psycopg://nobody@127.0.0.1:1/none"


@pytest.mark.parametrize("overrides", [{}, {"DATABASE_JIT": False}])
def test_a_postgresql_connection_is_asked_to_leave_jit_off(overrides):
    app = create_app("test", SQLALCHEMY_DATABASE_URI=POSTGRES, **overrides)
    connect_args = app.config["SQLALCHEMY_ENGINE_OPTIONS"]["connect_args"]
    assert connect_args["options"] == "-c jit=off"


def test_with_the_setting_on_nothing_is_asked():
    app = create_app("test", SQLALCHEMY_DATABASE_URI=POSTGRES, DATABASE_JIT=True)
    assert "options" not in app.config["SQLALCHEMY_ENGINE_OPTIONS"]["connect_args"]


def test_the_running_database_is_as_configured(app):
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            assert db.session.execute(text("SHOW jit")).scalar() == "off"
        else:  # SQLite has no JIT, and its driver takes no such option
            assert "options" not in app.config["SQLALCHEMY_ENGINE_OPTIONS"]["connect_args"]
