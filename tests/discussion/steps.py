"""Moving an invoice through its process over the API, as the people in conftest.py."""

import io

from tests.web.forms import PDF


def first_task(client, headers) -> str:
    return client.get("/api/v1/tasks/mine", headers=headers).json["result"][0]["id"]


def submit(client, api_token, invoice_id: int) -> None:
    response = client.post(f"/api/v1/invoices/{invoice_id}/submit", headers=api_token("ivan"))
    assert response.status_code == 200, response.json


def approve(client, api_token, username: str) -> None:
    headers = api_token(username)
    response = client.post(
        f"/api/v1/tasks/{first_task(client, headers)}/decision",
        headers=headers,
        json={"decision": "approve"},
    )
    assert response.status_code == 200, response.json


def pay(client, api_token, invoice_id: int, username: str = "fedor") -> None:
    response = client.post(
        f"/api/v1/invoices/{invoice_id}/pay",
        headers=api_token(username),
        data={"payment_order": (io.BytesIO(PDF), "order.pdf")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 200, response.json


def withdraw(client, api_token, invoice_id: int) -> None:
    response = client.post(
        f"/api/v1/invoices/{invoice_id}/withdraw",
        headers=api_token("ivan"),
        json={"reason": "Ordered twice"},
    )
    assert response.status_code == 200, response.json
