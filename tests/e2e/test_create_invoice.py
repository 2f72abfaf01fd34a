"""An initiator fills in the invoice card in a real browser."""

from __future__ import annotations

import re
from datetime import date
from urllib.parse import urlparse

from playwright.sync_api import expect

from tests.e2e.conftest import screenshot
from tests.e2e.server import COUNTERPARTY

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def choose_in_select2(page, select_name: str, option_text: str) -> None:
    """Open the select2 box that stands for <select name=...> and click the option, as a user."""
    page.locator(f"select[name={select_name}] + .select2-container .select2-selection").click()
    page.locator(".select2-results__option", has_text=option_text).click()
    expect(page.locator(f"#select2-{select_name}-container")).to_contain_text(option_text)


def test_initiator_creates_an_invoice_with_a_file_and_two_approvers_and_sees_it_in_the_list(
    page, log_in_as, tmp_path
):
    issue_date = date.today().isoformat()
    pdf = tmp_path / "acme-invoice-1234.pdf"
    pdf.write_bytes(PDF)

    log_in_as("initiator")
    page.goto("/invoices/add")
    page.fill("input[name=amount]", "1 234,56")
    choose_in_select2(page, "counterparty", COUNTERPARTY)
    # Typed key by key: the datepicker reads keystrokes, and fill() would be undone by Escape.
    page.locator("input[name=issue_date]").press_sequentially(issue_date)
    page.keyboard.press("Escape")  # close the datepicker that opened on focus
    choose_in_select2(page, "approver_1", "(approver1)")
    choose_in_select2(page, "approver_2", "(approver2)")
    page.set_input_files("input[name=files]", pdf)
    page.select_option("select[name=file_kind]", "invoice")
    expect(page.locator("input[name=issue_date]")).to_have_value(issue_date)
    screenshot(page, "create-invoice-1-filled-form")

    page.locator("#model_form button[type=submit]").click()

    expect(page).to_have_url(re.compile(r"/invoices/show/\d+$"))
    expect(page.locator(".alert-success")).to_contain_text("created")
    fields = page.locator("[data-test=fields]")
    expect(fields).to_contain_text("1\u00a0234.56 RUB")
    expect(fields).to_contain_text(COUNTERPARTY)
    expect(fields).to_contain_text(issue_date)
    expect(page.locator("[data-test=status]")).to_have_text("Draft")
    approvers = page.locator("[data-test=approvers] tr")
    expect(approvers.nth(1)).to_contain_text("Approver1 Tester")
    expect(approvers.nth(2)).to_contain_text("Approver2 Tester")
    expect(page.locator("[data-test=files]")).to_contain_text(pdf.name)
    card_path = urlparse(page.url).path
    number = page.locator("h2").inner_text().split("#")[1].split()[0]
    screenshot(page, "create-invoice-2-card")

    page.goto("/invoices/list/")
    row = page.locator("table tr", has_text=COUNTERPARTY)
    expect(row).to_have_count(1)
    expect(row.locator(f"a[href='{card_path}']")).to_have_count(1)
    expect(row.get_by_role("cell", name=number, exact=True)).to_have_count(1)
    expect(row).to_contain_text(issue_date)
    expect(row).to_contain_text("1\u00a0234.56")
    # The list shows the stored status ("draft"); the card shows its label ("Draft").
    expect(row).to_contain_text(re.compile("draft", re.IGNORECASE))
    screenshot(page, "create-invoice-3-list")
