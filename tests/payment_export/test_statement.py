"""The bank's statement imported over HTTP: proposals, one-step confirmation, unmatched lines."""

from __future__ import annotations

import io

from app.extensions import db
from app.models import AuditEvent, Payment
from tests.payment_export.conftest import (
    LUTIK,
    ORDER,
    expect,
    outgoing,
    statement_file,
)

INCOMING = {
    "Номер": "311",
    "Дата": "01.12.2026",
    "Сумма": "5000.00",
    "ПлательщикСчет": "40702810000000099999",
    "ПлательщикИНН": "7702070139",
    "Плательщик1": "ООО Покупатель",
    "ПолучательСчет": "40702810400000012345",
    "ПолучательИНН": "7704217370",
    "ДатаПоступило": "01.12.2026",
    "НазначениеПлатежа": "Оплата по договору 7",
}


def _upload(desk, data: bytes, who="fedor", name="kl_to_1c.txt", status=201):
    return expect(
        desk.client.post(
            "/api/v1/payments/statements",
            headers=desk.tokens[who],
            data={"file": (io.BytesIO(data), name)},
            content_type="multipart/form-data",
        ),
        status,
    )


def _confirm(desk, statement_id, data=None, status=200):
    return expect(
        desk.client.post(
            f"/api/v1/payments/statements/{statement_id}/confirm",
            headers=desk.tokens["fedor"],
            data=data or {},
            content_type="multipart/form-data",
        ),
        status,
    )


def _invoice_status(desk, pk):
    card = desk.client.get(f"/api/v1/invoice/{pk}", headers=desk.tokens["ivan"]).json["result"]
    return card["status"]


def test_a_statement_proposes_each_matched_invoice_and_confirming_pays_them(desk, app):
    one, two = desk.invoice(), desk.invoice("lutik", amount="990.00")
    data = statement_file([outgoing(one), outgoing(two, LUTIK), INCOMING])
    statement = _upload(desk, data).json["result"]
    lines = statement["lines"]
    assert [line["status"] for line in lines] == ["proposed", "proposed", "unmatched"]
    assert [line["invoice_id"] for line in lines[:2]] == [one["id"], two["id"]]
    assert lines[2]["reason"] == "incoming"
    assert _invoice_status(desk, one["id"]) == "awaiting_payment"  # proposed, not paid yet

    paid = _confirm(desk, statement["id"]).json["result"]
    assert [p["invoice_id"] for p in paid["paid"]] == [one["id"], two["id"]]
    assert _invoice_status(desk, one["id"]) == _invoice_status(desk, two["id"]) == "paid"
    again = expect(
        desk.client.get(
            f"/api/v1/payments/statements/{statement['id']}", headers=desk.tokens["fedor"]
        )
    ).json["result"]
    assert [line["status"] for line in again["lines"]] == ["paid", "paid", "unmatched"]
    with app.app_context():
        payment = db.session.get(Payment, paid["paid"][0]["payment_id"])
        assert str(payment.amount) == "125000.50"
        assert payment.reference == f"п/п № {one['number']} от {outgoing(one)['Дата']}"
        assert payment.paid_on.strftime("%d.%m.%Y") == outgoing(one)["ДатаСписано"]
        events = db.session.query(AuditEvent).filter_by(invoice_id=one["id"]).all()
        actions = [e.action for e in events]
        line_event = next(e for e in events if e.action == "paid_from_statement")
        assert line_event.details["payment_id"] == payment.id
        assert line_event.details["purpose"] == outgoing(one)["НазначениеПлатежа"]
        db.session.remove()
    assert {"paid", "paid_from_statement"} <= set(actions)
    # The same statement again changes nothing.
    assert "imported already" in _upload(desk, data, status=409).json["message"]


def test_a_payment_order_is_asked_for_where_the_invoice_requires_one(desk):
    strict = desk.invoice(payment_order_required=True)
    statement = _upload(desk, statement_file([outgoing(strict)])).json["result"]
    refused = _confirm(desk, statement["id"], status=422).json["message"]
    assert f"#{strict['number']}" in refused["payment_order"][0]
    assert _invoice_status(desk, strict["id"]) == "awaiting_payment"
    line = statement["lines"][0]["id"]
    order = {f"payment_order_{line}": (io.BytesIO(ORDER), "pp.pdf")}
    _confirm(desk, statement["id"], order)
    assert _invoice_status(desk, strict["id"]) == "paid"


def test_lines_that_match_no_invoice_are_listed_with_the_reason_and_resolved(desk, app):
    invoice = desk.invoice()
    wrong_amount = outgoing(invoice, Сумма="125000.00")
    unnamed = outgoing(invoice, НазначениеПлатежа="Оплата по счёту")
    statement = _upload(desk, statement_file([wrong_amount, unnamed])).json["result"]
    reasons = [(line["status"], line["reason"]) for line in statement["lines"]]
    assert reasons == [("unmatched", "no_invoice"), ("unmatched", "not_named")]
    first, second = (line["id"] for line in statement["lines"])
    fedor = desk.tokens["fedor"]
    url = "/api/v1/payments/statement-lines/{}/resolve"
    refused = desk.client.post(
        url.format(first), headers=fedor, json={"action": "match", "invoice": invoice["number"]}
    )
    assert refused.status_code == 422 and "amount" in refused.json["message"]["invoice"][0]
    expect(desk.client.post(url.format(first), headers=fedor, json={"action": "dismiss"}), 422)
    dismissed = expect(
        desk.client.post(
            url.format(first),
            headers=fedor,
            json={"action": "dismiss", "note": "Частичная оплата, уточнить"},
        )
    ).json["result"]
    assert dismissed["status"] == "dismissed"
    matched = expect(
        desk.client.post(
            url.format(second),
            headers=fedor,
            json={"action": "match", "invoice": invoice["number"]},
        )
    ).json["result"]
    assert matched["status"] == "proposed" and matched["invoice_id"] == invoice["id"]
    expect(
        desk.client.post(
            url.format(second), headers=fedor, json={"action": "dismiss", "note": "x"}
        ),
        409,
    )
    _confirm(desk, statement["id"])
    assert _invoice_status(desk, invoice["id"]) == "paid"


def test_an_invoice_paid_meanwhile_is_not_paid_twice(desk, app):
    invoice = desk.invoice()
    statement = _upload(desk, statement_file([outgoing(invoice)])).json["result"]
    expect(
        desk.client.post(
            f"/api/v1/invoices/{invoice['id']}/pay",
            headers=desk.tokens["fedor"],
            data={"reference": "by hand"},
            content_type="multipart/form-data",
        )
    )
    result = _confirm(desk, statement["id"]).json["result"]
    assert result == {"paid": [], "stale": [statement["lines"][0]["id"]]}
    with app.app_context():
        assert db.session.query(Payment).filter_by(invoice_id=invoice["id"]).count() == 1
        db.session.remove()


def test_utf8_and_dos_statements_are_read_too(desk):
    invoice = desk.invoice()
    data = statement_file([outgoing(invoice)], encoding="utf-8")
    assert _upload(desk, b"\xef\xbb\xbf" + data).json["result"]["lines"][0]["status"] == "proposed"
    dos = statement_file([INCOMING], encoding="cp866", header={"Кодировка": "DOS"})
    line = _upload(desk, dos).json["result"]["lines"][0]
    assert line["purpose"] == "Оплата по договору 7"


def test_malformed_statements_are_refused_with_a_clear_message(desk):
    cases = {
        b"": "empty",
        b"hello": "first line",
        b"\x00\xff\xfe garbage": "first line",
        statement_file([INCOMING])[:-12]: "cut short",
        statement_file([{**INCOMING, "Сумма": "пять"}]): "not an amount",
        statement_file([{**INCOMING, "Дата": "2026-12-01"}]): "DD.MM.YYYY",
        "1CClientBankExchange\r\nСекцияДокумент=Платежное поручение\r\nКонецФайла\r\n".encode(
            "cp1251"
        ): "not closed",
        "1CClientBankExchange\r\nбез знака равенства\r\nКонецФайла\r\n".encode(
            "cp1251"
        ): "key=value",
        "1CClientBankExchange\r\nВерсияФормата=1.03\r\nКонецФайла\r\n".encode(
            "cp1251"
        ): "no payment",
    }
    for data, words in cases.items():
        answer = _upload(desk, data, status=422)
        assert words in answer.json["message"]["file"][0], (data, answer.json)
    no_file = desk.client.post("/api/v1/payments/statements", headers=desk.tokens["fedor"])
    assert no_file.status_code == 422


def test_only_those_who_record_payments_import_and_confirm(desk):
    invoice = desk.invoice()
    data = statement_file([outgoing(invoice)])
    _upload(desk, data, who="ivan", status=403)
    statement = _upload(desk, data).json["result"]
    answer = desk.client.post(
        f"/api/v1/payments/statements/{statement['id']}/confirm", headers=desk.tokens["audra"]
    )
    assert answer.status_code == 403
    assert _invoice_status(desk, invoice["id"]) == "awaiting_payment"


def test_the_statement_screens_import_confirm_and_resolve(desk, login):
    invoice = desk.invoice()
    client = login("fedor")
    data = statement_file([outgoing(invoice), INCOMING])
    answer = client.post(
        "/payments/statements",
        data={"file": (io.BytesIO(data), "statement.txt")},
        content_type="multipart/form-data",
    )
    assert answer.status_code == 302
    page = expect(client.get(answer.headers["Location"])).get_data(as_text=True)
    assert f'data-test="proposal" data-number="{invoice["number"]}"' in page
    assert 'data-reason="incoming"' in page
    bad = client.post(
        "/payments/statements",
        data={"file": (io.BytesIO(b"junk"), "x.txt")},
        content_type="multipart/form-data",
    )
    assert bad.status_code == 422 and "1C Client-Bank" in bad.get_data(as_text=True)
    statement_url = answer.headers["Location"]
    confirm = client.post(statement_url + "/confirm", data={}, content_type="multipart/form-data")
    assert confirm.status_code == 302
    assert _invoice_status(desk, invoice["id"]) == "paid"
