"""Migration 0024 on a database with drafts: a draft saved before it keeps the tables the editor
opened it with (its version's); an imported draft has none."""

import json
from datetime import datetime, time

import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import JSON, column, insert, inspect, table, text

from app import create_app
from app.extensions import db
from tests import clock
from tests.databases import temporary_database

TABLES = {"invoice_approval.rules.dmn": "<definitions/>"}


@pytest.fixture
def app_at_0023(tmp_path):
    with temporary_database(tmp_path, "invoiceflow_0024") as url:
        app = create_app("test", SQLALCHEMY_DATABASE_URI=url, FILE_STORAGE_DIR=str(tmp_path))
        with app.app_context():
            upgrade(revision="0023")
            _seed(db.session)
            db.session.remove()
        yield app
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


def _seed(session):
    saved = datetime.combine(clock.today(), time(9))
    user = {"id": 1, "first_name": "Alla", "last_name": "Tester", "username": "alla"}
    _insert(session, "ab_user", {**user, "email": "alla@example.com", "active": True})
    _insert(
        session,
        "process_version",
        *(
            {
                "id": n,
                "process_id": "invoice_approval",
                "version": n,
                "bpmn_xml": "<definitions/>",
                "decision_tables": tables,
                "sha256": f"{n:064d}",
                "published_at": saved,
                "is_current": n == 2,
            }
            for n, tables in ((1, None), (2, TABLES))
        ),
    )
    _insert(
        session,
        "process_draft",
        *(
            {
                "id": n,
                "process_id": "invoice_approval",
                "bpmn_xml": "<definitions/>",
                "based_on_version": based_on,
                "saved_by_id": 1,
                "saved_at": saved,
                "problems": [],
            }
            for n, based_on in ((1, 2), (2, 1), (3, None))
        ),
    )
    session.commit()


def _insert(session, name, *rows):
    json_columns = ("decision_tables", "problems")
    columns = [column(key, JSON) if key in json_columns else column(key) for key in rows[0]]
    session.execute(insert(table(name, *columns)), list(rows))


def test_drafts_keep_the_tables_of_the_version_they_came_from(app_at_0023):
    with app_at_0023.app_context():
        upgrade(revision="0024")
        rows = db.session.execute(
            text("SELECT id, decision_tables FROM process_draft ORDER BY id")
        ).all()
        db.session.remove()  # PostgreSQL: no open read while the downgrade alters the table
        assert [(pk, _loaded(tables)) for pk, tables in rows] == [(1, TABLES), (2, None), (3, None)]
        downgrade(revision="0023")
        columns = {c["name"] for c in inspect(db.engine).get_columns("process_draft")}
        assert "decision_tables" not in columns
        db.session.remove()


def _loaded(value):
    """JSON as the driver hands it back: parsed by psycopg, text from SQLite."""
    return json.loads(value) if isinstance(value, str) else value
