"""Out of office in a real browser, in English and in Russian: an approver names a deputy on
their own screen; the deputy finds the task "on behalf of" them in My tasks, approves it, and
the card records "Approver1 Tester for Approver2 Tester"; the absent approver ends the period."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests import clock
from tests.e2e.conftest import screenshot, signed_in
from tests.e2e.test_my_tasks import Api, in_language, submitted, user_id

WORDS = {
    "en": {
        "on_behalf": "on behalf of Approver2 Tester",
        "for": "Approver1 Tester for Approver2 Tester",
        "named": "Deputy named",
        "ended": "Out-of-office period ended",
        "changed": "Period changed: the deputy is told.",
        "told": "Changed: you stand in for Approver2 Tester",
    },
    "ru": {
        "on_behalf": "за Approver2 Tester",
        "for": "Approver1 Tester за Approver2 Tester",
        "named": "Заместитель назначен",
        "ended": "Период отсутствия завершён",
        "changed": "Период изменён: заместитель уведомлён.",
        "told": "Изменено: вы замещаете Approver2 Tester",
    },
}
AMOUNTS = {"en": "7511.00", "ru": "7522.00"}


def end_every_period(browser, base_url: str) -> None:
    """Leave no one away for the browser tests that follow (they share the server)."""
    with signed_in(browser, base_url, "approver2") as page:
        api = Api(page, "approver2")
        for period in api.get("/api/v1/delegations/")["result"]:
            api.post(f"/api/v1/delegations/{period['id']}/cancel")


@pytest.mark.parametrize("language", ["en", "ru"])
def test_a_deputy_approves_for_an_absent_approver(page, browser, live_server, log_in_as, language):
    words = WORDS[language]
    log_in_as("initiator")
    deputy = user_id(page, "approver1")
    absent = user_id(page, "approver2")
    try:
        log_in_as("approver2")
        in_language(page, language)
        page.goto("/")
        page.locator("[data-test=out-of-office]").first.dispatch_event("click")
        page.wait_for_url("**/account/out-of-office/")
        form = page.locator("[data-test=deputy-form]")
        form.locator("#deputy_id").select_option(str(deputy))
        form.locator("#starts_on").fill(clock.iso_days_from_today(0))
        form.locator("#ends_on").fill(clock.iso_days_from_today(2))
        form.locator("#note").fill("Sochi")
        screenshot(page, f"out-of-office-1-form-{language}")
        form.locator("[data-test=name-deputy]").click()
        expect(page.locator(".alert-success")).to_contain_text(words["named"])
        expect(page.locator("[data-test=period]")).to_contain_text("Approver1 Tester")
        screenshot(page, f"out-of-office-2-named-{language}")

        log_in_as("initiator")
        invoice = submitted(page, Api(page, "initiator"), AMOUNTS[language], absent)

        log_in_as("approver1")
        in_language(page, language)
        page.goto("/tasks/")
        # The row of this invoice held on behalf of the absent approver (the number alone may
        # also stand in other rows' amounts or numbers).
        row = (
            page.locator("[data-test=my-tasks] tr")
            .filter(has=page.locator("[data-test=on-behalf-of]"))
            .filter(has=page.locator("td a", has_text=re.compile(rf"[#№]{invoice}(?!\d)")))
        )
        expect(row.locator("[data-test=on-behalf-of]")).to_have_text(words["on_behalf"])
        screenshot(page, f"out-of-office-3-my-tasks-{language}")
        row.locator("td a").first.click()
        expect(page.locator("[data-test=acting-on-behalf]")).to_be_visible()
        screenshot(page, f"out-of-office-4-task-{language}")
        page.locator("[data-test=decision-form] button[value=approve]").click()
        page.wait_for_load_state()
        page.goto(f"/invoices/show/{invoice}")
        expect(page.locator("[data-test=approvers]")).to_contain_text(words["for"])
        expect(page.locator("[data-test=process-history]")).to_contain_text(words["for"])
        screenshot(page, f"out-of-office-5-card-{language}")

        log_in_as("approver2")
        in_language(page, language)
        page.goto("/account/out-of-office/")
        page.locator("[data-test=change-period]").first.click()
        form = page.locator("[data-test=deputy-form]")
        form.locator("#ends_on").fill(clock.iso_days_from_today(3))
        form.locator("#note").fill("Sochi and Adler")
        screenshot(page, f"out-of-office-6-change-{language}")
        form.locator("[data-test=save-period]").click()
        expect(page.locator(".alert-success")).to_contain_text(words["changed"])
        expect(page.locator("[data-test=period]")).to_contain_text("Sochi and Adler")

        log_in_as("approver1")
        in_language(page, language)
        page.goto("/notifications/")
        expect(page.locator("[data-test=notifications]")).to_contain_text(words["told"])
        screenshot(page, f"out-of-office-7-deputy-told-{language}")

        log_in_as("approver2")
        in_language(page, language)
        page.goto("/account/out-of-office/")
        page.locator("[data-test=end-period]").first.click()
        expect(page.locator(".alert-success")).to_contain_text(words["ended"])
        expect(page.locator("[data-test=no-periods]")).to_be_visible()
        screenshot(page, f"out-of-office-8-ended-{language}")
    finally:
        end_every_period(browser, live_server)
