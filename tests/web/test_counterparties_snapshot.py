"""An invoice keeps its counterparty's name, tax id and bank details as they were at submit."""

import io

import pytest

from app import roles
from app.extensions import db
from app.models import AuditEvent, Invoice
from app.models.audit import invoice_chain
from tests.web.forms import PDF

OLD_ACCOUNT = "40702810938000000001"
NEW_ACCOUNT = "40702810238000000002"
NEWER_ACCOUNT = "40702810538000000003"


@pytest.fixture
def people(make):
    return {
        "ivan": make.user("ivan", roles.INITIATOR),
        "anna": make.user("anna", roles.APPROVER),
        "fedor": make.user("fedor", roles.FINANCE_DIRECTOR),
    }


@pytest.fixture
def party(client, api_token, people):
    response = client.post(
        "/api/v1/counterparty/",
        json={
            "name": "Volga Trade",
            "country": "RU",
            "tax_id": "7707083893",
            "bank_name": "Sberbank",
            "bank_bic": "044525225",
            "bank_account": OLD_ACCOUNT,
        },
        headers=api_token("fedor"),
    )
    assert response.status_code == 201, response.json
    return response.json["id"]


@pytest.fixture
def invoice(make, people, party):
    return make.invoice(people["ivan"], party, approvers=[people["anna"]])


def change_party(client, api_token, party, **values):
    response = client.put(f"/api/v1/counterparty/{party}", json=values, headers=api_token("fedor"))
    assert response.status_code == 200, response.json


def submit(client, api_token, invoice):
    answer = client.post(f"/api/v1/invoices/{invoice}/submit", headers=api_token("ivan"))
    assert answer.status_code == 200, answer.json


def open_task(client, headers) -> str:
    return client.get("/api/v1/tasks/mine", headers=headers).json["result"][0]["id"]


def decide(client, api_token, decision, comment=None):
    anna = api_token("anna")
    answer = client.post(
        f"/api/v1/tasks/{open_task(client, anna)}/decision",
        headers=anna,
        json={"decision": decision, "comment": comment},
    )
    assert answer.status_code == 200, answer.json


def pay(client, api_token, invoice):
    answer = client.post(
        f"/api/v1/invoices/{invoice}/pay",
        headers=api_token("fedor"),
        data={"payment_order": (io.BytesIO(PDF), "order.pdf")},
        content_type="multipart/form-data",
    )
    assert answer.status_code == 200, answer.json


def card_text(login, user, invoice) -> str:
    """The card's page without the bell's menu (which names what the notices are about)."""
    page = login(user).get(f"/invoices/show/{invoice}").get_data(as_text=True)
    return without_bell(page)


def without_bell(page: str) -> str:
    before, _, rest = page.partition('data-test="bell-items"')
    return before + rest.partition("</ul>")[2] if rest else page


def api_invoice(client, api_token, invoice) -> dict:
    return client.get(f"/api/v1/invoice/{invoice}", headers=api_token("fedor")).json["result"]


def test_renaming_and_a_new_account_after_payment_leave_the_paid_invoice_as_it_was(
    client, api_token, login, invoice, party, people, make
):
    submit(client, api_token, invoice)
    decide(client, api_token, "approve")
    pay(client, api_token, invoice)
    change_party(client, api_token, party, name="Volga Trade Renamed", bank_account=NEW_ACCOUNT)

    card = card_text(login, "fedor", invoice)
    assert "Volga Trade (RU, 7707083893)" in card and "Volga Trade Renamed" not in card
    assert OLD_ACCOUNT in card and NEW_ACCOUNT not in card
    assert 'data-test="counterparty-changed"' in card
    body = api_invoice(client, api_token, invoice)
    assert body["status"] == "paid"
    assert body["counterparty_name"] == "Volga Trade"
    assert body["counterparty_bank_account"] == OLD_ACCOUNT
    assert (body["counterparty_tax_id"], body["counterparty_bank_bic"]) == (
        "7707083893",
        "044525225",
    )
    listed = client.get("/api/v1/invoice/", headers=api_token("fedor")).json["result"]
    assert [row["counterparty_name"] for row in listed] == ["Volga Trade"]
    page = without_bell(login("ivan").get("/invoices/list/").get_data(as_text=True))
    assert "Volga Trade" in page and "Volga Trade Renamed" not in page


def test_a_draft_shows_the_counterparty_as_it_is_now(
    client, api_token, login, invoice, party, people
):
    change_party(client, api_token, party, name="Volga Trade Renamed", bank_account=NEW_ACCOUNT)
    card = card_text(login, "ivan", invoice)
    assert "Volga Trade Renamed" in card and NEW_ACCOUNT in card and OLD_ACCOUNT not in card
    assert 'data-test="counterparty-changed"' not in card
    assert api_invoice(client, api_token, invoice)["counterparty_bank_account"] == NEW_ACCOUNT


def test_a_change_during_approval_does_not_reach_the_invoice_being_approved(
    client, api_token, login, invoice, party, people
):
    submit(client, api_token, invoice)
    change_party(client, api_token, party, bank_account=NEW_ACCOUNT)
    anna = api_token("anna")
    task = client.get(f"/api/v1/tasks/{open_task(client, anna)}", headers=anna).json["result"]
    assert task["invoice"]["counterparty_details"]["bank_account"] == OLD_ACCOUNT
    assert OLD_ACCOUNT in card_text(login, "anna", invoice)


def test_the_payment_screen_shows_the_account_the_invoice_was_approved_with(
    client, api_token, login, invoice, party, people
):
    submit(client, api_token, invoice)
    decide(client, api_token, "approve")
    change_party(client, api_token, party, bank_account=NEW_ACCOUNT)
    fedor = api_token("fedor")
    guid = open_task(client, fedor)
    page = login("fedor").get(f"/tasks/{guid}").get_data(as_text=True)
    pay_to = page.split('data-test="pay-to"', 1)[1].split("</p>", 1)[0]
    assert OLD_ACCOUNT in pay_to and NEW_ACCOUNT not in pay_to
    assert 'data-test="pay-to-changed"' in page  # the director is warned before paying
    task = client.get(f"/api/v1/tasks/{guid}", headers=fedor).json["result"]
    assert task["invoice"]["counterparty_details"]["bank_account"] == OLD_ACCOUNT


def test_a_correction_follows_the_counterparty_and_resubmit_takes_its_details_again(
    client, api_token, login, invoice, party, people, app
):
    submit(client, api_token, invoice)
    decide(client, api_token, "return", "Wrong VAT")
    change_party(client, api_token, party, bank_account=NEW_ACCOUNT)
    assert NEW_ACCOUNT in card_text(login, "ivan", invoice)  # the card being corrected follows
    resubmitted = client.post(f"/api/v1/invoices/{invoice}/resubmit", headers=api_token("ivan"))
    assert resubmitted.status_code == 200, resubmitted.json
    change_party(client, api_token, party, bank_account=NEWER_ACCOUNT)
    assert api_invoice(client, api_token, invoice)["counterparty_bank_account"] == NEW_ACCOUNT
    with app.app_context():
        events = {
            e.action: e.details["counterparty"]["bank_account"]
            for e in db.session.query(AuditEvent).filter_by(chain=invoice_chain(invoice))
            if e.action in ("submitted", "resubmitted")
        }
        db.session.remove()
    assert events == {"submitted": OLD_ACCOUNT, "resubmitted": NEW_ACCOUNT}


def test_a_rejected_invoice_keeps_its_details_too(client, api_token, invoice, party, app):
    submit(client, api_token, invoice)
    decide(client, api_token, "reject", "Not ours")
    change_party(client, api_token, party, name="Someone Else", bank_account=NEW_ACCOUNT)
    with app.app_context():
        row = db.session.get(Invoice, invoice)
        kept = (row.status, row.counterparty_name, row.counterparty_bank_account)
        db.session.remove()
    assert kept == ("rejected", "Volga Trade", OLD_ACCOUNT)
