"""The setup commands a deploy and a developer run: safe to run again, they add nothing twice."""

from __future__ import annotations

from sqlalchemy import func, select

from app import roles
from app.demo import DEMO_COUNTERPARTIES, DEMO_USERS
from app.extensions import db
from app.models import Counterparty, HumanTask, Invoice
from app.models.user import Role, User


def counts(app) -> dict[str, int]:
    with app.app_context():
        result = {
            name: db.session.scalar(select(func.count()).select_from(model))
            for name, model in (
                ("roles", Role),
                ("users", User),
                ("counterparties", Counterparty),
                ("invoices", Invoice),
                ("tasks", HumanTask),
            )
        }
        db.session.remove()
    return result


def role_permissions(app) -> dict[str, int]:
    with app.app_context():
        found = {
            name: len(app.appbuilder.sm.find_role(name).permissions) for name in roles.ALL_ROLES
        }
        db.session.remove()
    return found


def test_init_security_twice_keeps_the_roles_and_their_permissions(app):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["init-security"])
    assert first.exit_code == 0, first.output
    before, permissions = counts(app), role_permissions(app)
    assert all(permissions[name] > 0 for name in roles.ALL_ROLES if name != roles.ADMIN)
    second = runner.invoke(args=["init-security"])
    assert second.exit_code == 0, second.output
    assert "created: none" in second.output
    assert counts(app) == before
    assert role_permissions(app) == permissions
    with app.app_context():
        names = set(db.session.scalars(select(Role.name)))
        db.session.remove()
    assert set(roles.ALL_ROLES) <= names


def test_demo_data_twice_creates_it_once(app, monkeypatch, login):
    monkeypatch.setitem(app.config, "DEMO_DATA", True)
    runner = app.test_cli_runner()
    assert runner.invoke(args=["init-security"]).exit_code == 0
    empty = counts(app)
    first = runner.invoke(args=["demo-data"])
    assert first.exit_code == 0, first.output
    assert "Demo data created." in first.output
    seeded = counts(app)
    assert seeded == {
        **empty,
        "users": empty["users"] + len(DEMO_USERS),
        "counterparties": empty["counterparties"] + len(DEMO_COUNTERPARTIES),
        "invoices": empty["invoices"] + 3,
        "tasks": empty["tasks"] + 1,
    }

    again = runner.invoke(args=["demo-data"])
    assert again.exit_code == 0, again.output
    assert "already present; nothing added" in again.output
    assert counts(app) == seeded
    assert runner.invoke(args=["init-security"]).exit_code == 0
    assert counts(app) == seeded

    # what was seeded works: approver1 signs in with the demo password and finds the task
    page = login("approver1", "demo").get("/tasks/").get_data(as_text=True)
    assert "Approval of invoice #" in page


def test_demo_data_is_refused_where_it_is_switched_off(app, monkeypatch):
    monkeypatch.setitem(app.config, "DEMO_DATA", False)
    before = counts(app)
    refused = app.test_cli_runner().invoke(args=["demo-data"])
    assert refused.exit_code != 0
    assert "development only" in refused.output
    assert counts(app) == before
