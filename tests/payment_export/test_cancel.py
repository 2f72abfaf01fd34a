"""A finance director cancels an export batch the bank has not paid from: its invoices go into
another batch; the cancelled one stays listed with who, when and why, its file still downloads
marked cancelled; a batch with a paid invoice is refused; all of it audited."""

from __future__ import annotations

import hashlib
import io

from sqlalchemy import select

from app.extensions import db
from app.models import AuditEvent
from tests.payment_export.conftest import LUTIK, expect, outgoing, statement_file
from tests.russian_text import latin_words, visible_text


def cancel(desk, batch_id, reason="The bank refused the file", who="fedor", status=200):
    url = f"/api/v1/payments/exports/{batch_id}/cancel"
    body = {} if reason is None else {"reason": reason}
    return expect(desk.client.post(url, headers=desk.tokens[who], json=body), status)


def batches(desk) -> dict[int, dict]:
    listed = expect(desk.client.get("/api/v1/payments/exports", headers=desk.tokens["fedor"]))
    return {batch["id"]: batch for batch in listed.json["result"]}


def awaiting(desk) -> dict[int, int | None]:
    answer = expect(desk.client.get("/api/v1/payments/awaiting", headers=desk.tokens["fedor"]))
    return {row["id"]: row["export_id"] for row in answer.json["result"]["invoices"]}


def pay_from_statement(desk, invoice, supplier=None) -> None:
    line = outgoing(invoice) if supplier is None else outgoing(invoice, supplier)
    upload = desk.client.post(
        "/api/v1/payments/statements",
        headers=desk.tokens["fedor"],
        data={"file": (io.BytesIO(statement_file([line])), "kl_to_1c.txt")},
        content_type="multipart/form-data",
    )
    statement = expect(upload, 201).json["result"]
    confirm = desk.client.post(
        f"/api/v1/payments/statements/{statement['id']}/confirm",
        headers=desk.tokens["fedor"],
        data={},
        content_type="multipart/form-data",
    )
    assert [p["invoice_id"] for p in expect(confirm).json["result"]["paid"]] == [invoice["id"]]


def audit_events(app, action: str) -> list[AuditEvent]:
    with app.app_context():
        query = select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
        events = list(db.session.scalars(query))
        db.session.remove()
    return events


def test_a_cancelled_batch_frees_its_invoices_for_another_batch(desk):
    one, two = desk.invoice(), desk.invoice("lutik", amount="990.00")
    first = desk.export([one["id"], two["id"]]).json["result"]
    desk.export([one["id"]], status=409)

    cancelled = cancel(desk, first["id"], reason="  Wrong account in the file  ").json["result"]
    assert cancelled["status"] == "cancelled"
    assert cancelled["cancel_reason"] == "Wrong account in the file"
    assert cancelled["cancelled_by"] == desk.people["fedor"]
    assert cancelled["cancelled_at"] is not None
    assert awaiting(desk) == {one["id"]: None, two["id"]: None}

    second = desk.export([one["id"], two["id"]], kind="csv").json["result"]
    assert second["status"] == "exported"
    assert awaiting(desk) == {one["id"]: second["id"], two["id"]: second["id"]}
    listed = batches(desk)
    assert listed[first["id"]]["status"] == "cancelled"
    assert listed[first["id"]]["invoices"] == [one["id"], two["id"]]
    assert listed[second["id"]]["status"] == "exported"
    # In one batch that is not cancelled, still: the new batch holds them now.
    refused = desk.export([two["id"]], status=409)
    assert f"batch {second['id']}" in refused.json["message"]


def test_a_batch_with_a_paid_invoice_cannot_be_cancelled(desk, app):
    one, two = desk.invoice(), desk.invoice("lutik", amount="990.00")
    batch = desk.export([one["id"], two["id"]]).json["result"]
    pay_from_statement(desk, one)

    refused = cancel(desk, batch["id"], status=409).json["message"]
    assert f"#{one['number']}" in refused and "paid already" in refused
    assert batches(desk)[batch["id"]]["status"] == "exported"
    assert audit_events(app, "payment_export_cancelled") == []
    pay_from_statement(desk, two, LUTIK)  # the rest of the batch is paid as ever


def test_cancelling_needs_a_reason(desk):
    batch = desk.export([desk.invoice()["id"]]).json["result"]
    for reason in (None, "", "   ", 17):
        answer = cancel(desk, batch["id"], reason=reason, status=422)
        assert answer.json["message"]["reason"] == ["Say why the batch is cancelled."]
    assert "1000" in cancel(desk, batch["id"], reason="x" * 1001, status=422).text
    assert batches(desk)[batch["id"]]["status"] == "exported"


def test_a_batch_is_cancelled_once(desk):
    batch = desk.export([desk.invoice()["id"]]).json["result"]
    cancel(desk, batch["id"])
    again = cancel(desk, batch["id"], reason="Again", status=409)
    assert "cancelled already" in again.json["message"]
    assert batches(desk)[batch["id"]]["cancel_reason"] == "The bank refused the file"


def test_the_cancelled_batchs_file_still_downloads_the_same_bytes_marked_cancelled(desk):
    batch = desk.export([desk.invoice()["id"]]).json["result"]
    url = f"/api/v1/payments/exports/{batch['id']}/file"
    before = expect(desk.client.get(url, headers=desk.tokens["fedor"]))
    assert before.headers["X-Payment-Export-Status"] == "exported"
    cancel(desk, batch["id"])
    after = expect(desk.client.get(url, headers=desk.tokens["fedor"]))
    assert after.data == before.data
    assert hashlib.sha256(after.data).hexdigest() == batch["sha256"]
    assert after.headers["X-Payment-Export-Status"] == "cancelled"
    assert f'filename="CANCELLED-{batch["file_name"]}"' in after.headers["Content-Disposition"]


def test_cancelling_is_audited_on_the_batch_and_on_each_invoice(desk, app):
    one, two = desk.invoice(), desk.invoice("lutik", amount="990.00")
    batch = desk.export([one["id"], two["id"]]).json["result"]
    cancel(desk, batch["id"], reason="Duplicate of the paper orders")

    [summary] = audit_events(app, "payment_export_cancelled")
    assert summary.actor_id == desk.people["fedor"]
    assert summary.invoice_id is None
    assert summary.details["export_id"] == batch["id"]
    assert summary.details["reason"] == "Duplicate of the paper orders"
    assert summary.details["invoices"] == [one["number"], two["number"]]
    per_invoice = audit_events(app, "export_for_payment_cancelled")
    assert [e.invoice_id for e in per_invoice] == [one["id"], two["id"]]
    assert all(e.details["reason"] == "Duplicate of the paper orders" for e in per_invoice)


def test_only_those_who_record_payments_cancel(desk):
    batch = desk.export([desk.invoice()["id"]]).json["result"]
    for who in ("ivan", "audra"):
        cancel(desk, batch["id"], who=who, status=403)
    cancel(desk, 999999, status=404)
    assert batches(desk)[batch["id"]]["status"] == "exported"


def test_the_screen_cancels_a_batch_and_lists_it_as_cancelled(desk, login):
    invoice = desk.invoice()
    batch = desk.export([invoice["id"]]).json["result"]
    client = login("fedor")
    page = expect(client.get("/payments/export")).get_data(as_text=True)
    assert 'data-test="cancel-form"' in page

    refused = client.post(f"/payments/exports/{batch['id']}/cancel", data={"reason": " "})
    assert refused.status_code == 422
    assert "Say why the batch is cancelled." in refused.get_data(as_text=True)

    done = client.post(f"/payments/exports/{batch['id']}/cancel", data={"reason": "Wrong BIC"})
    assert done.status_code == 302
    page = expect(client.get("/payments/export")).get_data(as_text=True)
    assert f'data-id="{batch["id"]}" data-status="cancelled"' in page
    assert "Wrong BIC" in page
    assert "Download the cancelled file" in page
    assert f'data-number="{invoice["number"]}"' in page  # free to export again
    assert 'data-test="cancel-form"' not in page


def test_the_screen_offers_no_cancelling_of_a_batch_paid_from_and_refuses_it(desk, login):
    invoice = desk.invoice()
    batch = desk.export([invoice["id"]]).json["result"]
    pay_from_statement(desk, invoice)
    client = login("fedor")
    page = expect(client.get("/payments/export")).get_data(as_text=True)
    assert 'data-test="paid-from"' in page and 'data-test="cancel-form"' not in page
    answer = client.post(f"/payments/exports/{batch['id']}/cancel", data={"reason": "x"})
    assert answer.status_code == 409
    assert "paid already" in answer.get_data(as_text=True)


def test_the_cancel_form_without_the_csrf_token_is_refused(desk, app, login, monkeypatch):
    batch = desk.export([desk.invoice()["id"]]).json["result"]
    client = login("fedor")
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    answer = client.post(f"/payments/exports/{batch['id']}/cancel", data={"reason": "x"})
    assert answer.status_code == 400
    assert batches(desk)[batch["id"]]["status"] == "exported"


def test_people_who_do_not_pay_cannot_cancel_on_the_screen(desk, login):
    batch = desk.export([desk.invoice()["id"]]).json["result"]
    answer = login("ivan").post(f"/payments/exports/{batch['id']}/cancel", data={"reason": "x"})
    assert answer.status_code in (302, 403)
    assert batches(desk)[batch["id"]]["status"] == "exported"


def test_a_russian_finance_director_reads_the_cancelled_batch_in_russian(desk, login):
    batch = desk.export([desk.invoice()["id"]]).json["result"]
    client = login("fedor")
    assert client.get("/lang/ru").status_code == 302
    refused = client.post(f"/payments/exports/{batch['id']}/cancel", data={"reason": ""})
    assert "Укажите, почему пакет отменяется." in refused.get_data(as_text=True)
    client.post(f"/payments/exports/{batch['id']}/cancel", data={"reason": "Неверный БИК"})
    page = expect(client.get("/payments/export")).get_data(as_text=True)
    assert "отменён" in page and "Неверный БИК" in page
    typed = {"CSV", "SHA", "RUB", "Fedor", "Tester", "fedor", "Client", "Bank"}
    assert latin_words(visible_text(page), typed) == []


def test_the_openapi_document_describes_cancelling(desk):
    document = desk.client.get("/api/v1/_openapi", headers=desk.tokens["fedor"]).json
    paths = {path.removeprefix("/api/v1"): ops for path, ops in document["paths"].items()}
    operation = paths["/payments/exports/{export_id}/cancel"]["post"]
    assert "409" in operation["responses"]
    schemas = document["components"]["schemas"]
    assert schemas["PaymentExportCancellation"]["required"] == ["reason"]
    assert {"status", "cancelled_at", "cancelled_by", "cancel_reason"} <= set(
        schemas["PaymentExport"]["properties"]
    )
