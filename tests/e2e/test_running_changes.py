"""Changing a running invoice's process in a real browser, in English and in Russian: an admin
changes the approvers of a running invoice, and moves running invoices to a newly published
version from that version's page (choose, confirm, moved)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests import clock
from tests.e2e.conftest import screenshot
from tests.e2e.test_my_tasks import Api, in_language, submitted, user_id
from tests.running_changes.diagrams import PAYER_IS_A_CODE, WITH_ACCOUNTING_CHECK

WORDS = {
    "en": {
        "changed": "The approvers are changed.",
        "stage": "Approve invoice",
        "moved": "invoices now run on the new version",
        "move": "Move",
        "published": "Published as version",
        "rewound": "The process went back to the chosen task",
        "open": "Open",
        "decision": "A decision on a task",
        "resolved": "Resolved",
        "resolution": "moved back to",
        "approved": "Approved",
        "no": "#",
        "reason": "The payer is named in the contract: approve again",
    },
    "ru": {
        "changed": "Согласующие изменены.",
        "stage": "Согласование счёта",
        "moved": "Счетов переведено на новую версию",
        "move": "Перевести",
        "published": "Опубликовано как версия",
        "rewound": "Процесс возвращён к выбранной задаче",
        "open": "Открыт",
        "decision": "Решение по задаче",
        "resolved": "Решён",
        "resolution": "возвращён к задаче",
        "approved": "Согласован",
        "no": "№",
        "reason": "Плательщик указан в договоре: согласуйте заново",
    },
}
AMOUNTS = {"en": "7611.00", "ru": "7622.00"}
MOVE_AMOUNTS = {"en": "7633.00", "ru": "7644.00"}
STUCK_AMOUNTS = {"en": "7655.00", "ru": "7666.00"}
VERSION = re.compile(r"/process/version/(\d+)")


@pytest.mark.parametrize("language", ["en", "ru"])
def test_an_admin_puts_another_approver_on_a_running_invoice(page, log_in_as, language):
    words = WORDS[language]
    log_in_as("initiator")
    first, second = user_id(page, "approver1"), user_id(page, "approver2")
    invoice = submitted(page, Api(page, "initiator"), AMOUNTS[language], first)

    log_in_as("admin")
    in_language(page, language)
    page.goto(f"/running/invoices/{invoice}/approvers")
    form = page.locator("[data-test=change-approvers]")
    form.locator("#approver1").select_option(str(second))
    form.locator("#approver2").select_option(str(first))
    screenshot(page, f"running-approvers-1-form-{language}")
    form.locator("button[type=submit]").click()
    expect(page.locator(".alert-success")).to_contain_text(words["changed"])
    expect(page.locator("[data-test=approvers]")).to_contain_text("Approver2 Tester")
    screenshot(page, f"running-approvers-2-card-{language}")


def publish(page, xml_path, note: str, words) -> str:
    """As the analyst: import the file as a draft and publish it; the new version's page."""
    page.goto("/process/")
    page.set_input_files("#diagram", str(xml_path))
    page.locator("form[enctype] button[type=submit]").click()
    page.wait_for_url(re.compile(r"/process/drafts/\d+$"))
    page.locator("[data-test=publish-form] input[name=note]").fill(note)
    page.locator("#publish").click()
    expect(page.locator(".alert-success")).to_contain_text(words["published"])
    newest = page.locator("[data-test=versions] tr").nth(1)  # newest first
    return newest.locator("td a").first.get_attribute("href")


def make_current_again(page, href: str) -> None:
    """Later browser tests expect the default process for new invoices."""
    page.goto("/process/")
    row = page.locator("[data-test=versions] tr").filter(has=page.locator(f'a[href="{href}"]'))
    button = row.locator("form button.btn-warning")
    if button.count():  # not current already
        button.click()
        page.wait_for_load_state()


@pytest.mark.parametrize("language", ["en", "ru"])
def test_an_admin_moves_a_running_invoice_to_a_new_version(page, log_in_as, tmp_path, language):
    words = WORDS[language]
    log_in_as("initiator")
    invoice = submitted(
        page, Api(page, "initiator"), MOVE_AMOUNTS[language], user_id(page, "approver1")
    )
    log_in_as("analyst")
    in_language(page, language)
    page.goto("/process/")
    current = page.locator("[data-test=versions] tr.success td a").first.get_attribute("href")
    diagram = tmp_path / "with-check.bpmn"
    diagram.write_text(WITH_ACCOUNTING_CHECK.replace("Accounting check", f"Check {language}"))
    try:
        version_page = publish(page, diagram, f"Accounting check ({language})", words)

        log_in_as("admin")
        in_language(page, language)
        page.goto(version_page)
        page.locator("[data-test=move-running]").click()
        row = page.locator(f"[data-test=movable-{invoice}]")
        expect(row).to_contain_text(words["stage"])  # where it will stand afterwards
        screenshot(page, f"running-move-1-screen-{language}")
        row.locator("input[type=checkbox]").check()
        page.locator("[data-test=move-chosen]").click()
        expect(page.locator("[data-test=confirm-page]")).to_contain_text(f"#{invoice}")
        screenshot(page, f"running-move-2-confirm-{language}")
        page.locator("[data-test=confirm]").click()
        expect(page.locator(".alert-success")).to_contain_text(words["moved"])
        expect(page.locator(f"[data-test=movable-{invoice}]")).to_have_count(0)
        screenshot(page, f"running-move-3-moved-{language}")
        page.goto(f"/invoices/show/{invoice}")
        expect(page.locator("[data-action=process_moved]")).to_be_visible()
        screenshot(page, f"running-move-4-card-{language}")
    finally:
        log_in_as("analyst")
        make_current_again(page, current)


def my_task_on(api: Api, invoice: int) -> dict | None:
    rows = api.get("/api/v1/tasks/mine?page_size=100")["result"]
    return next((row for row in rows if row["invoice_id"] == invoice), None)


def approve(page, username: str, invoice: int):
    api = Api(page, username)
    task = my_task_on(api, invoice)
    return page.request.post(
        f"/api/v1/tasks/{task['id']}/decision",
        headers=api.headers,
        data={"decision": "approve"},
    )


@pytest.mark.parametrize("language", ["en", "ru"])
def test_an_admin_sends_a_stuck_invoice_back_to_its_first_approver(
    page, log_in_as, tmp_path, language
):
    words = WORDS[language]
    log_in_as("analyst")
    in_language(page, language)
    page.goto("/process/")
    current = page.locator("[data-test=versions] tr.success td a").first.get_attribute("href")
    diagram = tmp_path / "payer-is-a-code.bpmn"
    diagram.write_text(f"{PAYER_IS_A_CODE}\n<!-- {language} -->\n")  # a version per run
    try:
        publish(page, diagram, f"Payment to a named person ({language})", words)
        log_in_as("initiator")
        api = Api(page, "initiator")
        people = [user_id(page, "approver1"), user_id(page, "approver2")]
        parties = api.get("/api/v1/counterparty/?q=(page_size:100)")["result"]
        invoice = api.post(
            "/api/v1/invoice/",
            {
                "amount": STUCK_AMOUNTS[language],
                "counterparty_id": parties[0]["id"],
                "issue_date": clock.today().isoformat(),
                "approvers": people,
            },
        )["id"]
        api.post(f"/api/v1/invoices/{invoice}/submit")
        assert approve(page, "approver1", invoice).ok
        failed = approve(page, "approver2", invoice)  # nobody to hand the payment to
        assert failed.status == 422, failed.text()

        log_in_as("admin")
        in_language(page, language)
        page.goto(f"/incidents/list/?_flt_0_invoice_id={invoice}")
        page.locator('a[href*="/incidents/show/"]').first.click()
        form = page.locator("[data-test=rewind-incident]")
        expect(form.locator("option")).to_have_count(1)  # approver1's turn, the round's only one
        expect(form).to_contain_text("Approver1 Tester")
        # The incident's status and the action that failed, in the reader's language.
        expect(page.locator("table").first).to_contain_text(words["open"])
        expect(page.locator("table").first).to_contain_text(words["decision"])
        incident_url = page.url
        screenshot(page, f"running-repair-1-incident-{language}")
        form.locator("[data-test=rewind-button]").click()
        # The question first: the invoice, the task it goes back to, what it undoes, why.
        question = page.locator("[data-test=rewind-confirm]")
        expect(question).to_contain_text(f"{words['no']}{invoice}")
        expect(question.locator("[data-test=rewind-undone]")).to_contain_text("Approver1 Tester")
        expect(question.locator("[data-test=rewind-undone]")).to_contain_text(words["approved"])
        question.locator("[data-test=confirm]").click()  # no reason: the browser asks for one
        expect(question).to_be_visible()
        question.locator("[data-test=rewind-reason]").fill(words["reason"])
        screenshot(page, f"running-repair-1-confirm-{language}")
        question.locator("[data-test=confirm]").click()
        expect(page.locator(".alert-success")).to_contain_text(words["rewound"])
        screenshot(page, f"running-repair-2-resolved-{language}")
        page.goto(incident_url)
        expect(page.locator("table").first).to_contain_text(words["resolved"])
        expect(page.locator("table").first).to_contain_text(words["resolution"])
        screenshot(page, f"running-repair-2-resolved-incident-{language}")
        assert my_task_on(Api(page, "approver1"), invoice) is not None
        assert my_task_on(Api(page, "approver2"), invoice) is None
        page.goto(f"/invoices/show/{invoice}")
        expect(page.locator("[data-action=process_rewound]")).to_contain_text(words["reason"])
        screenshot(page, f"running-repair-3-card-{language}")
    finally:
        log_in_as("analyst")
        make_current_again(page, current)
