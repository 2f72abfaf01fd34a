"""Administrators' screens in a real browser, in English and in Russian: Open tasks and
reassigning from there, an e-mail of the outbox as its recipient reads it, a saved user, and the
roles form grouped by what permissions allow."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests import clock
from tests.e2e.conftest import log_in, screenshot
from tests.e2e.server import OTHER_COUNTERPARTY
from tests.e2e.steps import CARD_URL, TASK_URL, card_number_and_path, fill_new_invoice, save_card


def sign_in_as(page, username: str) -> None:
    """Another person at this browser: a new session (signing out asks to confirm)."""
    page.context.clear_cookies()
    log_in(page, username)


def submit_invoice_for(page, approver: str) -> tuple[str, str]:
    """As the initiator: an invoice for `approver`, submitted; its number and card path."""
    fill_new_invoice(
        page,
        amount="4 321,00",
        counterparty=OTHER_COUNTERPARTY,
        issue_date=clock.today().isoformat(),
        approvers=(approver,),
    )
    save_card(page, "created")
    number, card_path = card_number_and_path(page)
    page.locator("[data-test=submit]").click()
    expect(page).to_have_url(CARD_URL)
    return number, card_path


def in_both_languages(page, url: str, name: str, ready) -> None:
    for language in ("en", "ru"):
        page.goto(f"/lang/{language}")
        page.goto(url)
        ready()
        screenshot(page, f"admin-{name}-{language}")
    page.goto("/lang/en")
    page.goto(url)


def test_an_admin_finds_a_waiting_task_and_reassigns_it_from_open_tasks(page):
    sign_in_as(page, "initiator")
    number, card_path = submit_invoice_for(page, "approver1")
    title = f"Approval of invoice #{number}"

    sign_in_as(page, "admin")
    page.goto("/")
    page.locator("a.dropdown-toggle", has_text="Administration").click()
    page.locator(".dropdown-menu a", has_text="Open tasks").click()
    rows = page.locator("[data-test=open-task]")
    expect(rows.filter(has_text=title)).to_contain_text("Approver1 Tester")
    in_both_languages(
        page, "/open-tasks/", "open-tasks", lambda: expect(rows.first).to_be_visible()
    )
    # Filtered by holder and stage, then Reassign: the task page's form.
    page.select_option("select[name=stage]", "approve")
    page.locator("[data-test=open-tasks-filters] button[type=submit]").click()
    row = rows.filter(has_text=title)
    row.locator("[data-test=reassign]").click()
    expect(page).to_have_url(re.compile(r"/tasks/[0-9a-f-]+#reassign$"))
    page.wait_for_load_state("load")  # the dialog's script is in place before the form is sent
    form = page.locator("#reassign")
    form.locator("select[name=user_id]").select_option(label="Approver2 Tester (approver2)")
    form.get_by_role("button", name="Reassign", exact=True).click()
    page.locator("[data-test=confirm-dialog]").get_by_role("button", name="Reassign").click()
    expect(page.locator(".alert-success")).to_contain_text("Task reassigned")

    # The card's "Now with" leads an admin to the task.
    page.goto(card_path)
    now_with = page.locator("[data-test=open-tasks]")
    expect(now_with).to_contain_text("Approver2 Tester")
    now_with.get_by_role("link", name=title).click()
    expect(page).to_have_url(TASK_URL)
    screenshot(page, "admin-task-after-reassign")


def test_an_admin_reads_an_outgoing_e_mail_as_its_recipient_does(page):
    sign_in_as(page, "initiator")
    number, _card = submit_invoice_for(page, "approver2")

    sign_in_as(page, "admin")
    page.goto("/outbox/list/")
    subject = page.locator("[data-test=outbox-row] [data-test=subject]").filter(
        has_text=f"Approval of invoice #{number}"
    )
    expect(subject.first).to_be_visible()
    in_both_languages(
        page, "/outbox/list/", "outbox", lambda: expect(subject.first).to_be_visible()
    )
    subject.first.click()
    expect(page.locator("[data-test=mail-subject]")).to_have_text(f"Approval of invoice #{number}")
    frame = page.frame_locator("iframe[data-test=mail-html]")
    expect(frame.locator("body")).to_contain_text(f"#{number}")
    expect(page.locator("iframe[data-test=mail-html]")).to_have_attribute("sandbox", "")
    mail_url = page.url
    in_both_languages(
        page, mail_url, "outbox-mail", lambda: expect(frame.locator("body")).to_be_visible()
    )


def test_an_admin_saves_a_user_and_reads_the_roles_by_what_they_allow(page):
    sign_in_as(page, "admin")
    page.goto("/users/list/")
    saved_messages = {
        "en": "User Approver2 Tester (approver2) saved.",
        "ru": "Пользователь Approver2 Tester (approver2) сохранён.",
    }
    for language, saved in saved_messages.items():
        page.goto(f"/lang/{language}")
        page.goto("/users/list/")
        page.locator("tr", has_text="approver2@example.com").locator(
            "a[href*='/users/edit/']"
        ).click()
        page.locator("#model_form button[type=submit]").click()
        expect(page).to_have_url(re.compile(r"/users/list/$"))
        expect(page.locator(".alert-success")).to_contain_text(saved)
        screenshot(page, f"admin-user-saved-{language}")
    page.goto("/lang/en")

    page.goto("/roles/list/")
    page.locator("tr", has_text="Approver").filter(has_not_text="Finance").locator(
        "a[href*='/roles/edit/']"
    ).first.click()
    groups = page.locator("[data-test=permission-group]")
    tasks = groups.filter(has_text="Decide on tasks")
    expect(tasks.get_by_label("Decide on tasks")).to_be_checked()
    # "none" clears one area only, "all" ticks it again; nothing is saved here.
    tasks.get_by_role("button", name="none").click()
    expect(tasks.get_by_label("Decide on tasks")).not_to_be_checked()
    tasks.get_by_role("button", name="all").click()
    expect(tasks.get_by_label("Decide on tasks")).to_be_checked()
    role_url = page.url
    in_both_languages(
        page, role_url, "role-permissions", lambda: expect(groups.first).to_be_visible()
    )
