"""Stage and task names in the reader's language on the diagrams: the version page and the
invoice card draw each element's `name_ru` for a Russian reader (the stored name for an English
one), and the editor keeps the stored name editable on the canvas with the Russian name beside
each element, kept up to date while the analyst edits it; the stored XML never changes."""

from __future__ import annotations

import re

import pytest
from lxml import etree
from playwright.sync_api import Page, expect

from tests import clock
from tests.e2e.conftest import screenshot, signed_in
from tests.e2e.server import COUNTERPARTY
from tests.e2e.steps import CARD_URL, fill_new_invoice, save_card

EDITOR_URL = re.compile(r"/process/drafts/(\d+)$")
NS = {
    "bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL",
    "spiffworkflow": "http://spiffworkflow.org/bpmn/schema/1.0/core",
}
# (element, as its label is drawn): the stored English name, the diagram's name_ru.
NAMES = {
    "en": {"start_label": "Invoice submitted", "lane_finance": "Finance director"},
    "ru": {"start_label": "Счёт отправлен", "lane_finance": "Финансовый директор"},
}


def label(scope, element_id: str):
    return scope.locator(f'.djs-element[data-element-id="{element_id}"] text')


def in_language(page: Page, language: str) -> None:
    page.goto(f"/lang/{language}")
    page.wait_for_load_state()


@pytest.fixture
def back_in_english(browser, live_server):
    yield
    for username in ("analyst", "initiator"):
        with signed_in(browser, live_server, username) as page:
            page.goto("/lang/en")


def expect_names(diagram, language: str) -> None:
    for element_id, name in NAMES[language].items():
        expect(label(diagram, element_id)).to_have_text(re.compile(r"\s*".join(name.split())))


@pytest.mark.parametrize("language", ["en", "ru"])
@pytest.mark.usefixtures("back_in_english")
def test_the_version_page_and_the_card_draw_names_in_the_readers_language(
    page, log_in_as, language
):
    log_in_as("analyst")
    in_language(page, language)
    page.goto("/process/")
    page.locator("[data-test=versions] a[href*='/process/version/']").first.click()
    diagram = page.locator("#version-diagram")
    expect(diagram).to_have_attribute("data-rendered", "true")
    expect_names(diagram, language)
    screenshot(page, f"diagram-names-1-version-{language}", diagram)
    stored = page.request.get(page.locator("a[href$='/bpmn']").first.get_attribute("href")).text()
    assert 'name="Invoice submitted"' in stored  # what the server keeps is unchanged

    log_in_as("initiator")
    in_language(page, language)
    fill_new_invoice(
        page,
        amount="700,00",
        counterparty=COUNTERPARTY,
        issue_date=clock.today().isoformat(),
        approvers=("approver1",),
    )
    save_card(page, "")  # a draft's card: the diagram of the process it will follow
    expect(page).to_have_url(CARD_URL)
    card_diagram = page.locator("[data-invoice-diagram]")
    expect(card_diagram).to_have_attribute("data-rendered", "true")
    expect_names(card_diagram, language)
    screenshot(page, f"diagram-names-2-card-{language}", card_diagram)


def reader_note(page: Page, element_id: str):
    return page.locator(f'#editor .if-reader-name[data-element="{element_id}"]')


@pytest.mark.usefixtures("back_in_english")
def test_the_editor_shows_a_russian_analyst_the_russian_names_beside_the_stored_ones(
    page, log_in_as
):
    log_in_as("analyst")
    in_language(page, "ru")
    page.goto("/process/")
    page.locator("[data-test=versions] tr").filter(
        has=page.get_by_role("link", name="1", exact=True)
    ).get_by_role("button", name="Изменить как новый черновик").click()
    expect(page).to_have_url(EDITOR_URL)
    expect(page.locator('#editor[data-rendered="true"]')).to_be_attached()
    editor = page.locator("#editor")
    # The canvas keeps the stored names (what the analyst edits); the Russian ones beside them.
    expect_names(editor, "en")
    expect(reader_note(page, "start")).to_have_text("Счёт отправлен")
    expect(reader_note(page, "lane_finance")).to_have_text("Финансовый директор")
    expect(reader_note(page, "start")).to_have_attribute("title", re.compile(r"name_ru"))
    screenshot(page, "diagram-names-3-editor-ru", editor)

    # Editing name_ru in the side panel updates the note at once.
    shape = editor.locator('.djs-element[data-element-id="start"] .djs-hit').first
    shape.click()
    expect(page.locator("#properties-body code")).to_have_text("start")
    field = page.locator("#properties-body input[name=name_ru]")
    field.fill("Счёт подан")
    field.press("Tab")
    expect(reader_note(page, "start")).to_have_text("Счёт подан")

    # Saved, the diagram holds the English name as it was and the new Russian one.
    with page.expect_response(re.compile(r"/process/drafts/\d+/save$")) as response:
        page.locator("#save-draft").click()
    assert response.value.json()["saved"] is True
    draft = EDITOR_URL.search(page.url).group(1)
    xml = page.request.get(f"/process/drafts/{draft}/bpmn").body()
    start = etree.fromstring(xml).find(".//bpmn:startEvent[@id='start']", NS)
    assert start.get("name") == "Invoice submitted"
    names = {p.get("name"): p.get("value") for p in start.iterfind(".//spiffworkflow:property", NS)}
    assert names["name_ru"] == "Счёт подан"


def test_an_english_analyst_sees_no_notes_in_the_editor(page, log_in_as):
    log_in_as("analyst")
    in_language(page, "en")
    page.goto("/process/")
    page.locator("[data-test=versions] tr").filter(
        has=page.get_by_role("link", name="1", exact=True)
    ).get_by_role("button", name="Edit as a new draft").click()
    expect(page.locator('#editor[data-rendered="true"]')).to_be_attached()
    expect(page.locator("#editor .if-reader-name")).to_have_count(0)
    expect_names(page.locator("#editor"), "en")
