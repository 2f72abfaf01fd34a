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


EDITED = {"en": "> 120000", "ru": "> 130000"}
PUBLISHED = re.compile(r"(?:Published as version|Опубликовано как версия) (\d+)")


@pytest.mark.parametrize("language", ["en", "ru"])
def test_an_edited_table_is_there_after_saving_and_reloading_and_gets_published(analyst, language):
    page = analyst
    if language == "ru":
        page.goto("/lang/ru")
    open_draft(page, 1)
    edit_cell(page, "r1_amount", EDITED[language])
    save_and_check(page)
    expect(page.locator('#save-state[data-saved="true"]')).to_be_attached()

    page.reload()  # the draft holds the table now, not only the page
    expect(page.locator('#decision-tables[data-rendered="true"]')).to_be_attached()
    cell = page.locator('#decision-tables [data-element-id="r1_amount"]')
    expect(cell).to_have_text(EDITED[language])
    screenshot(page, f"dmn-draft-reloaded-{language}")

    page.fill("#publish-form input[name=note]", f"Legal review {EDITED[language]}")
    page.locator("#publish").click()  # saved: published without asking
    published = page.locator(".alert-success").filter(has_text=PUBLISHED)
    expect(published).to_be_visible()
    version = int(PUBLISHED.search(published.inner_text())[1])
    open_draft(page, version)
    expect(page.locator('#decision-tables [data-element-id="r1_amount"]')).to_have_text(
        EDITED[language]
    )
    screenshot(page, f"dmn-draft-published-{language}")


NEW_TABLE = {
    "en": ("board_rules", "Does the board review it?", "board_rules.dmn"),
    "ru": ("board_rules_ru", "Нужен ли совет директоров?", "board_rules_ru.dmn"),
}


@pytest.mark.parametrize("language", ["en", "ru"])
def test_an_analyst_adds_a_decision_table_saves_it_and_removes_one(analyst, language):
    page = analyst
    page.goto(f"/lang/{language}")  # the language is the analyst's, kept between tests
    open_draft(page, 1)
    table_id, name, file_name = NEW_TABLE[language]
    page.locator("#new-decision-table").click()
    dialog = page.locator("#new-table-dialog")
    expect(dialog).to_be_visible()
    dialog.locator("#new-table-id").fill("1 wrong")  # not an id a task can name
    dialog.locator("#new-table-name").fill(name)
    dialog.locator("#new-table-create").click()
    expect(dialog.locator("#new-table-problem")).to_contain_text(
        "Latin letters" if language == "en" else "латинские буквы"
    )
    screenshot(page, f"dmn-new-table-dialog-{language}")
    dialog.locator("#new-table-id").fill(table_id)
    dialog.locator("#new-table-create").click()
    expect(dialog).to_be_hidden()
    tables = page.locator("#decision-tables")
    expect(tables.locator("[data-table]")).to_have_text([TABLE, file_name])
    expect(tables).to_contain_text(name)
    expect(tables).to_contain_text("Amount" if language == "en" else "Сумма")
    problems = save_and_check(page)
    assert not [p for p in problems if p["rule"].startswith("dmn")], problems
    page.reload()  # the draft holds the new table
    expect(page.locator('#decision-tables[data-rendered="true"]')).to_be_attached()
    expect(tables.locator("[data-table]")).to_have_text(sorted([TABLE, file_name]))
    tables.locator(f'[data-table="{file_name}"]').click()
    screenshot(page, f"dmn-new-table-{language}")

    # Removing the table the diagram's task calls: asked first, then the check names the task.
    tables.locator(f'[data-table="{TABLE}"]').click()
    page.locator("#remove-decision-table").click()
    confirm = page.locator("#remove-table-dialog")
    expect(confirm).to_contain_text(TABLE)
    screenshot(page, f"dmn-remove-table-{language}")
    confirm.locator("#remove-table-confirm").click()
    expect(tables.locator("[data-table]")).to_have_text([file_name])
    problems = save_and_check(page)
    assert "dmn-missing-decision" in {p["rule"] for p in problems}, problems
    expect(page.locator("#problems")).to_contain_text("approval_rules")
    page.locator(f'[data-table="{file_name}"]').click()
    page.locator("#remove-decision-table").click()
    page.locator("#remove-table-confirm").click()
    expect(page.locator("[data-test=no-decision-tables]")).to_be_visible()
    expect(page.locator("[data-test=no-decision-tables]")).to_have_text(
        "This draft has no decision tables."
        if language == "en"
        else "В этом черновике нет таблиц решений."
    )
    save_and_check(page)
    page.reload()
    expect(page.locator('#decision-tables[data-rendered="true"]')).to_be_attached()
    expect(page.locator("[data-test=no-decision-tables]")).to_be_visible()
    screenshot(page, f"dmn-draft-without-tables-{language}")
