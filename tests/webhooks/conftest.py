"""What the webhook tests share: people, a supplier, a real receiver on localhost allowed by
WEBHOOK_ALLOWED_HOSTS, a subscription to it, invoices moved over the API, and worker passes
on the application's clock."""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import timedelta

import pytest
from sqlalchemy import text

from app import roles
from app.extensions import db
from app.models.base import utcnow
from app.services.webhook_delivery import WebhookSettings, deliver_due
from tests import clock
from tests.webhooks.receiver import Receiver

PEOPLE = {
    "ivan": roles.INITIATOR,
    "anna": roles.APPROVER,
    "fedor": roles.FINANCE_DIRECTOR,
    "root": roles.ADMIN,
}
MY_TABLES = ("webhook_delivery", "webhook_subscription")


def expect(response, status=200):
    assert response.status_code == status, (response.status_code, response.get_data(as_text=True))
    return response


def signatures(received) -> list[str]:
    """The signatures a delivery carries: two, comma-separated, while a rotation overlaps."""
    return received.headers["X-InvoiceFlow-Signature"].split(",")


def signature_is_valid(secret: str, received) -> bool:
    """As the README tells receivers: valid when any of the signatures verifies."""
    stamp = received.headers["X-InvoiceFlow-Timestamp"]
    signed = stamp.encode() + b"." + received.body
    expected = "sha256=" + hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    return any(hmac.compare_digest(expected, given) for given in signatures(received))


@pytest.fixture(autouse=True)
def _clean_my_tables(app):
    yield
    with app.app_context():
        db.session.rollback()
        for table in MY_TABLES:
            db.session.execute(text(f"DELETE FROM {table}"))  # noqa: S608 - fixed names
        db.session.commit()
        db.session.remove()


@pytest.fixture
def receiver():
    server = Receiver().start()
    yield server
    server.stop()


@pytest.fixture
def allow_localhost(app, monkeypatch):
    monkeypatch.setitem(app.config, "WEBHOOK_ALLOWED_HOSTS", "127.0.0.1/32")


@dataclass
class Desk:
    app: object
    client: object
    tokens: dict
    people: dict
    supplier: int

    def subscribe(self, url: str, events=("submitted", "task_assigned", "approved"), status=201):
        body = {"url": url, "events": list(events), "description": "ERP"}
        answer = self.client.post(
            "/api/v1/webhooks/subscriptions", headers=self.tokens["root"], json=body
        )
        return expect(answer, status).json.get("result")

    def invoice(self) -> int:
        body = {
            "amount": "125000.50",
            "counterparty_id": self.supplier,
            "issue_date": clock.iso_days_from_today(-10),
            "approvers": [self.people["anna"]],
        }
        answer = self.client.post("/api/v1/invoice/", headers=self.tokens["ivan"], json=body)
        return expect(answer, 201).json["id"]

    def submit(self, pk: int) -> None:
        expect(self.client.post(f"/api/v1/invoices/{pk}/submit", headers=self.tokens["ivan"]))

    def approve(self, pk: int) -> None:
        anna = self.tokens["anna"]
        tasks = expect(self.client.get("/api/v1/tasks/mine", headers=anna)).json["result"]
        [task] = [t for t in tasks if t["invoice_id"] == pk]
        body = {"decision": "approve", "comment": "ok"}
        expect(self.client.post(f"/api/v1/tasks/{task['id']}/decision", headers=anna, json=body))

    def deliveries(self, subscription_id: int) -> list[dict]:
        answer = self.client.get(
            f"/api/v1/webhooks/subscriptions/{subscription_id}/deliveries",
            headers=self.tokens["root"],
        )
        return expect(answer).json["result"]

    def work(self, now=None, passes: int = 10) -> dict:
        """Worker passes at `now` (the app's clock) until one finds nothing to do."""
        now = now or utcnow()
        total = {"delivered": 0, "retry": 0, "failed": 0}
        with self.app.app_context():
            settings = WebhookSettings.from_config(self.app.config)
            for _ in range(passes):
                counts = deliver_due(db.session, now, settings)
                for key, value in counts.items():
                    total[key] += value
                if not any(counts.values()):
                    break
            db.session.remove()
        return total

    def later(self, seconds: float):
        return utcnow() + timedelta(seconds=seconds)


@pytest.fixture
def desk(app, client, api_token, make) -> Desk:
    people = {name: make.user(name, role) for name, role in PEOPLE.items()}
    tokens = {name: api_token(name) for name in PEOPLE}
    return Desk(app, client, tokens, people, make.counterparty())
