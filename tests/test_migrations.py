"""Migrations build the whole schema on an empty database, with nothing left to autogenerate."""

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import upgrade
from sqlalchemy import inspect

from app import create_app
from app.extensions import db
from app.models.base import schema_objects_for
from tests.databases import temporary_database


@pytest.fixture
def empty_database_url(tmp_path):
    with temporary_database(tmp_path, "invoiceflow_migrate") as url:
        yield url


def test_upgrade_on_an_empty_database_leaves_no_pending_changes(empty_database_url, tmp_path):
    app = create_app(
        "test", SQLALCHEMY_DATABASE_URI=empty_database_url, FILE_STORAGE_DIR=str(tmp_path / "files")
    )
    with app.app_context():
        upgrade()
        tables = set(inspect(db.engine).get_table_names())
        assert {
            "invoice",
            "invoice_approver",
            "attachment",
            "audit_event",
            "counterparty",
            "ab_user",
            "ab_role",
        } <= tables
        with db.engine.connect() as connection:
            context = MigrationContext.configure(
                connection,
                opts={
                    "compare_type": True,
                    "include_object": schema_objects_for(connection.dialect.name),
                },
            )
            assert compare_metadata(context, db.metadata) == []
        db.session.remove()
        db.engine.dispose()
