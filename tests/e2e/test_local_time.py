"""Dates and times the reader's way, in a real browser: a date typed day first in the English
form is kept and understood; in Russian the card, the form and the calendar are Russian; the
language switch stays on the card; every time names its zone."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests import clock
from tests.e2e.conftest import screenshot
from tests.e2e.server import COUNTERPARTY
from tests.e2e.steps import choose_in_select2, save_card, type_date

# How a time on the card ends: the company's zone, Moscow, named.
MOSCOW_TIME = re.compile(r"\d{2}:\d{2}:\d{2} MSK")


def test_dates_and_times_in_english_and_russian_on_the_card_and_in_the_calendar(page, log_in_as):
    day = clock.days_from_today(-1)
    log_in_as("initiator")
    page.goto("/lang/en")
    page.goto("/invoices/add")
    page.fill("input[name=amount]", "1 234,56")
    choose_in_select2(page, "counterparty", COUNTERPARTY)
    type_date(page, "issue_date", day.strftime("%d.%m.%Y"))  # day first, in the English form
    page.locator("input[name=issue_date]").press("ArrowDown")  # opens the calendar again
    calendar = page.locator(".datepicker.dropdown-menu")
    expect(calendar).to_be_visible()
    expect(calendar.locator(".datepicker-days th.dow").first).to_have_text("Mo")
    screenshot(page, "local-time-1-en-date-picker")
    page.keyboard.press("Escape")
    expect(page.locator("input[name=issue_date]")).to_have_value(day.strftime("%d.%m.%Y"))

    save_card(page, "created")
    fields = page.locator("[data-test=fields]")
    expect(fields).to_contain_text(day.isoformat())
    expect(page.locator("body")).to_contain_text(MOSCOW_TIME)
    screenshot(page, "local-time-2-en-card")
    card_url = page.url

    try:
        page.locator("a.dropdown-toggle:has(i.flag)").click()
        page.locator("a[href$='/lang/ru']").click()
        expect(page).to_have_url(card_url)  # the same card, now in Russian
        expect(fields).to_contain_text(day.strftime("%d.%m.%Y"))
        expect(page.locator("body")).to_contain_text(MOSCOW_TIME)
        screenshot(page, "local-time-3-ru-card")

        page.goto(card_url.replace("/show/", "/edit/"))
        date_box = page.locator("input[name=issue_date]")
        expect(date_box).to_have_value(day.strftime("%d.%m.%Y"))
        date_box.click()
        expect(calendar).to_be_visible()
        expect(calendar.locator(".datepicker-days th.dow").first).to_have_text("Пн")
        screenshot(page, "local-time-4-ru-date-picker")
    finally:
        page.goto("/lang/en")  # the shared server remembers the language of each user
