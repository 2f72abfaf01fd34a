"""An approver works from the bell: the task opens in a new tab, approving it takes it off the
bell; meanwhile the initiator's open card shows the approver's message without a reload."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests import clock
from tests.e2e.conftest import PAGE_TIMEOUT_MS, log_in, screenshot, signed_in
from tests.e2e.server import COUNTERPARTY
from tests.e2e.steps import CARD_URL, TASK_URL, card_number_and_path, fill_new_invoice

APPROVER = "approver2"
MESSAGE = {"en": "Approved. The contract is in the files.", "ru": "Согласовано. Договор в файлах."}


def switch_language(page: Page, language: str) -> None:
    """The language menu (the flag in the navigation bar), as a user switches."""
    page.locator(".navbar a.dropdown-toggle:has(.flag)").click()
    page.locator(f'.navbar a[href$="/lang/{language}"]').click()
    page.wait_for_load_state()


def bell_count(page: Page) -> int:
    badge = page.locator("[data-test=bell] [data-test=unread-count]")
    return int(badge.inner_text()) if badge.count() else 0


@pytest.fixture
def back_in_english(browser, live_server):
    """Both people's language is remembered across logins: English again, even after a failure."""
    yield
    for username in ("initiator", APPROVER):
        with signed_in(browser, live_server, username) as page:
            page.goto("/lang/en")


@pytest.mark.parametrize("language", ["en", "ru"])
@pytest.mark.usefixtures("back_in_english")
def test_the_bell_drops_after_approving_and_the_card_shows_new_messages_live(
    page, browser, live_server, log_in_as, language
):
    # The initiator submits an invoice to the approver and keeps its card open.
    log_in_as("initiator")
    if language != "en":
        switch_language(page, language)
    fill_new_invoice(
        page,
        amount="1 500,00",
        counterparty=COUNTERPARTY,
        issue_date=clock.today().isoformat(),
        approvers=(APPROVER,),
    )
    page.locator("#model_form button[type=submit]").click()
    expect(page).to_have_url(CARD_URL)
    number, card_path = card_number_and_path(page)
    page.locator("[data-test=submit]").click()
    expect(page).to_have_url(CARD_URL)
    expect(page.locator("[data-test=discussion] [data-empty]")).to_have_count(1)

    # The approver, in a browser of their own, opens the notification: a new tab.
    approver = browser.new_context(base_url=live_server, viewport={"width": 1280, "height": 900})
    approver.set_default_timeout(PAGE_TIMEOUT_MS)
    try:
        bell = log_in(approver.new_page(), APPROVER)
        if language != "en":
            switch_language(bell, language)
        bell.locator("[data-test=bell]").click()  # the bell's dropdown, then the whole list
        bell.locator("[data-test=bell-all]").click()
        expect(bell).to_have_url(re.compile(r"/notifications/$"))
        expect(bell.locator("[data-test=notifications]")).to_be_visible()
        before = bell_count(bell)
        assert before >= 1
        item = bell.locator("[data-test=notifications] li").filter(
            has_text=re.compile(rf"[#№]{number}\b")
        )
        expect(item).to_have_count(1)
        with approver.expect_page() as opened:
            item.locator("button[type=submit]").click()
        task = opened.value
        expect(task).to_have_url(TASK_URL)
        assert bell.url.endswith("/notifications/")  # the list stayed where it was

        # Approving, with a message for the initiator in the discussion first.
        task.locator("[data-test=discussion-form] textarea[name=text]").fill(MESSAGE[language])
        task.locator("[data-test=discussion-form] button[type=submit]").click()
        expect(task.locator("[data-test=discussion]")).to_contain_text(MESSAGE[language])
        task.locator("[data-test=decision-form] button[value=approve]").click()
        expect(task.locator(".alert-success")).to_be_visible()

        bell.reload()
        assert bell_count(bell) == before - 1
        expect(item.locator("[data-test=handled]")).to_be_visible()
        screenshot(bell, f"notifications-flow-1-bell-after-approving-{language}")
    finally:
        approver.close()

    # The initiator's card, never reloaded, shows the message.
    assert page.url.endswith(card_path)
    thread = page.locator("[data-test=discussion]")
    expect(thread.locator("li.discussion-message")).to_contain_text(MESSAGE[language])
    expect(thread.locator("[data-empty]")).to_have_count(0)
    screenshot(page, f"notifications-flow-2-live-discussion-{language}", thread)
