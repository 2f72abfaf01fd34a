"""Migration 0011 on a database with data: invoices get their counterparty's details, and
initiators lose the right to change counterparties that earlier versions seeded."""

from datetime import UTC, datetime

import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import column, insert, inspect, table, text

from app import create_app
from app.extensions import db
from tests.databases import temporary_database

ROLES = {1: "Initiator", 2: "Finance director", 3: "Vendor desk"}
PERMISSIONS = {1: "can_read", 2: "can_write"}
GRANTS = [  # (role, permission) on Counterparty, as version 0010's init-security left them
    (1, 1),
    (1, 2),
    (2, 1),
    (2, 2),
    (3, 2),  # a role an admin created and granted on the Roles screen
]


@pytest.fixture
def app_at_0010(tmp_path):
    with temporary_database(tmp_path, "invoiceflow_0011") as url:
        app = create_app("test", SQLALCHEMY_DATABASE_URI=url, FILE_STORAGE_DIR=str(tmp_path))
        with app.app_context():
            upgrade(revision="0010")
            _seed(db.session)
            db.session.remove()
        yield app
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


def _seed(session):
    now = datetime.now(UTC).replace(tzinfo=None)
    _insert(session, "ab_role", *({"id": k, "name": v} for k, v in ROLES.items()))
    _insert(session, "ab_permission", *({"id": k, "name": v} for k, v in PERMISSIONS.items()))
    _insert(session, "ab_view_menu", {"id": 1, "name": "Counterparty"})
    _insert(
        session,
        "ab_permission_view",
        *({"id": k, "permission_id": k, "view_menu_id": 1} for k in PERMISSIONS),
    )
    _insert(
        session,
        "ab_permission_view_role",
        *(
            {"id": n, "role_id": role, "permission_view_id": pv}
            for n, (role, pv) in enumerate(GRANTS, start=1)
        ),
    )
    _insert(
        session,
        "ab_user",
        {
            "id": 1,
            "first_name": "Ivan",
            "last_name": "Tester",
            "username": "ivan",
            "email": "ivan@example.com",
            "active": True,
        },
    )
    _insert(
        session,
        "counterparty",
        {
            "id": 1,
            "name": "Volga Trade",
            "country": "RU",
            "tax_id": "7707083893",
            "bank_name": "Sberbank",
            "bank_bic": "044525225",
            "bank_account": "40702810938000000001",
            "created_at": now,
        },
    )
    invoice = {
        "amount": 100,
        "currency": "RUB",
        "counterparty_id": 1,
        "counterparty_name": "Volga Trade",
        "issue_date": now.date(),
        "payment_order_required": False,
        "initiator_id": 1,
        "lock_version": 1,
        "created_at": now,
        "updated_at": now,
    }
    _insert(
        session,
        "invoice",
        {**invoice, "id": 1, "number": 1, "status": "paid"},
        {**invoice, "id": 2, "number": 2, "status": "draft"},
    )
    session.commit()


def _insert(session, name: str, *rows: dict) -> None:
    session.execute(insert(table(name, *(column(key) for key in rows[0]))), list(rows))


def _grants(session) -> set[tuple[str, str]]:
    return set(
        session.execute(
            text(
                "SELECT r.name, p.name FROM ab_permission_view_role pvr"
                " JOIN ab_role r ON r.id = pvr.role_id"
                " JOIN ab_permission_view pv ON pv.id = pvr.permission_view_id"
                " JOIN ab_permission p ON p.id = pv.permission_id"
            )
        ).all()
    )


def test_0011_copies_the_counterparty_onto_every_invoice_and_revokes_initiators_changes(
    app_at_0010,
):
    with app_at_0010.app_context():
        upgrade(revision="0011")
        copied = db.session.execute(
            text(
                "SELECT id, counterparty_country, counterparty_tax_id, counterparty_bank_name,"
                " counterparty_bank_bic, counterparty_bank_account FROM invoice ORDER BY id"
            )
        ).all()
        grants = _grants(db.session)
        db.session.remove()
    details = ("RU", "7707083893", "Sberbank", "044525225", "40702810938000000001")
    assert [tuple(row) for row in copied] == [(1, *details), (2, *details)]
    assert grants == {
        ("Initiator", "can_read"),
        ("Finance director", "can_read"),
        ("Finance director", "can_write"),
        ("Vendor desk", "can_write"),
    }


def test_0011_goes_back_down(app_at_0010):
    with app_at_0010.app_context():
        upgrade(revision="0011")
        downgrade(revision="0010")
        columns = {c["name"] for c in inspect(db.engine).get_columns("invoice")}
        db.session.remove()
    assert "counterparty_name" in columns
    assert not {c for c in columns if c.startswith("counterparty_bank")}
