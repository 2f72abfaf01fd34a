"""Where invoices wait, in a real browser, in English and in Russian: an invoice is approved
and paid, then an analyst opens the heatmap on the current version's diagram (tasks coloured,
flows thickened, a legend, names in the reader's language) and an admin the cycle-time report,
whose slowest invoice links to its card (an analyst's list holds only the invoices they may
see)."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests import clock
from tests.e2e.conftest import log_in, screenshot
from tests.e2e.server import OTHER_COUNTERPARTY
from tests.e2e.steps import (
    CARD_URL,
    card_number_and_path,
    expect_back_on_my_tasks,
    fill_new_invoice,
    open_my_task,
    save_card,
)

DIAGRAM_NAMES = {"en": "Approve invoice", "ru": "Согласование счёта"}


def paid_invoice(page) -> tuple[str, str]:
    log_in(page, "initiator")
    fill_new_invoice(
        page,
        amount="4 321,00",
        counterparty=OTHER_COUNTERPARTY,
        issue_date=clock.today().isoformat(),
        approvers=("approver1",),
    )
    save_card(page, "created")
    number, card_path = card_number_and_path(page)
    page.locator("[data-test=submit]").click()
    expect(page).to_have_url(CARD_URL)
    log_in(page, "approver1")
    title = f"Approval of invoice #{number}"
    open_my_task(page, title)
    page.locator("[data-test=decision-form]").get_by_role("button", name="Approve").click()
    expect_back_on_my_tasks(page, "Your decision is recorded", title)
    log_in(page, "finance")
    payment = f"Pay invoice #{number}"
    open_my_task(page, payment)
    page.locator("[data-test=payment-form] #reference").fill("PP-8080")
    page.locator("[data-test=payment-form]").get_by_role("button", name="Record payment").click()
    expect_back_on_my_tasks(page, "Payment recorded", payment)
    return number, card_path


def test_the_heatmap_and_the_cycle_time_report_show_where_invoices_wait(page):
    number, card_path = paid_invoice(page)
    log_in(page, "analyst")
    for language in ("en", "ru"):
        page.goto(f"/lang/{language}")
        page.goto("/process/")
        page.locator("[data-test=versions] tr.success a[href^='/process/version/']").click()
        page.locator("[data-test=heatmap-link]").click()
        diagram = page.locator("[data-test=heatmap]")
        expect(diagram).to_have_attribute("data-rendered", "true")
        approve = diagram.locator("[data-element-id=approve]")
        expect(approve).to_have_class(re.compile(r"if-heat-[1-5]"))
        expect(diagram.locator("[data-element-id=f_paid]")).to_have_class(
            re.compile(r"if-flow-[1-5]")
        )
        expect(diagram).to_contain_text(DIAGRAM_NAMES[language])
        expect(diagram.locator(".if-heat-note").first).to_be_visible()
        expect(
            page.locator("[data-test=legend-band]").first.locator(".if-band-range")
        ).not_to_be_empty()
        expect(page.locator("[data-test=heat-task][data-task=approve]")).to_contain_text(
            DIAGRAM_NAMES[language]
        )
        screenshot(page, f"wait-heatmap-{language}")
    page.goto("/lang/en")

    log_in(page, "admin")  # sees every invoice: the slowest list names them
    for language in ("en", "ru"):
        page.goto(f"/lang/{language}")
        page.goto("/reports/cycle-time")
        slowest = page.locator("[data-test=slow-invoice]", has_text=f"#{number}")
        expect(slowest).to_have_count(1)
        expect(page.locator("[data-test=months] [data-test=figure]").first).to_be_visible()
        screenshot(page, f"wait-cycle-time-{language}")
        slowest.get_by_role("link", name=f"#{number}").click()
        expect(page).to_have_url(re.compile(re.escape(card_path) + "$"))
    page.goto("/lang/en")
