"""What the auditors' tests share: people in every role, and an invoice with a whole story (a
return and a second round, a file, a discussion, a payment), told over the API."""

from __future__ import annotations

import io
from dataclasses import dataclass

import pytest

from app import roles
from tests.web.forms import PDF

PEOPLE = {
    "ivan": roles.INITIATOR,
    "anna": roles.APPROVER,
    "fedor": roles.FINANCE_DIRECTOR,
    "audra": roles.AUDITOR,
    "adam": roles.ADMIN,
    "boris": roles.INITIATOR,  # takes no part in the story
}
RETURN_COMMENT = "Счёт без подписи: приложите подписанный"
APPROVE_COMMENT = "Checked against the contract"
MESSAGE = "Подписанный скан приложен, проверьте"
ORDER = b"%PDF-1.4\n% payment order\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@dataclass
class Story:
    invoice_id: int
    number: int
    people: dict


def expect(response, status=200):
    assert response.status_code == status, (response.status_code, response.get_data(as_text=True))
    return response


def _decide(client, headers, body):
    [task] = client.get("/api/v1/tasks/mine", headers=headers).json["result"]
    expect(client.post(f"/api/v1/tasks/{task['id']}/decision", headers=headers, json=body))


@pytest.fixture
def people(make):
    return {name: make.user(name, role) for name, role in PEOPLE.items()}


@pytest.fixture
def story(make, people, client, api_token) -> Story:
    """Ivan's invoice with a file: Anna returns it, Ivan resubmits, Anna approves, Ivan and Anna
    discuss it, Fedor pays it with a payment order."""
    ivan, anna, fedor = api_token("ivan"), api_token("anna"), api_token("fedor")
    supplier = make.counterparty("ООО Ромашка", country="RU", tax_id="7707083893")
    pk = make.invoice(
        people["ivan"],
        supplier,
        amount="125000.50",
        approvers=[people["anna"]],
        vendor_invoice_no="ВХ-17",
    )
    expect(
        client.post(
            f"/api/v1/invoice/{pk}/attachments",
            headers=ivan,
            data={"kind": "invoice", "files": (io.BytesIO(PDF), "счёт-17.pdf")},
            content_type="multipart/form-data",
        ),
        201,
    )
    expect(client.post(f"/api/v1/invoices/{pk}/submit", headers=ivan))
    _decide(client, anna, {"decision": "return", "comment": RETURN_COMMENT})
    expect(client.post(f"/api/v1/invoices/{pk}/resubmit", headers=ivan))
    _decide(client, anna, {"decision": "approve", "comment": APPROVE_COMMENT})
    expect(
        client.post(f"/api/v1/discussion/{pk}/messages", headers=ivan, json={"text": MESSAGE}),
        201,
    )
    expect(
        client.post(
            f"/api/v1/invoices/{pk}/pay",
            headers=fedor,
            data={"reference": "PP-4711", "payment_order": (io.BytesIO(ORDER), "order.pdf")},
            content_type="multipart/form-data",
        )
    )
    number = client.get(f"/api/v1/invoice/{pk}", headers=ivan).json["result"]["number"]
    return Story(pk, number, people)
