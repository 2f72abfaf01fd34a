"""Posting the invoice card's form as a browser would."""

from __future__ import annotations

import io
import re

from tests import clock

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def card_form(counterparty_id: int, **fields) -> dict:
    data = {
        "amount": "1 234,56",
        "currency": "RUB",
        "counterparty": str(counterparty_id),
        "issue_date": clock.today().isoformat(),
        "file_kind": "invoice",
    }
    data.update({k: v for k, v in fields.items() if k != "files"})
    if "files" in fields:
        data["files"] = [(io.BytesIO(content), name) for name, content in fields["files"]]
    return data


def post_card(client, url: str, data: dict, follow: bool = True):
    return client.post(url, data=data, content_type="multipart/form-data", follow_redirects=follow)


def created_invoice_id(response) -> int:
    match = re.search(r"/invoices/show/(\d+)", response.request.path)
    assert match, f"not on a card: {response.request.path}"
    return int(match.group(1))
