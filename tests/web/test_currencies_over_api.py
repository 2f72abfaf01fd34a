"""Amounts in their currency's minor units, dates of this century, and no lists where text goes."""

from decimal import Decimal

import pytest

from app import roles
from tests import clock


@pytest.fixture
def party(make):
    make.user("ivan", roles.INITIATOR)
    return make.counterparty("Acme")


def card(party, **fields):
    return {
        "amount": "100",
        "counterparty_id": party,
        "issue_date": clock.iso_days_from_today(-7),
        **fields,
    }


def create(client, api_token, body):
    return client.post("/api/v1/invoice/", headers=api_token("ivan"), json=body)


@pytest.mark.parametrize(
    ("currency", "typed", "read_back", "shown"),
    [
        ("JPY", "1 000 000", "1000000", "1\u00a0000\u00a0000 JPY"),
        ("KWD", "1 234,567", "1234.567", "1\u00a0234.567 KWD"),
        ("RUB", "1 234,5", "1234.50", "1\u00a0234.50 RUB"),
    ],
)
def test_an_invoice_keeps_and_shows_the_decimals_of_its_currency(
    client, party, api_token, login, currency, typed, read_back, shown
):
    created = create(client, api_token, card(party, currency=currency, amount=typed))
    assert created.status_code == 201, created.json
    pk = created.json["id"]
    body = client.get(f"/api/v1/invoice/{pk}", headers=api_token("ivan")).json["result"]
    assert (body["amount"], body["currency"]) == (read_back, currency)
    listed = client.get("/api/v1/invoice/", headers=api_token("ivan")).json["result"]
    assert [(row["amount"], row["currency"]) for row in listed] == [(read_back, currency)]
    login("ivan")
    assert shown in client.get(f"/invoices/show/{pk}").get_data(as_text=True)


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"currency": "JPY", "amount": "1000.5"}, "amount", "JPY has no minor units"),
        ({"currency": "KWD", "amount": "1.2345"}, "amount", "at most 3 decimal places"),
        ({"currency": "KWD", "vat_amount": "0.0001"}, "vat_amount", "at most 3 decimal places"),
        ({"currency": "XXX"}, "currency", "not a currency an invoice can be paid in"),
        ({"currency": "XAU"}, "currency", "not a currency an invoice can be paid in"),
        ({"currency": "ABC"}, "currency", "ISO 4217"),
        ({"currency": "RUR"}, "currency", "ISO 4217"),
    ],
)
def test_amounts_and_codes_outside_iso_4217_are_refused(
    client, party, api_token, fields, field, message
):
    refused = create(client, api_token, card(party, **fields))
    assert refused.status_code == 422
    assert message in refused.json["message"][field][0]


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"issue_date": "1999-12-31"}, "issue_date"),
        ({"due_date": "2101-01-01"}, "due_date"),
    ],
)
def test_dates_outside_2000_to_2100_are_refused(client, party, api_token, fields, field):
    refused = create(client, api_token, card(party, **fields))
    assert refused.status_code == 422
    assert refused.json["message"] == {field: ["Use a date from 2000 to 2100."]}


@pytest.mark.parametrize(
    "fields",
    [
        {"amount": ["1"]},
        {"vat_amount": {"a": 1}},
        {"currency": ["RUB"]},
        {"justification": {"a": 1}},
        {"vendor_invoice_no": ["V-1"]},
        {"contract_no": True},
        {"payment_order_required": [1]},
        {"issue_date": ["2024-01-01"]},
    ],
)
def test_a_list_or_object_where_text_or_a_number_goes_is_a_422_naming_the_field(
    client, party, api_token, fields
):
    refused = create(client, api_token, card(party, **fields))
    assert refused.status_code == 422
    assert set(refused.json["message"]) == set(fields)


def test_a_number_is_still_accepted_as_a_vendor_invoice_number(client, party, api_token):
    created = create(client, api_token, card(party, vendor_invoice_no=12345, amount=Decimal(1)))
    assert created.status_code == 201, created.json
    assert created.json["result"]["vendor_invoice_no"] == "12345"
