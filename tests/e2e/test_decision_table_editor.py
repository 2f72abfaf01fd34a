"""An analyst edits a version's decision table in the browser (dmn-js, served by the app) beside
its diagram: the check reads the table on save (an overlap is named with its rules), and
publishing makes the diagram and the edited table one new version. Screenshots in en and ru."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import fresh_page, log_in, screenshot, served_app

VARIANTS = Path(__file__).parents[2] / "processes" / "variants"
EDITOR_URL = re.compile(r"/process/drafts/(\d+)$")
TABLE = "invoice_approval.approval_rules.dmn"


@pytest.fixture(scope="module")
def rules_server(tmp_path_factory, pytestconfig):
    """A server of its own whose version 1 is the rules variant with its table (the lawyers'
    lane given to the finance director: the browser tests' server has no Legal role)."""
    folder = tmp_path_factory.mktemp("processes")
    xml = (VARIANTS / "invoice_with_rules.bpmn").read_text()
    xml = xml.replace('name="Legal"', 'name="Finance director"')
    (folder / "invoice_approval.bpmn").write_text(xml)
    table = (VARIANTS / "invoice_with_rules.approval_rules.dmn").read_text()
    (folder / TABLE).write_text(table)
    before = os.environ.get("PROCESSES_DIR")
    os.environ["PROCESSES_DIR"] = str(folder)  # read by the server process when it starts
    server = served_app(tmp_path_factory, pytestconfig)
    try:
        base_url = server.__enter__()
    finally:
        if before is None:
            os.environ.pop("PROCESSES_DIR")
        else:
            os.environ["PROCESSES_DIR"] = before
    yield base_url
    server.__exit__(None, None, None)


@pytest.fixture
def analyst(browser, rules_server):
    with fresh_page(browser, rules_server, viewport={"width": 1400, "height": 1000}) as page:
        yield log_in(page, "analyst")


def open_draft(page, version: int) -> None:
    page.goto("/process/")
    row = page.locator("[data-test=versions] tr").filter(
        has=page.get_by_role("link", name=str(version), exact=True)
    )
    row.locator("button").filter(has_text=re.compile("Edit as a new draft|Изменить")).click()
    expect(page).to_have_url(EDITOR_URL)
    expect(page.locator('#editor[data-rendered="true"]')).to_be_attached()
    expect(page.locator('#decision-tables[data-rendered="true"]')).to_be_attached()


def edit_cell(page, entry_id: str, text: str) -> None:
    cell = page.locator(f'#decision-tables [data-element-id="{entry_id}"]')
    cell.click()
    editable = cell.locator("[contenteditable]").first
    editable.focus()
    page.keyboard.press("Control+A")
    page.keyboard.type(text)
    page.locator("#decision-tables h4").click()  # leave the cell


def save_and_check(page) -> list[dict]:
    with page.expect_response(re.compile(r"/process/drafts/\d+/save$")) as response:
        page.locator("#save-draft").click()
    body = response.value.json()
    assert body["saved"] is True, body
    return body["problems"]


def test_an_analyst_edits_the_table_checks_it_and_publishes_it_with_the_diagram(analyst):
    page = analyst
    open_draft(page, 1)
    tables = page.locator("#decision-tables")
    expect(tables.locator("[data-table]")).to_have_text([TABLE])
    expect(tables).to_contain_text("Does the invoice need a legal review?")
    expect(tables).to_contain_text("Capex")
    expect(page.locator("#editor")).to_contain_text("Apply the approval rules")  # the task
    screenshot(page, "dmn-editor-en")

    # An overlap: rule 1 now also covers amounts rule 2 and rule 3 cover.
    edit_cell(page, "r1_amount", "> 50000")
    problems = save_and_check(page)
    overlaps = [p for p in problems if p["rule"] == "dmn-overlap"]
    assert overlaps and "rules 1 and 2" in overlaps[0]["message"], problems
    expect(page.locator("#problems")).to_contain_text("rules 1 and 2 both apply")
    screenshot(page, "dmn-editor-overlap-en")

    # Over 150,000 instead: between 100,000 and 150,000 no rule applies, a warning only.
    edit_cell(page, "r1_amount", "> 150000")
    problems = save_and_check(page)
    assert {p["rule"] for p in problems} == {"dmn-gap"}, problems  # warnings: publishable
    page.fill("#publish-form input[name=note]", "Legal review over 150,000")
    page.locator("#publish").click()
    expect(page.locator("body")).to_contain_text("Published as version 2")

    # Version 2 holds the edited table: a draft of it opens with it.
    open_draft(page, 2)
    expect(page.locator("#decision-tables")).to_contain_text("150000")


def test_the_table_editor_reads_in_russian(analyst):
    page = analyst
    page.goto("/lang/ru")
    open_draft(page, 1)
    tables = page.locator("#decision-tables")
    expect(tables.locator("h4")).to_have_text("Таблицы решений")
    expect(tables).to_contain_text("Политика срабатывания")  # dmn-js's own texts too
    # The draft was checked with the version's table: the task finds its table.
    expect(page.locator("#problems")).not_to_contain_text("approval_rules")
    screenshot(page, "dmn-editor-ru")
