"""The bell's dropdown, as an approver uses it: opened with the keyboard, items reached with the
arrow keys, an item opened in a new tab leaves the list and the count at once, "All
notifications" below; without script the bell is the link to the list. English and Russian."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests import clock
from tests.e2e.conftest import PAGE_TIMEOUT_MS, log_in, screenshot, signed_in
from tests.e2e.server import COUNTERPARTY
from tests.e2e.steps import CARD_URL, TASK_URL, card_number_and_path, fill_new_invoice

APPROVER = "approver2"


def switch_language(page: Page, language: str) -> None:
    page.goto(f"/lang/{language}")
    page.wait_for_load_state()


def bell_count(page: Page) -> int:
    badge = page.locator("[data-test=bell] [data-test=unread-count]")
    return int(badge.inner_text()) if badge.count() else 0


def submitted_invoice(page: Page) -> str:
    """The initiator submits an invoice to the approver; its number."""
    fill_new_invoice(
        page,
        amount="2 500,00",
        counterparty=COUNTERPARTY,
        issue_date=clock.today().isoformat(),
        approvers=(APPROVER,),
    )
    page.locator("#model_form button[type=submit]").click()
    expect(page).to_have_url(CARD_URL)
    number, _path = card_number_and_path(page)
    page.locator("[data-test=submit]").click()
    expect(page.locator(".alert-success")).to_be_visible()
    return number


@pytest.fixture
def back_in_english(browser, live_server):
    yield
    with signed_in(browser, live_server, APPROVER) as page:
        page.goto("/lang/en")


@pytest.mark.parametrize("language", ["en", "ru"])
@pytest.mark.usefixtures("back_in_english")
def test_the_bell_opens_a_dropdown_the_keyboard_can_work_through(
    page, browser, live_server, log_in_as, language
):
    log_in_as("initiator")
    number = submitted_invoice(page)

    approver = browser.new_context(base_url=live_server, viewport={"width": 1280, "height": 900})
    approver.set_default_timeout(PAGE_TIMEOUT_MS)
    try:
        desk = log_in(approver.new_page(), APPROVER)
        switch_language(desk, language)
        desk.goto("/invoices/list/")
        before = bell_count(desk)
        assert before >= 1

        # The keyboard: Enter opens, the arrow keys move through the items, Escape closes.
        menu = desk.locator("[data-test=bell-items]")
        expect(menu).to_be_hidden()
        desk.locator("[data-test=bell]").focus()
        desk.keyboard.press("Enter")
        expect(menu).to_be_visible()
        expect(desk.locator("[data-test=bell]")).to_have_attribute("aria-expanded", "true")
        desk.keyboard.press("ArrowDown")
        expect(menu.locator("[data-test=bell-item]").first).to_be_focused()
        desk.keyboard.press("ArrowDown")
        expect(menu.locator("[data-test=bell-item]").first).not_to_be_focused()
        item = menu.locator("[data-test=bell-item]").filter(has_text=re.compile(rf"[#№]{number}\b"))
        expect(item).to_have_count(1)
        title = "Approval of invoice" if language == "en" else "Согласование счёта"
        expect(item).to_contain_text(title)
        all_label = "All notifications" if language == "en" else "Все уведомления"
        expect(menu.locator("[data-test=bell-all]")).to_have_text(all_label)
        screenshot(desk, f"bell-menu-1-open-{language}")
        desk.keyboard.press("Escape")
        expect(menu).to_be_hidden()
        expect(desk.locator("[data-test=bell]")).to_be_focused()

        # Opening an item: a new tab with the task; here it leaves the list and the count.
        desk.locator("[data-test=bell]").click()
        with approver.expect_page() as opened:
            item.click()
        expect(opened.value).to_have_url(TASK_URL)
        assert desk.url.endswith("/invoices/list/")  # this page stayed where it was
        expect(item).to_have_count(0)
        assert bell_count(desk) == before - 1
        screenshot(desk, f"bell-menu-2-after-opening-{language}")

        desk.locator("[data-test=bell]").click()
        desk.locator("[data-test=bell-all]").click()
        expect(desk).to_have_url(re.compile(r"/notifications/$"))
    finally:
        approver.close()


def test_without_script_the_bell_is_the_link_to_the_list(browser, live_server):
    context = browser.new_context(
        base_url=live_server, java_script_enabled=False, viewport={"width": 1280, "height": 900}
    )
    context.set_default_timeout(PAGE_TIMEOUT_MS)
    try:
        page = log_in(context.new_page(), APPROVER)
        page.goto("/invoices/list/")
        page.locator("[data-test=bell]").click()
        expect(page).to_have_url(re.compile(r"/notifications/$"))
        expect(page.locator("[data-test=notifications]")).to_be_visible()
    finally:
        context.close()
