"""People, an invoice and small steps for the out-of-office tests, over HTTP as users act."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app import roles
from app.extensions import db
from app.models import AuditEvent, Notification
from tests import clock


@pytest.fixture
def people(make):
    return {
        "ivan": make.user("ivan", roles.INITIATOR),
        "anna": make.user("anna", roles.APPROVER),
        "boris": make.user("boris", roles.APPROVER),
        "olga": make.user("olga", roles.APPROVER),
        "fedor": make.user("fedor", roles.FINANCE_DIRECTOR),
        "fiona": make.user("fiona", roles.FINANCE_DIRECTOR),
        "adam": make.user("adam", roles.ADMIN),
    }


@pytest.fixture
def invoice(make, people):
    return make.invoice(
        people["ivan"], make.counterparty("Acme"), approvers=[people["anna"], people["boris"]]
    )


def away(client, headers, deputy_id, first=0, last=3, **more):
    """Name a deputy over the API from `first` to `last` days from today."""
    body = {
        "deputy_id": deputy_id,
        "starts_on": clock.iso_days_from_today(first),
        "ends_on": clock.iso_days_from_today(last),
        **more,
    }
    return client.post("/api/v1/delegations/", headers=headers, json=body)


def submit(client, api_token, invoice):
    response = client.post(f"/api/v1/invoices/{invoice}/submit", headers=api_token("ivan"))
    assert response.status_code == 200, response.json


def my_tasks(client, headers) -> list[dict]:
    response = client.get("/api/v1/tasks/mine", headers=headers)
    assert response.status_code == 200, response.json
    return response.json["result"]


def notified(app, kind: str) -> dict[int, dict]:
    with app.app_context():
        rows = db.session.execute(
            select(Notification.user_id, Notification.params).where(Notification.kind == kind)
        ).all()
        db.session.remove()
    return {user_id: params for user_id, params in rows}


def audit_of(app, action: str) -> list[tuple[int | None, dict]]:
    with app.app_context():
        rows = db.session.execute(
            select(AuditEvent.actor_id, AuditEvent.details).where(AuditEvent.action == action)
        ).all()
        db.session.remove()
    return [(actor, details) for actor, details in rows]
