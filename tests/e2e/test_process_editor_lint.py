"""While drawing, the analyst sees what breaks BPMN's generic rules (bpmnlint, live, on the
canvas and in a list); on save, what the app's check says, each problem naming its element and
selecting it when clicked. Publishing with unsaved edits asks first, leaving the page asks the
browser to confirm, and a diagram that is the current version already is not published again.
In English and in Russian."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import screenshot, signed_in
from tests.e2e.test_process_editor import (
    EDITOR_URL,
    box_of,
    create_task_at,
    let_the_drag_settle,
    save_and_check,
    set_property,
    shape,
    version_1_stays_current,  # noqa: F401 - a fixture: whatever happens, version 1 stays current
    version_row,
)

TEXT = {
    "en": {
        "no_live_problems": "No problems with the BPMN rules.",
        "not_connected": "Element is not connected",
        "lint_button": "Errors: 3, warnings: 1",
        "unsaved": "Unsaved changes",
        "ask": "You have unsaved changes. Save them and publish, or cancel?",
        "nothing_to_publish": (
            "Nothing to publish: this diagram is version 1 already, the current one."
        ),
    },
    "ru": {
        "no_live_problems": "Правила BPMN соблюдены.",
        "not_connected": "Элемент ни с чем не связан",
        "lint_button": "Ошибок: 3, предупреждений: 1",
        "unsaved": "Есть несохранённые изменения",
        "ask": "Есть несохранённые изменения. Сохранить их и опубликовать или отменить?",
        "nothing_to_publish": "Публиковать нечего: эта схема уже является версией 1, текущей.",
    },
}
STAGE = "Stray check"


def switch_language(page: Page, language: str) -> None:
    """The language menu (the flag in the navigation bar), as a user switches."""
    page.locator(".navbar a.dropdown-toggle:has(.flag)").click()
    page.locator(f'.navbar a[href$="/lang/{language}"]').click()
    page.wait_for_load_state()
    expect(
        page.locator(f".navbar a.dropdown-toggle .flag.{'gb' if language == 'en' else language}")
    ).to_be_attached()


@pytest.fixture
def back_in_english(browser, live_server):
    """The analyst's language is remembered across logins: English again, even after a failure."""
    yield
    with signed_in(browser, live_server, "analyst") as page:
        page.goto("/lang/en")


def open_editor_on_version_1(page: Page) -> int:
    """From the Process page, "Edit as a new draft" on version 1 (the current one); returns how
    many versions there are."""
    page.goto("/process/")
    expect(version_row(page, 1).locator(".label-success")).to_be_visible()
    versions = page.locator("[data-test=versions] tr").count() - 1
    version_row(page, 1).locator("form:has(input[name=version_id]) button").click()
    expect(page).to_have_url(EDITOR_URL)
    expect(page.locator('#editor[data-rendered="true"]')).to_be_attached()
    return versions


def click_shape(page: Page, element_id: str) -> None:
    box = box_of(page, element_id)
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    expect(page.locator("#properties-body code")).to_have_text(element_id)


def selected_in_the_canvas(page: Page, element_id: str):
    return page.locator(f'#editor .djs-element.selected[data-element-id="{element_id}"]')


@pytest.mark.parametrize("language", ["en", "ru"])
@pytest.mark.usefixtures("version_1_stays_current", "back_in_english")
def test_the_editor_shows_problems_live_and_on_save_and_never_publishes_unsaved_or_unchanged(
    page, log_in_as, language
):
    text = TEXT[language]
    page_errors = []
    page.on("pageerror", lambda error: page_errors.append(str(error)))
    log_in_as("analyst")
    if language != "en":
        switch_language(page, language)
    versions = open_editor_on_version_1(page)
    editor, live = page.locator("#editor"), page.locator("[data-test=live-problems] li")
    expect(live).to_have_text([text["no_live_problems"]])
    expect(page.locator(".bjsl-button-success")).to_be_visible()

    # 1. A task dropped in free space of the Finance director lane, connected to nothing:
    #    bpmnlint marks it on the canvas and lists it, live, before anything is saved.
    finance, pay = box_of(page, "lane_finance"), box_of(page, "pay")
    create_task_at(page, (finance["x"] + pay["x"]) / 2 + 30, pay["y"] + pay["height"] / 2)
    task_id = page.locator("#properties-body code").inner_text()
    expect(
        editor.locator(f'.djs-overlays[data-container-id="{task_id}"] .bjsl-overlay')
    ).to_be_visible()
    expect(page.locator(".bjsl-button-error")).to_have_text(text["lint_button"])
    not_connected = live.filter(has_text=text["not_connected"])
    expect(not_connected).to_have_attribute("data-element", task_id)
    expect(not_connected).to_have_class(re.compile(r"\btext-danger\b"))
    expect(page.locator("[data-test=save-state]")).to_have_text(text["unsaved"])
    # Named in the side panel: the missing-name warning goes, and the list names the task.
    expect(live.filter(has_text="invoiceflow/label-required")).to_have_count(1)
    set_property(page, "name", STAGE)
    expect(live.filter(has_text="invoiceflow/label-required")).to_have_count(0)
    expect(not_connected).to_contain_text(f"{STAGE} ({task_id})")
    screenshot(page, f"process-editor-lint-1-live-{language}")

    # 2. Made a user task and saved: the app's check names it (nothing leads to it, it has no
    #    form...), and a click on the problem selects it in the canvas.
    page.locator('.djs-context-pad .entry[data-action="replace"]').click()
    page.locator('.djs-popup .entry[data-id="replace-with-user-task"]').click()
    expect(page.locator("#properties-body strong")).to_have_text("UserTask")
    user_task_id = page.locator("#properties-body code").inner_text()
    problems = save_and_check(page)
    assert user_task_id in [p["element_id"] for p in problems], problems
    checked = page.locator(f'[data-test=problems] li[data-element="{user_task_id}"]')
    expect(checked.first).to_contain_text(f"{STAGE} ({user_task_id})")
    expect(shape(editor, user_task_id)).to_have_class(re.compile(r"\bif-problem\b"))
    click_shape(page, "pay")
    checked.first.click()
    expect(selected_in_the_canvas(page, user_task_id)).to_be_visible()
    expect(page.locator("#properties-body code")).to_have_text(user_task_id)
    screenshot(page, f"process-editor-lint-2-checked-on-save-{language}")
    # The live list selects too.
    click_shape(page, "pay")
    live.filter(has_text=text["not_connected"]).click()
    expect(selected_in_the_canvas(page, user_task_id)).to_be_visible()

    # 3. The task deleted again: the diagram says what version 1 says, but the edit is not
    #    saved. Publishing asks first; Cancel keeps the analyst in the editor, nothing published.
    page.locator('.djs-context-pad .entry[data-action="delete"]').click()
    let_the_drag_settle(page)
    expect(live).to_have_text([text["no_live_problems"]])
    expect(page.locator("[data-test=save-state]")).to_have_text(text["unsaved"])
    page.locator("[data-test=publish-form] input[name=note]").fill("Nothing really")
    page.locator("#publish").click()
    dialog = page.locator("[data-test=unsaved-dialog]")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text(text["ask"])
    screenshot(page, f"process-editor-lint-3-unsaved-asks-first-{language}")
    page.locator("#unsaved-cancel").click()
    expect(dialog).to_be_hidden()
    expect(page).to_have_url(EDITOR_URL)

    # Leaving the page with the edit unsaved: the browser asks; staying keeps the editor.
    asked = []
    page.once("dialog", lambda prompt: (asked.append(prompt.type), prompt.dismiss()))
    page.locator('.navbar a[href="/process/"]').first.click()
    expect(page).to_have_url(EDITOR_URL)
    assert asked == ["beforeunload"]

    # 4. Save and publish: saved, and refused, since it is version 1 already.
    page.locator("#publish").click()
    page.locator("#unsaved-save-and-publish").click()
    expect(page.locator(".alert-danger")).to_contain_text(text["nothing_to_publish"])
    expect(page).to_have_url(EDITOR_URL)
    expect(page.locator('#editor[data-rendered="true"]')).to_be_attached()
    screenshot(page, f"process-editor-lint-4-nothing-to-publish-{language}")
    page.goto("/process/")
    expect(page.locator("[data-test=versions] tr")).to_have_count(versions + 1)
    expect(version_row(page, 1).locator(".label-success")).to_be_visible()
    assert page_errors == []
