"""Times in each reader's zone with the zone named, dates and numbers the reader's way, every
field's message at once, and a language switch that stays on the page."""

from __future__ import annotations

import html
from datetime import UTC, datetime

import pytest
import time_machine

from app import roles
from app.extensions import db
from app.models import OutboxMessage, UserPreference
from app.web.local_format import file_size, local_number
from app.worker import work_once
from tests import clock
from tests.web.forms import PDF, card_form, created_invoice_id, post_card

# An instant of the past, pinned: 12:04 UTC is 21:04 in Tokyo and 15:04 in Moscow.
EVENT = datetime(2026, 6, 1, 12, 4, 5, tzinfo=UTC)


def choose_zone(client, zone: str):
    return client.post("/account/time-zone/", data={"time_zone": zone})


def page_text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


@pytest.fixture
def ivan(make):
    return make.user("ivan", roles.INITIATOR)


@pytest.fixture
def counterparty(make):
    return make.counterparty("Acme Supplies")


def test_a_reader_in_tokyo_and_one_in_moscow_see_the_same_event_at_their_own_times(
    make, login, ivan, counterparty
):
    make.user("kenji", roles.AUDITOR)
    with time_machine.travel(EVENT, tick=False):
        invoice = make.invoice(ivan, counterparty)

    tokyo = login("kenji")
    assert choose_zone(tokyo, "Asia/Tokyo").status_code == 302
    card = page_text(tokyo.get(f"/invoices/show/{invoice}"))
    assert "2026-06-01 21:04:05 JST" in card
    assert "12:04:05 UTC" not in card

    moscow = login("ivan")  # no zone chosen: the company's default, Europe/Moscow
    moscow.get("/lang/ru")
    card = page_text(moscow.get(f"/invoices/show/{invoice}"))
    assert "01.06.2026 15:04:05 MSK" in card


def test_an_unknown_time_zone_is_refused_with_a_message(login, ivan):
    client = login("ivan")
    refused = choose_zone(client, "Mars/Olympus_Mons")
    assert refused.status_code == 422
    assert "Mars/Olympus_Mons is not a time zone: choose one from the list." in page_text(refused)
    assert "Asia/Tokyo (UTC+09:00)" in page_text(client.get("/account/time-zone/"))


def test_each_recipient_reads_the_mail_in_their_zone_and_language(
    app, make, smtp, client, login, api_token, ivan, counterparty
):
    anna = make.user("anna", roles.APPROVER)
    invoice = make.invoice(ivan, counterparty, approvers=[anna])
    choose_zone(login("anna"), "Asia/Tokyo")  # English, the default language
    login("ivan").get("/lang/ru")  # Moscow, the default zone; mail in Russian from now on
    anna_token, ivan_token = api_token("anna"), api_token("ivan")

    client.post(f"/api/v1/invoices/{invoice}/submit", headers=ivan_token)
    task = client.get("/api/v1/tasks/mine", headers=anna_token).json["result"][0]["id"]
    client.post(
        f"/api/v1/tasks/{task}/decision",
        headers=anna_token,
        json={"decision": "return", "comment": "Wrong VAT"},
    )
    work_once(app)

    [to_anna] = smtp.inbox.to("anna@example.com")
    assert f"When: {tokyo_time(app, anna)} JST" in smtp.inbox.text(to_anna)
    returned = [m for m in smtp.inbox.to("ivan@example.com") if "доработку" in m["Subject"]]
    assert returned, [m["Subject"] for m in smtp.inbox.to("ivan@example.com")]
    body = smtp.inbox.text(returned[0])
    assert f"{moscow_time(app, ivan)} MSK" in body
    assert "JST" not in body and "UTC" not in body


def tokyo_time(app, user_id) -> str:
    return _mailed_at(app, user_id, "Asia/Tokyo", "%Y-%m-%d %H:%M")


def moscow_time(app, user_id) -> str:
    return _mailed_at(app, user_id, "Europe/Moscow", "%d.%m.%Y %H:%M")


def _mailed_at(app, user_id, zone, pattern) -> str:
    """When the last mail to `user_id` was written, on the wall clock of `zone`."""
    from zoneinfo import ZoneInfo  # noqa: PLC0415

    with app.app_context():
        row = (
            db.session.query(OutboxMessage)
            .filter_by(recipient_id=user_id)
            .order_by(OutboxMessage.id.desc())
            .first()
        )
        moment = row.created_at.replace(tzinfo=UTC).astimezone(ZoneInfo(zone))
        db.session.remove()
    return moment.strftime(pattern)


def test_a_date_typed_day_first_in_the_english_form_is_understood(login, ivan, counterparty):
    client = login("ivan")
    yesterday = clock.days_from_today(-1)
    typed = yesterday.strftime("%d.%m.%Y")  # e.g. 30.11.2026
    saved = post_card(client, "/invoices/add", card_form(counterparty, issue_date=typed))
    created_invoice_id(saved)
    assert f"<td>{yesterday.isoformat()}</td>" in saved.get_data(as_text=True)


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("01/02/2025", "01/02/2025 could be read two ways: write it as DD.MM.YYYY or YYYY-MM-DD."),
        ("36-05-18", "36-05-18 is not a valid date: write it as DD.MM.YYYY or YYYY-MM-DD."),
        ("30.11.25", "Write the year with four digits: 30.11.25."),
    ],
)
def test_a_date_that_could_be_misread_is_refused_with_a_message(
    login, ivan, counterparty, typed, message
):
    client = login("ivan")
    refused = post_card(client, "/invoices/add", card_form(counterparty, issue_date=typed))
    assert "/invoices/show/" not in refused.request.path
    assert message in page_text(refused)
    assert f'value="{typed}"' in refused.get_data(as_text=True)  # kept as typed, not rewritten


def test_the_russian_form_shows_and_takes_dates_day_first(make, login, ivan, counterparty):
    invoice = make.invoice(ivan, counterparty, issue_date="2025-11-30", due_date="2025-12-15")
    client = login("ivan")
    client.get("/lang/ru")
    form = page_text(client.get(f"/invoices/edit/{invoice}"))
    assert 'value="30.11.2025"' in form and 'value="15.12.2025"' in form
    assert '"format": "dd.mm.yyyy"' in form and '"weekStart": 1' in form
    assert "Ноябрь" in form and "Пн" in form  # the calendar's months and days in Russian
    card = page_text(client.get(f"/invoices/show/{invoice}"))
    assert "<td>30.11.2025</td>" in card and "<td>15.12.2025</td>" in card


def test_numbers_and_file_sizes_follow_the_readers_language(app, login, ivan, counterparty):
    client = login("ivan")
    saved = post_card(
        client,
        "/invoices/add",
        card_form(counterparty, files=[("invoice.pdf", PDF + b" " * (1536 - len(PDF)))]),
    )
    invoice = created_invoice_id(saved)
    assert "1.5 kB" in page_text(client.get(f"/invoices/show/{invoice}"))
    client.get("/lang/ru")
    assert "1,5 кБ" in page_text(client.get(f"/invoices/show/{invoice}"))
    for language, number, megabytes, bytes_ in (
        ("en", "12,345.5", "3.2 MB", "12 byte"),
        ("ru", "12\u00a0345,5", "3,2 МБ", "12 Б"),
    ):
        with app.test_request_context(f"/?_l_={language}"):
            assert local_number(12345.5) == number
            assert file_size(3_355_443) == megabytes
            assert file_size(12) == bytes_


def test_every_field_message_shows_at_once(login, ivan):
    client = login("ivan")
    data = {
        "amount": "",
        "counterparty": "",
        "issue_date": "",
        "currency": "",
        "file_kind": "invoice",
    }
    page = page_text(post_card(client, "/invoices/add", data))
    for message in ("Enter an amount.", "Choose the counterparty.", "Enter the issue date."):
        assert message in page


def test_switching_the_language_stays_on_the_same_page(login, ivan, counterparty, make):
    invoice = make.invoice(ivan, counterparty)
    client = login("ivan")
    card = f"http://localhost/invoices/show/{invoice}?tab=files"
    switched = client.get("/lang/ru", headers={"Referer": card})
    assert switched.status_code == 302
    assert switched.headers["Location"] == f"/invoices/show/{invoice}?tab=files"


@pytest.mark.parametrize(
    "referrer", ["https://evil.example/invoices/show/1", "//evil.example/", "javascript:alert(1)"]
)
def test_switching_the_language_never_leads_to_another_site(login, ivan, referrer):
    client = login("ivan")
    switched = client.get("/lang/ru", headers={"Referer": referrer})
    assert switched.status_code == 302
    location = switched.headers["Location"]
    assert "evil" not in location and "javascript" not in location
    with client.application.app_context():
        assert db.session.get(UserPreference, ivan).language == "ru"
        db.session.remove()
