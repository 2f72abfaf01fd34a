"""For auditors, in a real browser, in English and in Russian: the audit search, filtered (its
paging is tested over HTTP in tests/audit_search), and the card's dossier link, which downloads
the invoice's PDF."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests import clock
from tests.e2e.conftest import log_in, screenshot
from tests.e2e.server import OTHER_COUNTERPARTY
from tests.e2e.steps import CARD_URL, card_number_and_path, fill_new_invoice, save_card


def submitted_invoice(page) -> tuple[str, str]:
    log_in(page, "initiator")
    fill_new_invoice(
        page,
        amount="7 654,00",
        counterparty=OTHER_COUNTERPARTY,
        issue_date=clock.today().isoformat(),
        approvers=("approver1",),
    )
    save_card(page, "created")
    number, card_path = card_number_and_path(page)
    page.locator("[data-test=submit]").click()
    expect(page).to_have_url(CARD_URL)
    return number, card_path


def test_an_admin_searches_the_audit_trail_and_downloads_a_dossier(page):
    number, card_path = submitted_invoice(page)
    page.context.clear_cookies()
    log_in(page, "admin")
    for language, submitted in (("en", "submitted the invoice"), ("ru", "отправил")):
        page.goto(f"/lang/{language}")
        page.goto("/audit/")
        page.select_option("select[name=action]", "submitted")
        page.fill("input[name=invoice]", number)
        page.locator("[data-test=audit-search]").click()
        rows = page.locator("[data-test=audit-event]")
        expect(rows).to_have_count(1)
        expect(rows.first).to_contain_text(submitted)
        expect(rows.first.locator("a")).to_have_text(f"#{number}")
        assert re.search(r"action=submitted", page.url)
        screenshot(page, f"audit-search-{language}")

        page.goto(card_path)
        link = page.locator("[data-test=dossier]")
        expect(link).to_be_visible()
        screenshot(page, f"audit-dossier-link-{language}", element=page.locator(".invoice-actions"))
        with page.expect_download() as download:
            link.click()
        assert download.value.suggested_filename == f"invoice-{number}-dossier.pdf"
        assert download.value.path().read_bytes().startswith(b"%PDF")
    page.goto("/lang/en")
