"""Export for payment over HTTP: the 1C file parsed back key by key, CSV, marks, refusals."""

from __future__ import annotations

import csv
import hashlib
import io
from datetime import datetime

from app.domain.client_bank_format import read_exchange
from app.extensions import db
from app.models import AuditEvent
from tests.payment_export.conftest import COMPANY, LUTIK, ROMASHKA, expect

HEADER_KEYS = [
    "ВерсияФормата",
    "Кодировка",
    "Отправитель",
    "Получатель",
    "ДатаСоздания",
    "ВремяСоздания",
    "ДатаНачала",
    "ДатаКонца",
    "РасчСчет",
    "Документ",
]


def _file(desk, batch_id, who="fedor"):
    url = f"/api/v1/payments/exports/{batch_id}/file"
    return expect(desk.client.get(url, headers=desk.tokens[who]))


def test_a_1c_export_holds_a_payment_order_per_invoice_with_every_key(desk):
    first = desk.invoice(vendor_invoice_no="ВХ-17", contract_no="Д-5/2026", vat_amount="20833.42")
    second = desk.invoice("lutik", amount="990.00")
    batch = desk.export([first["id"], second["id"]]).json["result"]

    answer = _file(desk, batch["id"])
    raw = answer.data
    assert answer.headers["Content-Disposition"].startswith("attachment;")
    assert hashlib.sha256(raw).hexdigest() == batch["sha256"] == answer.headers["X-Content-SHA256"]
    assert raw.startswith(b"1CClientBankExchange\r\n") and raw.endswith(
        b"\r\n\xca\xee\xed\xe5\xf6\xd4\xe0\xe9\xeb\xe0\r\n"
    )
    text = raw.decode("cp1251")
    assert "\n" not in text.replace("\r\n", "")  # CRLF throughout
    exchange = read_exchange(raw)
    assert list(exchange.header) == HEADER_KEYS
    today = datetime.now().strftime("%d.%m.%Y")  # noqa: DTZ005 - only the format is checked
    assert exchange.header["ВерсияФормата"] == "1.03"
    assert exchange.header["Кодировка"] == "Windows"
    assert exchange.header["Отправитель"] == "InvoiceFlow"
    assert exchange.header["РасчСчет"] == COMPANY["COMPANY_ACCOUNT"]
    assert len(exchange.header["ДатаСоздания"]) == len(today)
    assert (
        exchange.header["ДатаНачала"]
        == exchange.header["ДатаКонца"]
        == exchange.header["ДатаСоздания"]
    )
    assert len(exchange.header["ВремяСоздания"].split(":")) == 3

    one, two = exchange.documents
    assert one["СекцияДокумент"] == "Платежное поручение"
    expected = {
        "Номер": str(first["number"]),
        "Дата": exchange.header["ДатаСоздания"],
        "Сумма": "125000.50",
        "ПлательщикСчет": COMPANY["COMPANY_ACCOUNT"],
        "Плательщик": f"ИНН {COMPANY['COMPANY_INN']} {COMPANY['COMPANY_NAME']}",
        "ПлательщикИНН": COMPANY["COMPANY_INN"],
        "ПлательщикКПП": COMPANY["COMPANY_KPP"],
        "Плательщик1": COMPANY["COMPANY_NAME"],
        "ПлательщикРасчСчет": COMPANY["COMPANY_ACCOUNT"],
        "ПлательщикБанк1": COMPANY["COMPANY_BANK"],
        "ПлательщикБанк2": COMPANY["COMPANY_BANK_CITY"],
        "ПлательщикБИК": COMPANY["COMPANY_BIK"],
        "ПлательщикКорсчет": COMPANY["COMPANY_CORR_ACCOUNT"],
        "ПолучательСчет": ROMASHKA["bank_account"],
        "Получатель": f"ИНН {ROMASHKA['tax_id']} {ROMASHKA['name']}",
        "ПолучательИНН": ROMASHKA["tax_id"],
        "ПолучательКПП": ROMASHKA["kpp"],
        "Получатель1": ROMASHKA["name"],
        "ПолучательРасчСчет": ROMASHKA["bank_account"],
        "ПолучательБанк1": ROMASHKA["bank_name"],
        "ПолучательБИК": ROMASHKA["bank_bic"],
        "ПолучательКорсчет": ROMASHKA["bank_corr_account"],
        "ВидПлатежа": "электронно",
        "ВидОплаты": "01",
        "Очередность": "5",
    }
    assert {
        k: v for k, v in one.items() if k not in ("_line", "СекцияДокумент", "НазначениеПлатежа")
    } == expected
    issue = datetime.fromisoformat(first["issue_date"]).strftime("%d.%m.%Y")
    assert one["НазначениеПлатежа"] == (
        f"Оплата по счёту № ВХ-17 от {issue} по договору № Д-5/2026 (рег. № {first['number']}). "
        "В т.ч. НДС 20833.42 руб."
    )
    assert two["Сумма"] == "990.00"
    assert two["ПолучательИНН"] == LUTIK["tax_id"]
    assert two["НазначениеПлатежа"].endswith("Без налога (НДС).")


def test_exported_invoices_are_marked_with_their_batch_and_audited(desk, app):
    invoice = desk.invoice()
    batch = desk.export([invoice["id"]]).json["result"]
    assert batch["invoices"] == [invoice["id"]]
    assert (
        batch["invoice_count"] == 1 and batch["total"] == "125000.50" and batch["currency"] == "RUB"
    )
    assert batch["created_by"] == desk.people["fedor"]

    awaiting = expect(desk.client.get("/api/v1/payments/awaiting", headers=desk.tokens["fedor"]))
    [row] = awaiting.json["result"]["invoices"]
    assert row["export_id"] == batch["id"]
    assert awaiting.json["result"]["totals"] == {}  # nothing left to export
    with app.app_context():
        actions = [e.action for e in db.session.query(AuditEvent).order_by(AuditEvent.id)]
        event = db.session.query(AuditEvent).filter_by(action="exported_for_payment").one()
        assert event.invoice_id == invoice["id"]
        assert event.actor_id == desk.people["fedor"]
        assert event.details["sha256"] == batch["sha256"]
        db.session.remove()
    assert "payment_export_created" in actions


def test_an_invoice_is_not_exported_twice_and_a_batch_downloads_again_the_same(desk, app):
    invoice = desk.invoice()
    batch = desk.export([invoice["id"]]).json["result"]
    refused = desk.export([invoice["id"]], kind="csv", status=409)
    assert f"batch {batch['id']}" in refused.json["message"]
    again = _file(desk, batch["id"])
    assert hashlib.sha256(again.data).hexdigest() == batch["sha256"]
    with app.app_context():
        downloads = db.session.query(AuditEvent).filter_by(action="payment_export_downloaded")
        assert downloads.count() == 1
        db.session.remove()


def test_a_csv_export_has_a_row_per_invoice_safe_from_formulas(desk):
    invoice = desk.invoice(vendor_invoice_no="=HYPERLINK(1)", amount="1234.50")
    body = {"invoices": [invoice["id"]], "format": "csv", "delimiter": ";", "decimal_mark": ","}
    batch = expect(
        desk.client.post("/api/v1/payments/exports", headers=desk.tokens["fedor"], json=body), 201
    ).json["result"]
    raw = _file(desk, batch["id"]).data
    assert raw.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))
    heading, row = rows
    assert len(heading) == len(row) == 16
    values = dict(zip(heading, row, strict=True))
    assert values["No."] == str(invoice["number"])
    assert values["Vendor invoice no."] == "'=HYPERLINK(1)"
    assert values["Amount"] == "1234,50"
    assert values["Tax id (INN)"] == ROMASHKA["tax_id"]
    assert values["Correspondent account"] == ROMASHKA["bank_corr_account"]
    assert values["Payment purpose"].startswith("Оплата по счёту № =HYPERLINK(1)")


def test_what_cannot_be_exported_is_refused_with_a_message(desk, make, people):
    draft = expect(
        desk.client.post(
            "/api/v1/invoice/",
            headers=desk.tokens["ivan"],
            json={
                "amount": "10.00",
                "counterparty_id": desk.suppliers["romashka"],
                "issue_date": "2026-01-05",
            },
        ),
        201,
    ).json["id"]
    assert "not awaiting payment" in desk.export([draft], status=409).json["message"]
    assert "invoices" in desk.export([], status=422).json["message"]
    assert "format" in desk.export([draft], kind="pdf", status=422).json["message"]
    desk.export([999_999], status=404)
    desk.export([2**31], status=422)  # past any id
    dollars = desk.invoice(currency="USD", amount="10.00")
    refused = desk.export([dollars["id"]], status=422).json["message"]
    assert "roubles only" in refused["invoices"][0]
    desk.export([dollars["id"]], kind="csv")  # a CSV takes any currency


def test_no_bank_details_of_our_company_no_1c_file(desk, app, monkeypatch):
    monkeypatch.setitem(app.config, "COMPANY_ACCOUNT", "")
    invoice = desk.invoice()
    refused = desk.export([invoice["id"]], status=422).json["message"]
    assert "COMPANY_ACCOUNT" in refused["company"][0]


def test_only_those_who_record_payments_export(desk):
    invoice = desk.invoice()
    for who in ("ivan", "audra"):
        desk.export([invoice["id"]], who=who, status=403)
        expect(desk.client.get("/api/v1/payments/awaiting", headers=desk.tokens[who]), 403)
    assert desk.client.get("/api/v1/payments/awaiting").status_code == 401


def test_the_export_screen_lists_the_awaiting_invoices_with_totals_and_exports(desk, login):
    first, second = desk.invoice(), desk.invoice("lutik", amount="99.50")
    client = login("fedor")
    page = expect(client.get("/payments/export")).get_data(as_text=True)
    assert (
        f'data-number="{first["number"]}"' in page and f'data-number="{second["number"]}"' in page
    )
    assert "125\u00a0100.00" in page  # the total of both
    answer = client.post("/payments/export", data={"invoice": [first["id"]], "format": "1c"})
    assert answer.status_code == 302
    page = expect(client.get(answer.headers["Location"])).get_data(as_text=True)
    assert 'data-test="exported-invoice"' in page and 'data-test="batch"' in page
    again = client.post("/payments/export", data={"invoice": [first["id"]], "format": "1c"})
    assert again.status_code == 409
    assert login("ivan").get("/payments/export").status_code == 403
