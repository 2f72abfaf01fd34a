"""People around one invoice: its initiator, two approvers, a finance director, an auditor,
an administrator, and an initiator who has nothing to do with it."""

import pytest

from app import roles


@pytest.fixture
def people(make):
    return {
        "ivan": make.user("ivan", roles.INITIATOR),
        "anna": make.user("anna", roles.APPROVER),
        "boris": make.user("boris", roles.APPROVER),
        "fedor": make.user("fedor", roles.FINANCE_DIRECTOR),
        "fiona": make.user("fiona", roles.FINANCE_DIRECTOR),
        "audrey": make.user("audrey", roles.AUDITOR),
        "adam": make.user("adam", roles.ADMIN),
        "oscar": make.user("oscar", roles.INITIATOR),
    }


@pytest.fixture
def invoice(make, people):
    return make.invoice(
        people["ivan"],
        make.counterparty("Acme Supplies"),
        approvers=[people["anna"], people["boris"]],
    )


@pytest.fixture
def write(client, api_token):
    """Post a message through the API as `username`; returns the response."""

    def _write(username: str, invoice_id: int, text: str):
        return client.post(
            f"/api/v1/discussion/{invoice_id}/messages",
            headers=api_token(username),
            json={"text": text},
        )

    return _write


@pytest.fixture
def read(client, api_token):
    def _read(username: str, invoice_id: int):
        return client.get(f"/api/v1/discussion/{invoice_id}/messages", headers=api_token(username))

    return _read
