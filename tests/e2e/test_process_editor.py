"""An analyst changes the approval process in the browser editor (bpmn-js), and an invoice card
shows the path its process has taken."""

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
PROCESS_URL = re.compile(r"/process/?$")
NS = {
    "bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL",
    "spiffworkflow": "http://spiffworkflow.org/bpmn/schema/1.0/core",
}
STAGE = "Legal review"
STAGE_TITLE = "Legal review of invoice #{number}"
GOOD_CONDITION = "approvals[-1]['decision'] == 'return'"
BAD_CONDITION = "approvals[-1]['decision'] =="
NO_PROBLEMS = "No problems: this draft may be published."


def version_row(page: Page, number: int):
    """The row of the Process page's versions table for version `number`."""
    return page.locator("[data-test=versions] tr").filter(
        has=page.get_by_role("link", name=str(number), exact=True)
    )


def current_label(page: Page, number: int):
    return version_row(page, number).locator(".label-success", has_text="current")


def open_editor_on_version(page: Page, number: int) -> str:
    """From the Process page: "Edit as a new draft" on a version; returns the draft's id."""
    page.goto("/process/")
    version_row(page, number).get_by_role("button", name="Edit as a new draft").click()
    expect(page).to_have_url(EDITOR_URL)
    expect(page.locator('#editor[data-rendered="true"]')).to_be_attached()
    return EDITOR_URL.search(page.url).group(1)


def save_and_check(page: Page) -> list[dict]:
    """Press "Save and check"; returns the problems the server found."""
    with page.expect_response(re.compile(r"/process/drafts/\d+/save$")) as response:
        page.locator("#save-draft").click()
    body = response.value.json()
    assert body["saved"] is True, body
    return body["problems"]


def shape(scope, element_id: str):
    """A BPMN element as bpmn-js draws it (not its bendpoints or label), inside `scope`."""
    return scope.locator(f'.djs-element[data-element-id="{element_id}"]')


def box_of(page: Page, element_id: str) -> dict:
    box = shape(page.locator("#editor"), element_id).bounding_box()
    assert box, f"{element_id} is not drawn"
    return box


def select_flow(page: Page, flow_id: str) -> None:
    """Click a flow's label on the canvas (the middle of the flow itself is a handle that
    moves the segment, and a click there selects nothing)."""
    box = box_of(page, f"{flow_id}_label")
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    expect(page.locator("#properties-body code")).to_have_text(flow_id)


def let_the_drag_settle(page: Page) -> None:
    """bpmn-js swallows canvas clicks for 400 ms after a drag ends (its ghost-click trap):
    a click that comes sooner selects nothing."""
    page.wait_for_timeout(450)


def make_room_below(page: Page, y: float, x: float, pixels: int) -> None:
    """Palette: the space tool, dragged down from (x, y) — what lies below moves down."""
    page.locator('.djs-palette .entry[data-action="space-tool"]').click()
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x, y + pixels / 4, steps=4)
    page.mouse.move(x, y + pixels, steps=8)
    page.mouse.up()
    let_the_drag_settle(page)


def create_task_at(page: Page, x: float, y: float) -> None:
    """Palette: "Create task", then a click on the canvas where it goes."""
    page.locator('.djs-palette .entry[data-action="create.task"]').click()
    page.mouse.move(x - 150, y + 50)
    page.mouse.move(x, y, steps=10)
    page.mouse.click(x, y)
    let_the_drag_settle(page)


def zoom_out(page: Page) -> None:
    """Ctrl + wheel near the editor's top right corner, so the grown diagram fits again."""
    editor = page.locator("#editor").bounding_box()
    page.mouse.move(editor["x"] + editor["width"] - 64, editor["y"] + 4)
    page.keyboard.down("Control")
    page.mouse.wheel(0, 60)
    page.keyboard.up("Control")


def set_property(page: Page, name: str, value: str) -> None:
    """Type into the side panel's input; the editor applies it on `change` (leaving the field)."""
    field = page.locator(f"#properties-body input[name={name}]")
    field.fill(value)
    field.press("Tab")


def spiff_properties(element) -> dict:
    return {
        p.get("name"): p.get("value")
        for p in element.iterfind(
            "bpmn:extensionElements/spiffworkflow:properties/spiffworkflow:property", NS
        )
    }


def saved_draft(page: Page, draft_id: str):
    response = page.request.get(f"/process/drafts/{draft_id}/bpmn")
    assert response.ok, response.status
    return etree.fromstring(response.body())


@pytest.fixture
def version_1_stays_current(browser, live_server):
    """Other browser tests start invoices on version 1: put it back even if the test fails."""
    yield
    with signed_in(browser, live_server, "admin") as page:
        page.goto("/process/")
        make_current = version_row(page, 1).get_by_role("button", name="Make current")
        if make_current.count():
            make_current.click()
            expect(current_label(page, 1)).to_be_visible()


def test_the_editor_saves_the_current_version_unchanged_without_problems(page, log_in_as):
    log_in_as("analyst")
    open_editor_on_version(page, 1)
    problems = save_and_check(page)
    assert problems == []


def test_a_flow_with_a_problem_is_drawn_red(page, log_in_as):
    log_in_as("analyst")
    open_editor_on_version(page, 1)
    select_flow(page, "f_returned")
    set_property(page, "condition", BAD_CONDITION)
    # Named (and the approval's `return` then leads nowhere: the rules of money say so too).
    assert "f_returned" in [p["element_id"] for p in save_and_check(page)]
    flow = shape(page.locator("#editor"), "f_returned")
    expect(flow).to_have_class(re.compile(r"\bif-problem\b"))
    stroke = flow.locator(".djs-visual > path").evaluate("path => getComputedStyle(path).stroke")
    assert stroke == "rgb(217, 83, 79)"


def test_an_analyst_adds_a_stage_in_the_editor_fixes_a_lint_error_and_publishes(
    page, log_in_as, version_1_stays_current
):
    page_errors = []
    page.on("pageerror", lambda error: page_errors.append(str(error)))

    # 1. The analyst opens the current version in the editor as a new draft.
    log_in_as("analyst")
    page.goto("/process/")
    expect(current_label(page, 1)).to_be_visible()
    draft_id = open_editor_on_version(page, 1)
    expect(page.locator("h2")).to_contain_text(f"draft {draft_id}, from version 1")

    # 2. A new stage after the approvals: room in the Approver lane, a task dropped on the
    #    "approved" flow (bpmn-js splits the flow), its type changed to a user task, its name,
    #    form, title and lane set in the side panel. An `acknowledge` stage: an `approval` one
    #    would need its decisions routed (the rules of money).
    approval_step, finance = box_of(page, "approval_step"), box_of(page, "lane_finance")
    gateway_x = box_of(page, "gw_decision")["x"] + box_of(page, "gw_decision")["width"] / 2
    below_subprocess = (approval_step["y"] + approval_step["height"] + finance["y"]) / 2
    make_room_below(page, below_subprocess, gateway_x + 120, pixels=100)
    # Boxes include bpmn-js's 7.5px hit outline. The task (80px high) goes low in the grown
    # lane: higher up, the pointer would be over the flow's label "approved", not the flow.
    finance = box_of(page, "lane_finance")
    approved = box_of(page, "f_approved")
    create_task_at(page, approved["x"] + approved["width"] / 2, finance["y"] - 45)
    editor, panel = page.locator("#editor"), page.locator("#properties-body")
    expect(panel.locator("strong")).to_have_text("Task")
    page.locator('.djs-context-pad .entry[data-action="replace"]').click()
    page.locator('.djs-popup .entry[data-id="replace-with-user-task"]').click()
    expect(panel.locator("strong")).to_have_text("UserTask")
    stage_id = panel.locator("code").inner_text()
    set_property(page, "name", STAGE)
    panel.locator("select[name=form]").select_option("acknowledge")
    set_property(page, "title", STAGE_TITLE)
    expect(shape(editor, stage_id)).to_contain_text(STAGE)
    # Its lane, from the side panel: the task moves into the lane chosen, and back.
    lane = panel.locator("select[name=lane]")
    expect(lane).to_have_value("Approver")
    lane.select_option("Finance director")
    finance_top = box_of(page, "lane_finance")["y"]
    assert box_of(page, stage_id)["y"] > finance_top
    panel.locator("select[name=lane]").select_option("Approver")
    assert box_of(page, stage_id)["y"] + box_of(page, stage_id)["height"] < finance_top + 8
    zoom_out(page)

    # 3. A broken condition on the "returned" flow: saved, checked, named and marked.
    select_flow(page, "f_returned")
    condition = panel.locator("input[name=condition]")
    expect(condition).to_have_value(GOOD_CONDITION)
    set_property(page, "condition", BAD_CONDITION)
    problems = save_and_check(page)
    assert "f_returned" in [p["element_id"] for p in problems], problems
    listed = page.locator('#problems li[data-element="f_returned"]')
    expect(listed).to_have_count(1)
    expect(listed).to_have_attribute("data-element", "f_returned")
    expect(listed).to_contain_text("f_returned")
    expect(listed).to_contain_text("syntax error")
    expect(listed).to_have_class(re.compile(r"\btext-danger\b"))
    expect(shape(editor, "f_returned")).to_have_class(re.compile(r"\bif-problem\b"))
    screenshot(page, "process-editor-1-problem-highlighted")

    # The stage as the panel set it, in the saved draft: in the Approver lane, on the path.
    root = saved_draft(page, draft_id)
    (stage,) = root.iterfind(f".//bpmn:userTask[@id='{stage_id}']", NS)
    assert stage.get("name") == STAGE
    assert spiff_properties(stage) == {"form": "acknowledge", "title": STAGE_TITLE}
    lane = root.find(f".//bpmn:lane[bpmn:flowNodeRef='{stage_id}']", NS)
    assert lane is not None and lane.get("name") == "Approver"
    flows = {
        f.get("id"): (f.get("sourceRef"), f.get("targetRef"))
        for f in root.iterfind(".//bpmn:sequenceFlow", NS)
    }
    assert flows["f_approved"] == ("gw_decision", stage_id)
    assert (stage_id, "pay") in flows.values()

    # The analyst fixes the condition; the draft is clean.
    set_property(page, "condition", GOOD_CONDITION)
    assert save_and_check(page) == []
    expect(page.locator("#problems li")).to_have_text(NO_PROBLEMS)
    expect(page.locator("#editor .if-problem")).to_have_count(0)
    screenshot(page, "process-editor-2-clean")

    # 4. Published with a note: the new version is current.
    page.locator("[data-test=publish-form] input[name=note]").fill("Legal review after approvals")
    page.locator("#publish").click()
    expect(page).to_have_url(PROCESS_URL)
    # The next number: other browser tests on this server may have published versions.
    published = page.locator(".alert-success")
    expect(published).to_contain_text(re.compile(r"Published as version \d+"))
    new = int(re.search(r"Published as version (\d+)", published.inner_text())[1])
    expect(current_label(page, new)).to_be_visible()
    expect(version_row(page, new)).to_contain_text("Legal review after approvals")
    expect(version_row(page, new)).to_contain_text("Analyst Tester")
    expect(current_label(page, 1)).to_have_count(0)
    expect(version_row(page, 1).get_by_role("button", name="Make current")).to_be_visible()
    screenshot(page, "process-editor-3-published")

    # 5. A new invoice runs on the new version; its card shows the path and who holds the task.
    log_in_as("initiator")
    fill_new_invoice(
        page,
        amount="150 000,00",
        counterparty=COUNTERPARTY,
        issue_date=clock.today().isoformat(),
        approvers=("approver1", "approver2"),
    )
    save_card(page, "created")
    page.locator("[data-test=submit]").click()
    expect(page).to_have_url(CARD_URL)
    expect(page.locator("[data-test=status]")).to_have_text("In approval")
    diagram = page.locator('[data-test=diagram][data-rendered="true"]')
    expect(diagram).to_be_visible()
    expect(shape(diagram, "approve")).to_have_class(re.compile(r"\bif-waiting\b"))
    expect(diagram.locator(".if-holder")).to_have_count(1)
    expect(diagram.locator(".if-holder")).to_contain_text("Approver1 Tester")
    for passed in ("start", "approval_start"):
        expect(shape(diagram, passed)).to_have_class(re.compile(r"\bif-done\b"))
    expect(shape(diagram, stage_id)).to_contain_text(STAGE)
    expect(shape(diagram, stage_id)).not_to_have_class(re.compile(r"\bif-(done|waiting)\b"))
    screenshot(page, "process-editor-4-invoice-diagram", element=diagram)

    # 6. Version 1 is one click away (and the other browser tests expect it).
    log_in_as("analyst")
    page.goto("/process/")
    expect(version_row(page, new).locator("td").nth(4)).to_have_text("1")  # the new invoice
    version_row(page, 1).get_by_role("button", name="Make current").click()
    expect(page.locator(".alert-success")).to_contain_text("Version 1 is now used")
    expect(current_label(page, 1)).to_be_visible()
    expect(current_label(page, new)).to_have_count(0)
    assert page_errors == []
