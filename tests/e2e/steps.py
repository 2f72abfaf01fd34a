"""Steps the browser tests share: fill in the invoice card, save it, open a task from My tasks."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlparse

from playwright.sync_api import Page, expect

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
CARD_URL = re.compile(r"/invoices/show/\d+$")
TASK_URL = re.compile(r"/tasks/[0-9a-fA-F-]{8,}$")
MY_TASKS_URL = re.compile(r"/tasks/?$")


def write_pdf(folder: Path, name: str) -> Path:
    path = folder / name
    path.write_bytes(PDF)
    return path


def choose_in_select2(page: Page, select_name: str, option_text: str) -> None:
    """Open the select2 box that stands for <select name=...> and click the option, as a user."""
    page.locator(f"select[name={select_name}] + .select2-container .select2-selection").click()
    page.locator(".select2-results__option", has_text=option_text).click()
    expect(page.locator(f"#select2-{select_name}-container")).to_contain_text(option_text)


def type_date(page: Page, input_name: str, value: str) -> None:
    """Type a date key by key: the datepicker reads keystrokes, and fill() would be undone by
    Escape, which closes the datepicker that opened on focus."""
    page.locator(f"input[name={input_name}]").press_sequentially(value)
    page.keyboard.press("Escape")
    expect(page.locator(f"input[name={input_name}]")).to_have_value(value)


def fill_new_invoice(
    page: Page,
    *,
    amount: str,
    counterparty: str,
    issue_date: str,
    approvers: tuple[str, ...],
    files: tuple[Path, ...] = (),
    file_kind: str = "invoice",
    contract_no: str | None = None,
    payment_order_required: bool = False,
) -> None:
    """Open /invoices/add and fill in the card; `approvers` are usernames, in order."""
    page.goto("/invoices/add")
    page.fill("input[name=amount]", amount)
    choose_in_select2(page, "counterparty", counterparty)
    type_date(page, "issue_date", issue_date)
    if contract_no is not None:
        page.fill("input[name=contract_no]", contract_no)
    if payment_order_required:
        page.check("input[name=payment_order_required]")
    for position, username in enumerate(approvers, start=1):
        choose_in_select2(page, f"approver_{position}", f"({username})")
    if files:
        page.set_input_files("input[name=files]", list(files))
        page.select_option("select[name=file_kind]", file_kind)


def save_card(page: Page, flash_text: str) -> None:
    """Press Save on the card form; the app shows the card with a success message."""
    page.locator("#model_form button[type=submit]").click()
    expect(page).to_have_url(CARD_URL)
    expect(page.locator(".alert-success")).to_contain_text(flash_text)


def card_number_and_path(page: Page) -> tuple[str, str]:
    """On a card: the invoice number from its heading ("Invoice #12 ...") and the card's path."""
    number = re.search(r"#(\d+)", page.locator("h2").inner_text()).group(1)
    return number, urlparse(page.url).path


def open_my_task(page: Page, title: str) -> None:
    """Open My tasks and click the task with this exact title."""
    page.goto("/tasks/")
    expect(page.get_by_role("heading", name="My tasks")).to_be_visible()
    page.locator("[data-test=my-tasks]").get_by_role("link", name=title, exact=True).click()
    expect(page).to_have_url(TASK_URL)
    expect(page.locator("h2")).to_contain_text(title)


def expect_back_on_my_tasks(page: Page, flash_text: str, gone_title: str) -> None:
    """After acting on a task: the app shows My tasks, and the task is no longer there."""
    expect(page).to_have_url(MY_TASKS_URL)
    expect(page.locator(".alert-success")).to_contain_text(flash_text)
    tasks = page.locator("[data-test=my-tasks]")
    expect(tasks.get_by_role("link", name=gone_title, exact=True)).to_have_count(0)
