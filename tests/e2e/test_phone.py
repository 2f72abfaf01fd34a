"""On a phone (390 x 844, like an iPhone 13): the invoice list, a card, My tasks and a task page
fit the screen's width with no sideways scrolling, the decision buttons lie within reach without
zooming, and no page asks for an asset the app does not have; in English and in Russian."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests import clock
from tests.e2e.conftest import fresh_page, screenshot
from tests.e2e.server import OTHER_COUNTERPARTY
from tests.e2e.steps import (
    CARD_URL,
    MY_TASKS_URL,
    TASK_URL,
    card_number_and_path,
    fill_new_invoice,
    save_card,
)

PHONE_WIDTH = 390
PHONE = {
    "viewport": {"width": PHONE_WIDTH, "height": 844},
    "device_scale_factor": 2,
    "is_mobile": True,  # honours the viewport meta tag, and zooms out a page wider than it
    "has_touch": True,
}
TASK_TITLE = {"en": "Approval of invoice #{n}", "ru": "Согласование счёта №{n}"}
DECISIONS = {
    "en": ("Approve", "Return for rework", "Reject"),
    "ru": ("Согласовать", "Вернуть на доработку", "Отклонить"),
}
MENU_ITEM = {"en": "My tasks", "ru": "Мои задачи"}
# A thumb needs about this much (Apple's guideline is 44 pt).
SMALLEST_TAP_TARGET_PX = 44
LEFT_THE_PAGE = "net::ERR_ABORTED"


@pytest.fixture
def page(browser, live_server):
    """This module's pages are a phone's (and still fail on a refused script or style)."""
    with fresh_page(browser, live_server, **PHONE) as page:
        yield page


@pytest.fixture
def failed_loads(page):
    """Every answer of 400 or more, and every request that got no answer, on any page (but
    those the browser gave up itself on leaving the page)."""
    failed = []
    page.on("response", lambda r: failed.append(f"{r.status} {r.url}") if r.status >= 400 else None)
    page.on(
        "requestfailed",
        lambda r: None if r.failure == LEFT_THE_PAGE else failed.append(f"{r.failure} {r.url}"),
    )
    return failed


def expect_no_sideways_scroll(page) -> None:
    widths = page.evaluate(
        "() => ({page: document.scrollingElement.scrollWidth, window: window.innerWidth})"
    )
    # A phone zooms out a page wider than itself, widening innerWidth: hence the first check.
    assert widths["window"] == PHONE_WIDTH, widths
    assert widths["page"] <= widths["window"], widths


def expect_icons_served(page) -> None:
    hrefs = page.eval_on_selector_all(
        "link[rel~=icon], link[rel=apple-touch-icon]", "links => links.map(l => l.href)"
    )
    assert len(hrefs) == 3, hrefs
    for href in hrefs:
        assert page.request.get(href).status == 200, href


def check_page(page, path: str, shot: str):
    page.goto(path)
    page.wait_for_load_state("networkidle")  # the diagram and other late assets included
    expect_no_sideways_scroll(page)
    screenshot(page, shot)


def expect_decisions_within_reach(page, language: str) -> None:
    form = page.locator("[data-test=decision-form]")
    for name in DECISIONS[language]:
        button = form.get_by_role("button", name=name, exact=True)
        button.scroll_into_view_if_needed()
        box = button.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE_WIDTH, (name, box)
        assert box["height"] >= SMALLEST_TAP_TARGET_PX, (name, box)
        button.click(trial=True)  # visible, enabled and the topmost element where it is tapped


def submit_invoice(page) -> tuple[str, str]:
    """As the initiator, on the phone: a new invoice for approver1, submitted; its number and
    the path of its card."""
    fill_new_invoice(
        page,
        amount="1 234 567,89",
        counterparty=OTHER_COUNTERPARTY,
        issue_date=clock.today().isoformat(),
        approvers=("approver1",),
        contract_no="C-2024/0001-WITH-A-RATHER-LONG-NUMBER",
    )
    save_card(page, "created")
    number, card_path = card_number_and_path(page)
    page.locator("[data-test=submit]").tap()
    expect(page).to_have_url(CARD_URL)
    expect(page.locator("[data-test=status]")).to_have_text("In approval")
    return number, card_path


def test_list_card_my_tasks_and_task_fit_a_phone_in_english_and_russian(
    page, log_in_as, failed_loads
):
    log_in_as("initiator")
    number, card_path = submit_invoice(page)

    log_in_as("approver1")
    try:
        for language in ("en", "ru"):
            page.goto(f"/lang/{language}")
            check_page(page, "/invoices/list/", f"phone-{language}-1-invoice-list")
            expect_icons_served(page)
            check_page(page, card_path, f"phone-{language}-2-card")

            # My tasks from the menu, as on a phone: the menu opens from its button.
            page.locator(".navbar-toggle").tap()
            page.locator(".navbar-collapse").get_by_role("link", name=MENU_ITEM[language]).tap()
            expect(page).to_have_url(MY_TASKS_URL)
            page.wait_for_load_state("networkidle")
            expect_no_sideways_scroll(page)
            screenshot(page, f"phone-{language}-3-my-tasks")

            title = TASK_TITLE[language].format(n=number)
            page.locator("[data-test=my-tasks]").get_by_role("link", name=title, exact=True).tap()
            expect(page).to_have_url(TASK_URL)
            page.wait_for_load_state("networkidle")
            expect_no_sideways_scroll(page)
            expect_decisions_within_reach(page, language)
            screenshot(page, f"phone-{language}-4-task")

        # A thumb decides: the task leaves My tasks.
        page.locator("[data-test=decision-form]").get_by_role(
            "button", name=DECISIONS["ru"][0], exact=True
        ).tap()
        expect(page).to_have_url(MY_TASKS_URL)
        expect(page.locator(".alert-success")).to_be_visible()
        expect(page.get_by_role("link", name=TASK_TITLE["ru"].format(n=number))).to_have_count(0)
        expect_no_sideways_scroll(page)
    finally:
        page.goto("/lang/en")  # the language is remembered for approver1's next sign-in

    assert not failed_loads, failed_loads
