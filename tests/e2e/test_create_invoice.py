"""An initiator fills in the invoice card in a real browser."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests import clock
from tests.e2e.conftest import screenshot
from tests.e2e.server import COUNTERPARTY
from tests.e2e.steps import card_number_and_path, fill_new_invoice, save_card, write_pdf


def test_initiator_creates_an_invoice_with_a_file_and_two_approvers_and_sees_it_in_the_list(
    page, log_in_as, tmp_path
):
    issue_date = clock.today().isoformat()
    pdf = write_pdf(tmp_path, "acme-invoice-1234.pdf")

    log_in_as("initiator")
    fill_new_invoice(
        page,
        amount="1 234,56",
        counterparty=COUNTERPARTY,
        issue_date=issue_date,
        approvers=("approver1", "approver2"),
        files=(pdf,),
    )
    expect(page.locator("input[name=issue_date]")).to_have_value(issue_date)
    screenshot(page, "create-invoice-1-filled-form")

    save_card(page, "created")

    fields = page.locator("[data-test=fields]")
    expect(fields).to_contain_text("1\u00a0234.56 RUB")
    expect(fields).to_contain_text(COUNTERPARTY)
    expect(fields).to_contain_text(issue_date)
    expect(page.locator("[data-test=status]")).to_have_text("Draft")
    approvers = page.locator("[data-test=approvers] tr")
    expect(approvers.nth(1)).to_contain_text("Approver1 Tester")
    expect(approvers.nth(2)).to_contain_text("Approver2 Tester")
    expect(page.locator("[data-test=files]")).to_contain_text(pdf.name)
    number, card_path = card_number_and_path(page)
    screenshot(page, "create-invoice-2-card")

    page.goto("/invoices/list/")
    # Other browser tests share the server and may have added invoices: find this one's row.
    row = page.locator("table tr", has=page.locator(f"a[href='{card_path}']"))
    expect(row).to_have_count(1)
    expect(row).to_contain_text(COUNTERPARTY)
    expect(row.get_by_role("cell", name=number, exact=True)).to_have_count(1)
    expect(row).to_contain_text(issue_date)
    expect(row).to_contain_text("1\u00a0234.56")
    # The list shows the stored status ("draft"); the card shows its label ("Draft").
    expect(row).to_contain_text(re.compile("draft", re.IGNORECASE))
    screenshot(page, "create-invoice-3-list")
