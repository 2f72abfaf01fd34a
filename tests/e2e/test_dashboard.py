"""The home page dashboard in a real browser: each person's blocks, and charts drawn by Chart.js
served from the app's own static files, in English and in Russian."""

from __future__ import annotations

from urllib.parse import urlparse

import pytest
from playwright.sync_api import expect

from tests import clock
from tests.e2e.conftest import screenshot
from tests.e2e.server import OTHER_COUNTERPARTY
from tests.e2e.steps import (
    CARD_URL,
    card_number_and_path,
    expect_back_on_my_tasks,
    fill_new_invoice,
    open_my_task,
    save_card,
    type_date,
)

CHART_SCRIPT = "/static/vendor/chart.js/chart.umd.min.js"
HEADINGS = {
    "en": ["My open tasks", "Invoices by stage", "Median time in each stage"],
    "ru": ["Мои открытые задачи", "Счета по этапам", "Медианное время на этапе"],
}


@pytest.fixture
def watched(page, live_server):
    """Every URL the page asks for and every script error, to check after the test."""
    seen = {"requests": [], "errors": []}
    page.on("request", lambda request: seen["requests"].append(request.url))
    page.on("pageerror", lambda error: seen["errors"].append(str(error)))
    # Failed loads are checked on the responses of the page: the browser's own favicon request
    # (no icon here) shows only as a console message.
    page.on("console", lambda m: seen["errors"].append(m.text) if _script_error(m) else None)
    page.on(
        "response",
        lambda r: seen["errors"].append(f"{r.status} {r.url}") if r.status >= 400 else None,
    )
    yield seen
    own = urlparse(live_server).netloc
    assert not seen["errors"], seen["errors"]
    assert all(urlparse(url).netloc == own for url in seen["requests"] if "://" in url), [
        url for url in seen["requests"] if urlparse(url).netloc != own
    ]


def _script_error(message) -> bool:
    return message.type == "error" and not message.text.startswith("Failed to load resource")


def submit_new_invoice(page, amount: str, *, overdue: bool = False) -> str:
    """As the initiator: create an invoice for approver1 and submit it; its number."""
    today = clock.today()
    issue = clock.days_from_today(-10) if overdue else today
    fill_new_invoice(
        page,
        amount=amount,
        counterparty=OTHER_COUNTERPARTY,
        issue_date=issue.isoformat(),
        approvers=("approver1",),
    )
    if overdue:
        type_date(page, "due_date", clock.iso_days_from_today(-1))
    save_card(page, "created")
    number, _path = card_number_and_path(page)
    page.locator("[data-test=submit]").click()
    expect(page).to_have_url(CARD_URL)
    expect(page.locator("[data-test=status]")).to_have_text("In approval")
    return number


def approve(page, number: str) -> None:
    title = f"Approval of invoice #{number}"
    open_my_task(page, title)
    page.locator("[data-test=decision-form]").get_by_role(
        "button", name="Approve", exact=True
    ).click()
    expect_back_on_my_tasks(page, "Your decision is recorded", title)


def expect_charts_drawn(page, names: tuple[str, ...]) -> None:
    for name in names:
        canvas = page.locator(f"canvas[data-chart={name}]")
        expect(canvas).to_have_attribute("data-drawn", "true")
        box = canvas.bounding_box()
        assert box and box["width"] > 0 and box["height"] > 0, name


def show_dashboard(page, username: str, language: str) -> None:
    page.goto(f"/lang/{language}")
    page.goto("/")
    expect(page.locator("[data-test=dashboard]")).to_be_visible()
    for heading in HEADINGS[language]:
        expect(page.locator("[data-test=dashboard]")).to_contain_text(heading)
    screenshot(page, f"dashboard-{username}-{language}")


def test_each_person_sees_their_dashboard_with_charts_in_english_and_russian(
    page, log_in_as, watched
):
    log_in_as("initiator")
    late = submit_new_invoice(page, "1 200,00", overdue=True)
    waiting = submit_new_invoice(page, "350,00")
    log_in_as("approver1")
    page.goto("/")
    tasks = page.locator("[data-test=dashboard-tasks]")
    expect(tasks).to_contain_text(f"Approval of invoice #{waiting}")
    approve(page, late)

    # The initiator: their invoices by status, and the charts.
    log_in_as("initiator")
    page.goto("/")
    invoices = page.locator("[data-test=invoices-by-status]")
    expect(invoices.locator("[data-test=status-awaiting_payment]")).to_be_visible()
    expect(invoices.locator("[data-test=status-in_approval]")).to_be_visible()
    expect_charts_drawn(page, ("by_stage", "stage_times", "approvals"))
    assert any(urlparse(url).path == CHART_SCRIPT for url in watched["requests"])
    for language in ("en", "ru"):
        show_dashboard(page, "initiator", language)
        expect_charts_drawn(page, ("by_stage", "stage_times", "approvals"))
    page.goto("/lang/en")

    # The approver: the open task waiting for them, a link to it.
    log_in_as("approver1")
    for language in ("en", "ru"):
        show_dashboard(page, "approver1", language)
    page.goto("/lang/en")
    page.goto("/")
    page.locator("[data-test=dashboard-tasks]").get_by_role(
        "link", name=f"Approval of invoice #{waiting}", exact=True
    ).click()
    expect(page.locator("h2")).to_contain_text(f"Approval of invoice #{waiting}")

    # The finance director: what awaits payment, the overdue invoice first; a bar opens its list.
    log_in_as("finance")
    page.goto("/")
    payments = page.locator("[data-test=awaiting-payment-block]")
    expect(payments.locator("[data-test=overdue-invoices]")).to_contain_text(f"#{late}")
    expect(payments.locator("[data-test=overdue-payments]")).to_be_visible()
    for language in ("en", "ru"):
        show_dashboard(page, "finance", language)
        expect_charts_drawn(page, ("by_stage",))
    page.goto("/lang/en")
    page.goto("/")
    payments.locator("[data-test=overdue-payments]").click()
    expect(page.locator("table.table-bordered")).to_contain_text(f"{late}")

    # The admin: incidents, failed mails, the tasks waiting longest.
    log_in_as("admin")
    page.goto("/")
    operations = page.locator("[data-test=operations-block]")
    expect(operations.locator("[data-test=waiting-longest]")).to_contain_text("Approval of invoice")
    for language in ("en", "ru"):
        show_dashboard(page, "admin", language)
    page.goto("/lang/en")
