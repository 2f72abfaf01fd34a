"""What the payment export tests share: people, our company's bank details, suppliers with
theirs, invoices approved over the API (awaiting payment), and a bank statement writer."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from sqlalchemy import text

from app import roles
from app.extensions import db
from tests import clock

PEOPLE = {
    "ivan": roles.INITIATOR,
    "anna": roles.APPROVER,
    "fedor": roles.FINANCE_DIRECTOR,
    "boris": roles.INITIATOR,
    "audra": roles.AUDITOR,
}
COMPANY = {
    "COMPANY_NAME": "ООО «Поток»",
    "COMPANY_INN": "7704217370",
    "COMPANY_KPP": "770401001",
    "COMPANY_ACCOUNT": "40702810400000012345",
    "COMPANY_BIK": "044525225",
    "COMPANY_BANK": "ПАО Сбербанк",
    "COMPANY_BANK_CITY": "г. Москва",
    "COMPANY_CORR_ACCOUNT": "30101810400000000225",
}
ROMASHKA = {
    "name": "ООО Ромашка",
    "country": "RU",
    "tax_id": "7707083893",
    "kpp": "773601001",
    "bank_name": "ПАО Сбербанк",
    "bank_bic": "044525225",
    "bank_account": "40702810938000000001",
    "bank_corr_account": "30101810400000000225",
}
LUTIK = {**ROMASHKA, "name": "АО Лютик", "tax_id": "7736207543", "kpp": "770401001"}
MY_TABLES = ("bank_statement_line", "bank_statement", "payment_export_item", "payment_export")
ORDER = b"%PDF-1.4\n% payment order\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def expect(response, status=200):
    assert response.status_code == status, (response.status_code, response.get_data(as_text=True))
    return response


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
def company(app, monkeypatch):
    for key, value in COMPANY.items():
        monkeypatch.setitem(app.config, key, value)
    return COMPANY


@pytest.fixture
def people(make):
    return {name: make.user(name, role) for name, role in PEOPLE.items()}


@dataclass
class Desk:
    """The people's API tokens and helpers to bring invoices to payment."""

    client: object
    tokens: dict
    people: dict
    suppliers: dict

    def invoice(self, supplier="romashka", **fields) -> dict:
        """A card by Ivan, approved by Anna: awaiting payment. Returns the card."""
        body = {
            "amount": "125000.50",
            "counterparty_id": self.suppliers[supplier],
            "issue_date": clock.iso_days_from_today(-10),
            "approvers": [self.people["anna"]],
            **fields,
        }
        ivan, anna = self.tokens["ivan"], self.tokens["anna"]
        pk = expect(self.client.post("/api/v1/invoice/", headers=ivan, json=body), 201).json["id"]
        expect(self.client.post(f"/api/v1/invoices/{pk}/submit", headers=ivan))
        [task] = expect(self.client.get("/api/v1/tasks/mine", headers=anna)).json["result"]
        decision = {"decision": "approve", "comment": "ok"}
        expect(
            self.client.post(f"/api/v1/tasks/{task['id']}/decision", headers=anna, json=decision)
        )
        return expect(self.client.get(f"/api/v1/invoice/{pk}", headers=ivan)).json["result"] | {
            "id": pk
        }

    def export(self, ids, kind="1c", who="fedor", status=201):
        body = {"invoices": ids, "format": kind}
        return expect(
            self.client.post("/api/v1/payments/exports", headers=self.tokens[who], json=body),
            status,
        )


@pytest.fixture
def desk(client, api_token, people, company) -> Desk:
    tokens = {name: api_token(name) for name in PEOPLE}
    suppliers = {}
    for key, card in (("romashka", ROMASHKA), ("lutik", LUTIK)):
        answer = client.post("/api/v1/counterparty/", headers=tokens["fedor"], json=card)
        suppliers[key] = expect(answer, 201).json["id"]
    return Desk(client, tokens, people, suppliers)


def statement_file(documents: list[dict], encoding="cp1251", header: dict | None = None) -> bytes:
    """A bank statement as a bank client writes it: a header, the account section, the
    documents, each with its keys in order."""
    head = {
        "ВерсияФормата": "1.03",
        "Кодировка": "Windows",
        "Отправитель": "Сбербанк Бизнес Онлайн",
        "Получатель": "",
        "ДатаСоздания": dotted(0),
        "ВремяСоздания": "09:00:00",
        "ДатаНачала": dotted(-1),
        "ДатаКонца": dotted(-1),
        "РасчСчет": COMPANY["COMPANY_ACCOUNT"],
        **(header or {}),
    }
    lines = ["1CClientBankExchange", *(f"{k}={v}" for k, v in head.items())]
    lines += [
        "СекцияРасчСчет",
        f"ДатаНачала={dotted(-1)}",
        f"ДатаКонца={dotted(-1)}",
        f"РасчСчет={COMPANY['COMPANY_ACCOUNT']}",
        "НачальныйОстаток=1000000.00",
        "КонецРасчСчет",
    ]
    for document in documents:
        lines.append("СекцияДокумент=Платежное поручение")
        lines += [f"{k}={v}" for k, v in document.items()]
        lines.append("КонецДокумента")
    lines.append("КонецФайла")
    return ("\r\n".join(lines) + "\r\n").encode(encoding)


def outgoing(invoice: dict, supplier: dict = ROMASHKA, **more) -> dict:
    """The statement's line for a payment order we sent for this invoice."""
    return {
        "Номер": str(invoice["number"]),
        "Дата": dotted(-1),
        "Сумма": invoice["amount"],
        "ПлательщикСчет": COMPANY["COMPANY_ACCOUNT"],
        "ДатаСписано": dotted(-1),
        "Плательщик1": COMPANY["COMPANY_NAME"],
        "ПлательщикИНН": COMPANY["COMPANY_INN"],
        "ПолучательСчет": supplier["bank_account"],
        "ДатаПоступило": "",
        "Получатель1": supplier["name"],
        "ПолучательИНН": supplier["tax_id"],
        "ПолучательКПП": supplier["kpp"],
        "ВидОплаты": "01",
        "НазначениеПлатежа": f"Оплата по счёту № 17 от {dotted(-10)} (рег. № {invoice['number']}).",
        **more,
    }


def dotted(days: int) -> str:
    """A day from today as 1C writes it: DD.MM.YYYY."""
    return clock.days_from_today(days).strftime("%d.%m.%Y")
