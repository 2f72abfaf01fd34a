"""My tasks in a real browser, in English and in Russian: an approver narrows and sorts the list,
ticks every approval task and approves them with one comment (one of them withdrawn meanwhile is
reported); withdrawing an invoice and reassigning a task ask first, in a dialog, or without
scripts on a page of their own."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests import clock
from tests.e2e.conftest import PAGE_TIMEOUT_MS, screenshot
from tests.e2e.server import OTHER_COUNTERPARTY
from tests.factories import PASSWORD

# Amounts no other browser test uses: the filter finds this test's tasks alone.
AMOUNTS = {"en": ("7311.00", "7322.00", "7333.00"), "ru": ("7411.00", "7422.00", "7433.00")}
RESULTS = {
    "en": "Approved: 2. Already handled: 1. Refused: 0.",
    "ru": "Согласовано: 2. Уже обработано: 1. Отказано: 0.",
}
WITHDRAW_QUESTION = {"en": "Withdraw invoice #{n}?", "ru": "Отозвать счёт №{n}?"}
REASSIGN_QUESTION = {
    "en": "Hand this task to Approver2 Tester (approver2)?",
    "ru": "Передать эту задачу: Approver2 Tester (approver2)?",
}


class Api:
    """The REST API as a client program uses it, with the token of one user."""

    def __init__(self, page, username: str):
        self.request = page.request
        answer = self.request.post(
            "/api/v1/security/login",
            data={"username": username, "password": PASSWORD, "provider": "db"},
        )
        assert answer.ok, answer.text()
        self.headers = {"Authorization": f"Bearer {answer.json()['access_token']}"}

    def post(self, path: str, body: dict | None = None) -> dict:
        answer = self.request.post(path, headers=self.headers, data=body or {})
        assert answer.ok, answer.text()
        return answer.json()

    def get(self, path: str) -> dict:
        answer = self.request.get(path, headers=self.headers)
        assert answer.ok, answer.text()
        return answer.json()


def user_id(page, username: str) -> int:
    """Through the card's approver box, as the initiator's browser finds people."""
    found = page.request.get(f"/invoices/approver-choices?q={username}").json()["results"]
    return next(row["id"] for row in found if f"({username})" in row["text"])


def submitted(page, api: Api, amount: str, approver: int) -> int:
    parties = api.get("/api/v1/counterparty/?q=(page_size:100)")["result"]
    party = next(p["id"] for p in parties if p["name"] == OTHER_COUNTERPARTY)
    invoice = api.post(
        "/api/v1/invoice/",
        {
            "amount": amount,
            "counterparty_id": party,
            "issue_date": clock.today().isoformat(),
            "approvers": [approver],
        },
    )["id"]
    api.post(f"/api/v1/invoices/{invoice}/submit")
    return invoice


def number(invoice_id: int) -> re.Pattern:
    """An invoice number as a title shows it: #49, or №49 in Russian."""
    return re.compile(rf"[#№]{invoice_id}\b")


def in_language(page, language: str) -> None:
    page.goto(f"/lang/{language}")


def task_rows(page):
    return page.locator("[data-test=my-tasks] tr").filter(has=page.locator("td a"))


@pytest.mark.parametrize("language", ["en", "ru"])
def test_an_approver_narrows_sorts_and_approves_several_tasks_at_once(page, log_in_as, language):
    log_in_as("initiator")
    api = Api(page, "initiator")
    approver = user_id(page, "approver1")
    invoices = [submitted(page, api, amount, approver) for amount in AMOUNTS[language]]

    log_in_as("approver1")
    in_language(page, language)
    page.goto("/tasks/")
    filters = page.locator("[data-test=task-filters]")
    low, high = AMOUNTS[language][0], AMOUNTS[language][-1]
    filters.locator("#f-amount-from").fill(low.replace(".", ","))
    filters.locator("#f-amount-to").fill(high)
    filters.locator("#f-kind").select_option("approval")
    filters.locator("#f-sort").select_option("amount")
    filters.locator("select[name=dir]").select_option("desc")
    filters.locator("[data-test=apply-filters]").click()
    expect(page).to_have_url(re.compile(r"amount_from=.*sort=amount.*dir=desc"))
    rows = task_rows(page)
    expect(rows).to_have_count(3)
    for row, invoice in zip(rows.all(), reversed(invoices), strict=True):  # largest first
        expect(row).to_contain_text(number(invoice))
    screenshot(page, f"my-tasks-1-filtered-{language}")

    # The bookmark gives the same list back; the column heading turns the order round.
    bookmark = page.url
    page.goto("/tasks/")
    page.goto(bookmark)
    expect(task_rows(page)).to_have_count(3)
    page.locator("[data-test=my-tasks] a[data-sort=amount]").click()
    expect(task_rows(page).first).to_contain_text(number(invoices[0]))

    # The initiator withdraws one of them while the approver's page is open.
    # (A new token: signing the browser out ended the one from before.)
    Api(page, "initiator").post(f"/api/v1/invoices/{invoices[1]}/withdraw", {"reason": "Twice"})
    page.locator("input[data-select-all]").check()
    expect(page.locator("[data-test=approve-selected]")).to_contain_text("(3)")
    page.locator("#bulk-comment").fill("Checked against the contracts")
    screenshot(page, f"my-tasks-2-selected-{language}")
    page.locator("[data-test=approve-selected]").click()

    results = page.locator("[data-test=bulk-result]")
    expect(results).to_have_count(3)
    expect(page.locator(".alert")).to_contain_text(RESULTS[language])
    outcomes = [row.get_attribute("data-outcome") for row in results.all()]
    assert outcomes == ["approved", "already_handled", "approved"]
    expect(task_rows(page)).to_have_count(0)  # the list, still narrowed, is empty now
    screenshot(page, f"my-tasks-3-approved-{language}")
    in_language(page, "en")


@pytest.mark.parametrize("language", ["en", "ru"])
def test_withdrawing_and_reassigning_ask_first(page, browser, live_server, log_in_as, language):
    log_in_as("initiator")
    api = Api(page, "initiator")
    approver = user_id(page, "approver1")
    withdrawn, handed_on, without_scripts = (
        submitted(page, api, "99.00", approver) for _ in range(3)
    )
    task = task_of(Api(page, "approver1"), handed_on)

    in_language(page, language)
    page.goto(f"/invoices/show/{withdrawn}")
    form = page.locator("[data-test=withdraw-form]")
    form.locator("input[name=reason]").fill("Ordered twice")
    form.locator("[data-test=withdraw]").click()
    dialog = page.locator("[data-test=confirm-dialog]")
    expect(dialog).to_contain_text(WITHDRAW_QUESTION[language].format(n=withdrawn))
    screenshot(page, f"confirm-1-withdraw-{language}")
    dialog.locator("[data-test=cancel]").click()
    expect(dialog).to_have_count(0)
    expect(page.locator("[data-test=status]")).to_have_class(re.compile("status-in_approval"))
    form.locator("[data-test=withdraw]").click()
    dialog.locator("[data-test=confirm]").click()
    expect(page.locator("[data-test=status]")).to_have_class(re.compile("status-cancelled"))
    expect(page.locator("[data-test=withdraw-form]")).to_have_count(0)
    expect(page.locator(f"a[href$='/invoices/edit/{withdrawn}']")).to_have_count(0)
    expect(page.locator("input[name=files][multiple]")).to_have_count(0)
    screenshot(page, f"confirm-2-withdrawn-closed-{language}")

    log_in_as("admin")
    in_language(page, language)
    page.goto(f"/tasks/{task}")
    reassign = page.locator("[data-test=reassign-form]")
    choose(reassign.locator("select[name=user_id]"), "approver2")
    reassign.locator("button[type=submit]").click()
    expect(dialog).to_contain_text(REASSIGN_QUESTION[language])
    screenshot(page, f"confirm-3-reassign-{language}")
    dialog.locator("[data-test=confirm]").click()
    expect(page).to_have_url(re.compile(rf"/tasks/{task}$"))
    expect(page.locator(".alert-success")).to_be_visible()
    in_language(page, "en")

    # Without scripts the same form asks on a page of its own.
    context = browser.new_context(base_url=live_server, java_script_enabled=False)
    context.set_default_timeout(PAGE_TIMEOUT_MS)
    try:
        plain = context.new_page()
        plain.goto("/login/")
        plain.fill("input[name=username]", "initiator")
        plain.fill("input[name=password]", PASSWORD)
        plain.click("input[type=submit]")
        in_language(plain, language)
        plain.goto(f"/invoices/show/{without_scripts}")
        plain.locator("[data-test=withdraw-form] input[name=reason]").fill("Wrong supplier")
        plain.locator("[data-test=withdraw-form] [data-test=withdraw]").click()
        asked = plain.locator("[data-test=confirm-page]")
        expect(asked).to_contain_text(WITHDRAW_QUESTION[language].format(n=without_scripts))
        expect(asked).to_contain_text("Wrong supplier")
        screenshot(plain, f"confirm-4-withdraw-without-scripts-{language}")
        asked.locator("[data-test=confirm]").click()
        expect(plain.locator("[data-test=status]")).to_have_class(re.compile("status-cancelled"))
        in_language(plain, "en")
    finally:
        context.close()


def choose(select, username: str) -> None:
    """Pick the person in a <select> whose option names the user as "First Last (username)"."""
    option = select.locator("option", has_text=f"({username})")
    select.select_option(value=option.get_attribute("value"))


def task_of(api: Api, invoice_id: int) -> str:
    """The id of the invoice's task among the API user's open tasks."""
    mine = api.get("/api/v1/tasks/mine?page_size=100")["result"]
    return next(task["id"] for task in mine if task["invoice_id"] == invoice_id)
