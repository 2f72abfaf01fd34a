"""Bad input gets a clear 4xx answer and loses nothing, through every door."""

import json

import pytest

from app import roles
from app.extensions import db
from app.models import Invoice
from tests import clock
from tests.web.forms import card_form, post_card

BAD_AMOUNTS = ["0", "-1", "1.234", "abc", "NaN", "1e3", str(10**15), "", "Infinity"]


@pytest.fixture
def party(make):
    make.user("ivan", roles.INITIATOR)
    return make.counterparty()


@pytest.mark.parametrize("amount", BAD_AMOUNTS)
def test_a_bad_amount_in_the_form_is_shown_next_to_the_field(party, login, app, amount):
    response = post_card(login("ivan"), "/invoices/add", card_form(party, amount=amount))
    assert response.status_code == 200
    assert "Please correct the fields marked below." in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.query(Invoice).count() == 0


@pytest.mark.parametrize("amount", [*BAD_AMOUNTS, 0, -1, 1.234, None, [], {}])
def test_a_bad_amount_in_the_api_is_422(party, client, api_token, amount):
    response = client.post(
        "/api/v1/invoice/",
        headers=api_token("ivan"),
        json={
            "amount": amount,
            "counterparty_id": party,
            "issue_date": clock.iso_days_from_today(-7),
        },
    )
    assert response.status_code == 422
    assert list(response.json["message"]) == ["amount"]


@pytest.mark.parametrize(
    "fields",
    [
        {"issue_date": "2024-02-30"},
        {"issue_date": 20240230},
        {"counterparty_id": [1]},
        {"approvers": {"a": 1}},
        {"due_date": "yesterday"},
        {"justification": "x" * 100_000},
        {"currency": 5},
    ],
)
def test_malformed_api_fields_are_422_never_500(party, client, api_token, fields):
    body = {
        "amount": "10",
        "counterparty_id": party,
        "issue_date": clock.iso_days_from_today(-7),
        **fields,
    }
    response = client.post("/api/v1/invoice/", headers=api_token("ivan"), json=body)
    assert response.status_code == 422, response.json


def test_the_cli_applies_the_same_rules(party, app):
    runner = app.test_cli_runner()
    refused = runner.invoke(
        args=[
            "invoice",
            "create",
            "--user",
            "ivan",
            "--data",
            json.dumps({"amount": "1.234", "counterparty_id": party, "issue_date": "2024-02-30"}),
        ]
    )
    assert refused.exit_code == 2
    assert "amount: RUB amounts have at most 2 decimal places." in refused.output
    assert "issue_date:" in refused.output
    accepted = runner.invoke(
        args=[
            "invoice",
            "create",
            "--user",
            "ivan",
            "--data",
            json.dumps(
                {
                    "amount": "1 234,56",
                    "counterparty_id": party,
                    "issue_date": clock.iso_days_from_today(-7),
                }
            ),
        ]
    )
    assert accepted.exit_code == 0, accepted.output
    assert "created" in accepted.output
    with app.app_context():
        assert [str(i.amount) for i in db.session.query(Invoice)] == ["1234.56"]


def test_unknown_ids_in_urls_are_404(party, login, client, api_token):
    browser = login("ivan")
    for url in ("/invoices/show/999999", "/invoices/show/abc", "/files/999999/download"):
        assert browser.get(url).status_code == 404
    assert client.get("/api/v1/invoice/999999", headers=api_token("ivan")).status_code == 404


HUGE = str(10**30)


def test_ids_no_row_can_have_are_404_or_422_never_500(party, make, login, client, api_token):
    ivan = make.user("vera", roles.INITIATOR)
    invoice = make.invoice(ivan, party)
    browser = login("vera")
    for url in (
        f"/invoices/show/{HUGE}",
        f"/invoices/edit/{HUGE}",
        f"/counterparties/show/{HUGE}",
        f"/files/{HUGE}/download",
        f"/process/invoice/{HUGE}",
    ):
        assert browser.get(url).status_code == 404, url
    token = api_token("vera")
    for url in (
        f"/api/v1/invoice/{HUGE}",
        f"/api/v1/invoice/{HUGE}/attachments",
    ):
        assert client.get(url, headers=token).status_code == 404, url
    for url in ("/api/v1/invoice/-1", "/api/v1/invoice/abc"):  # no such route: 404 or 405
        assert client.get(url, headers=token).status_code in (404, 405), url
    body = {
        "amount": "10",
        "counterparty_id": int(HUGE),
        "issue_date": clock.iso_days_from_today(-7),
    }
    assert client.post("/api/v1/invoice/", headers=token, json=body).status_code == 422
    body = {**body, "counterparty_id": party, "approvers": [int(HUGE)]}
    assert client.post("/api/v1/invoice/", headers=token, json=body).status_code == 422
    edit = client.put(f"/api/v1/invoice/{invoice}", headers=token, json={"lock_version": "abc"})
    assert edit.status_code == 422 and "lock_version" in edit.json["message"]


@pytest.mark.parametrize(
    ("method", "url", "payload"),
    [
        ("post", "/api/v1/counterparty/", {"name": "Bad\x00Name", "tax_id": "7707083893"}),
        ("post", "/api/v1/invoice/", {"justification": "a\x00b"}),
        ("get", "/api/v1/invoice/?q=(filters:!((col:number,opr:eq,value:'\x00')))", None),
    ],
)
def test_a_nul_character_is_refused_with_400(party, client, api_token, method, url, payload):
    response = getattr(client, method)(url, headers=api_token("ivan"), json=payload)
    assert response.status_code == 400
    assert "not allowed" in response.json["message"]


def test_a_nul_character_in_a_form_is_refused_and_nothing_saved(party, login, app):
    response = post_card(login("ivan"), "/invoices/add", card_form(party, justification="a\x00b"))
    assert response.status_code == 400
    with app.app_context():
        assert db.session.query(Invoice).count() == 0


def test_the_security_screens_answer_404_for_ids_no_row_can_have(make, login):
    make.user("adam", roles.ADMIN)
    admin = login("adam")
    for url in (
        f"/users/show/{HUGE}",
        f"/users/edit/{HUGE}",
        f"/roles/show/{HUGE}",
        f"/groups/show/{HUGE}",
        "/users/show/abc",
    ):
        assert admin.get(url).status_code == 404, url
