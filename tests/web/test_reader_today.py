""" "Today" is the reader's date, not the server's: at 23:30 UTC the server's date is still the
old day, while a reader in Asia/Kamchatka (UTC+12) already lives the next one. The pay form
proposes their date, a payment dated their today is not "in the future", the issue date's limit
counts from their today, and the invoice list marks what is overdue by their calendar."""

from __future__ import annotations

import html
import io
import re
from datetime import timedelta

import pytest
import time_machine
from sqlalchemy import select

from app import roles
from app.extensions import db
from app.models import HumanTask, Invoice, TaskStatus
from tests import clock
from tests.web.forms import PDF, card_form, post_card

KAMCHATKA = "Asia/Kamchatka"


@pytest.fixture
def evening():
    """23:30 UTC: the server's date is D, the Kamchatka reader's date D + 1."""
    moment = clock.late_evening_utc()
    with time_machine.travel(moment, tick=False):
        yield moment.date()


@pytest.fixture
def people(make):
    return {
        "ivan": make.user("ivan", roles.INITIATOR),
        "anna": make.user("anna", roles.APPROVER),
        "fedor": make.user("fedor", roles.FINANCE_DIRECTOR),
        "fiona": make.user("fiona", roles.FINANCE_DIRECTOR),
    }


def reader_in(login, username: str, zone: str):
    client = login(username)
    assert client.post("/account/time-zone/", data={"time_zone": zone}).status_code == 302
    return client


def awaiting_payment(app, make, client, api_token, people) -> tuple[int, str]:
    """An invoice approved by anna, with the pay task's guid."""
    pk = make.invoice(people["ivan"], make.counterparty(), approvers=[people["anna"]])
    headers = api_token("ivan")
    assert client.post(f"/api/v1/invoices/{pk}/submit", headers=headers).status_code == 200
    approval = open_task_guid(app, pk)
    decided = client.post(
        f"/api/v1/tasks/{approval}/decision",
        json={"decision": "approve"},
        headers=api_token("anna"),
    )
    assert decided.status_code == 200, decided.get_data(as_text=True)
    return pk, open_task_guid(app, pk)


def open_task_guid(app, invoice: int) -> str:
    with app.app_context():
        return db.session.scalars(
            select(HumanTask.task_guid).where(
                HumanTask.invoice_id == invoice, HumanTask.status == TaskStatus.OPEN
            )
        ).one()


def status_of(app, invoice: int) -> str:
    with app.app_context():
        return db.session.get(Invoice, invoice).status


def pay(client, guid: str, paid_on: str):
    return client.post(
        f"/tasks/{guid}/pay",
        data={"paid_on": paid_on, "payment_order": (io.BytesIO(PDF), "order.pdf")},
        content_type="multipart/form-data",
    )


def test_the_pay_form_proposes_the_readers_date_where_it_is_already_tomorrow(
    app, make, login, client, api_token, people, evening
):
    _invoice, guid = awaiting_payment(app, make, client, api_token, people)
    page = reader_in(login, "fedor", KAMCHATKA).get(f"/tasks/{guid}").get_data(as_text=True)
    [box] = re.findall(r'<input[^>]*name="paid_on"[^>]*>', page)
    assert f'value="{(evening + timedelta(days=1)).isoformat()}"' in box

    page = reader_in(login, "fiona", "UTC").get(f"/tasks/{guid}").get_data(as_text=True)
    [box] = re.findall(r'<input[^>]*name="paid_on"[^>]*>', page)
    assert f'value="{evening.isoformat()}"' in box


def test_a_payment_dated_the_readers_today_is_recorded_though_the_server_is_a_day_behind(
    app, make, login, client, api_token, people, evening
):
    invoice, guid = awaiting_payment(app, make, client, api_token, people)
    kamchatka_today = (evening + timedelta(days=1)).isoformat()

    refused = pay(reader_in(login, "fiona", "UTC"), guid, kamchatka_today)
    assert refused.status_code == 422  # for a reader in UTC that date is still tomorrow
    assert "A payment cannot be recorded for a future date." in refused.get_data(as_text=True)

    paid = pay(reader_in(login, "fedor", KAMCHATKA), guid, kamchatka_today)
    assert paid.status_code == 302
    assert status_of(app, invoice) == "paid"


def test_the_pay_api_judges_the_date_by_the_callers_zone(
    app, make, login, client, api_token, people, evening
):
    invoice, _guid = awaiting_payment(app, make, client, api_token, people)
    reader_in(login, "fedor", KAMCHATKA)
    kamchatka_today = (evening + timedelta(days=1)).isoformat()
    paid = app.test_client().post(  # a token alone, no browser session
        f"/api/v1/invoices/{invoice}/pay",
        data={"paid_on": kamchatka_today, "payment_order": (io.BytesIO(PDF), "order.pdf")},
        content_type="multipart/form-data",
        headers=api_token("fedor"),
    )
    assert paid.status_code == 200, paid.get_data(as_text=True)
    assert paid.json["result"]["paid_on"] == kamchatka_today
    assert status_of(app, invoice) == "paid"


def test_the_issue_date_limit_counts_from_the_readers_today(make, login, people, evening):
    counterparty = make.counterparty()
    margin = 3  # ISSUE_DATE_FUTURE_MARGIN_DAYS
    latest_in_kamchatka = (evening + timedelta(days=1 + margin)).isoformat()

    in_utc = reader_in(login, "ivan", "UTC")
    refused = post_card(
        in_utc, "/invoices/add", card_form(counterparty, issue_date=latest_in_kamchatka)
    )
    assert "The issue date may not be later than" in html.unescape(refused.get_data(as_text=True))

    in_kamchatka = reader_in(login, "ivan", KAMCHATKA)
    saved = post_card(
        in_kamchatka, "/invoices/add", card_form(counterparty, issue_date=latest_in_kamchatka)
    )
    assert "/invoices/show/" in saved.request.path


def test_the_list_marks_as_overdue_what_is_due_before_the_readers_today(
    make, login, people, evening
):
    invoice = make.invoice(
        people["ivan"],
        make.counterparty(),
        issue_date=evening - timedelta(days=10),
        due_date=evening,  # the server's today: not overdue by the server's date
    )
    marked = {}
    for zone in ("UTC", KAMCHATKA):
        page = reader_in(login, "ivan", zone).get("/invoices/list/").get_data(as_text=True)
        [row] = re.findall(r'<tr data-test="invoice-row"[^>]*>', page)
        marked[zone] = 'data-overdue="true"' in row
    assert marked == {"UTC": False, KAMCHATKA: True}, invoice
