"""The invoice list in a real browser: a finance director narrows it with the filter bar (a
readable URL to bookmark), sorts by who holds each invoice, downloads CSV and XLSX of what the
filter shows, and reads the same list in Russian."""

from __future__ import annotations

import csv
import re

import openpyxl
from playwright.sync_api import expect

from tests import clock
from tests.e2e.conftest import screenshot
from tests.e2e.server import OTHER_COUNTERPARTY
from tests.factories import PASSWORD


class Api:
    """The REST API with one user's token: sets the scene faster than the card's form."""

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


def submitted(api: Api, approver: int, issued: int, due: int) -> int:
    parties = api.get("/api/v1/counterparty/?q=(page_size:100)")["result"]
    party = next(p["id"] for p in parties if p["name"] == OTHER_COUNTERPARTY)
    invoice = api.post(
        "/api/v1/invoice/",
        {
            "amount": "4321.00",
            "counterparty_id": party,
            "issue_date": clock.iso_days_from_today(issued),
            "due_date": clock.iso_days_from_today(due),
            "approvers": [approver],
        },
    )["id"]
    api.post(f"/api/v1/invoices/{invoice}/submit")
    return invoice


def row_of(page, invoice: int):
    return page.locator(f"tr[data-test=invoice-row][data-number='{invoice}']")


def test_a_finance_director_filters_sorts_and_exports_the_invoice_list(page, log_in_as, tmp_path):
    log_in_as("initiator")
    found = page.request.get("/invoices/people-choices?q=approver2").json()["results"]
    approver = next(row["id"] for row in found if "(approver2)" in row["text"])
    api = Api(page, "initiator")
    late = submitted(api, approver, issued=-10, due=-1)
    on_time = submitted(api, approver, issued=0, due=5)

    # The filter bar: a person chosen by name, "overdue only"; only what is set goes in the URL.
    log_in_as("finance")
    page.goto("/invoices/list/")
    bar = page.locator("[data-test=filter-bar]")
    bar.locator("select[name=holder] + .select2-container .select2-selection").click()
    page.locator(".select2-search__field").fill("approver2")
    page.locator(".select2-results__option", has_text="(approver2)").click()
    bar.locator("[data-test=overdue-only]").check()
    bar.locator("[data-test=apply-filters]").click()
    expect(page).to_have_url(re.compile(rf"/invoices/list/\?holder={approver}&overdue=1$"))
    expect(row_of(page, late)).to_have_class(re.compile(r"\bdanger\b"))
    expect(row_of(page, late).locator("td[data-column=holder]")).to_have_text("Approver2 Tester")
    expect(row_of(page, late).locator("td[data-column=due_date]")).to_contain_text("overdue")
    expect(row_of(page, on_time)).to_have_count(0)
    screenshot(page, "invoice-list-filtered-en")

    # Sorting by a column keeps the filter.
    page.locator("table.table-bordered th a", has_text="Holder").click()
    expect(page).to_have_url(re.compile(r"_oc_InvoiceView=holder"))
    assert f"holder={approver}" in page.url and "overdue=1" in page.url
    expect(row_of(page, late)).to_be_visible()
    bookmark = page.url

    # The exports hold what the filter shows.
    with page.expect_download() as download:
        page.locator("[data-test=export-csv]").click()
    assert download.value.suggested_filename == f"invoices-{clock.today().isoformat()}.csv"
    path = tmp_path / "list.csv"
    download.value.save_as(path)
    lines = list(csv.reader(path.read_text(encoding="utf-8-sig").splitlines()))
    numbers = {line[0] for line in lines[1:]}
    assert str(late) in numbers and str(on_time) not in numbers
    with page.expect_download() as download:
        page.locator("[data-test=export-xlsx]").click()
    assert download.value.suggested_filename.endswith(".xlsx")
    download.value.save_as(tmp_path / "list.xlsx")
    sheet = openpyxl.load_workbook(tmp_path / "list.xlsx").active
    amounts = {row[0].value: row[3].value for row in sheet.iter_rows(min_row=2)}
    assert amounts[late] == 4321 and on_time not in amounts

    # The bookmark opens the same list, the bar showing the filter; and so in Russian.
    page.goto(bookmark)
    expect(page.locator("#select2-f-holder-container")).to_contain_text("Approver2 Tester")
    expect(bar.locator("[data-test=overdue-only]")).to_be_checked()
    page.goto("/lang/ru")
    page.goto(bookmark)
    headings = page.locator("table.table-bordered thead")
    for heading in ("Этап", "Исполнитель", "Ожидает с", "Срок оплаты"):
        expect(headings).to_contain_text(heading)
    expect(bar).to_contain_text("Только просроченные")
    expect(row_of(page, late).locator("td[data-column=due_date]")).to_contain_text("просрочено")
    screenshot(page, "invoice-list-filtered-ru")
    page.goto("/lang/en")
