"""An approver asks in an invoice's discussion; the initiator hears the bell and answers."""

from __future__ import annotations

import re

from playwright.sync_api import Locator, Page, expect

from tests import clock
from tests.e2e.conftest import screenshot
from tests.e2e.server import COUNTERPARTY
from tests.e2e.steps import (
    CARD_URL,
    PDF,
    card_number_and_path,
    fill_new_invoice,
    open_my_task,
    save_card,
)

LINK = "https://example.com/contract"
QUESTION = f"Is this the Q3 contract? See {LINK} <b>bold?</b>"
ANSWER = "Yes, Q3. Attached the contract."
CONTRACT_FILE = "contract-q3.pdf"


def post_in_discussion(page: Page, text: str, files=()) -> None:
    """Type a message into the thread on the current card or task page, attach files, Post."""
    form = page.locator("[data-test=discussion-form]")
    form.get_by_label("Your message").fill(text)
    if files:
        form.locator("input[name=files]").set_input_files(list(files))
    form.get_by_role("button", name="Post", exact=True).click()
    expect(page.locator(".alert-success")).to_contain_text("Message posted")


def message_by(page: Page, author: str, text: str) -> Locator:
    """The one message in the thread written by `author` whose text contains `text`."""
    messages = page.locator("[data-test=discussion] li.discussion-message")
    message = messages.filter(has_text=author).filter(has_text=text)
    expect(message).to_have_count(1)
    return message


def expect_question_rendered_safely(message: Locator) -> None:
    """The URL is a real link; the typed `<b>` is shown as text, never as markup."""
    body = message.locator(".message-text")
    expect(body).to_have_text(QUESTION)
    link = body.locator("a")
    expect(link).to_have_count(1)
    expect(link).to_have_attribute("href", LINK)
    expect(link).to_have_text(LINK)
    expect(body.locator("b")).to_have_count(0)


def test_an_approver_asks_in_the_discussion_and_the_initiator_sees_the_bell_and_answers(
    page, log_in_as, tmp_path
):
    contract = tmp_path / CONTRACT_FILE
    # Bytes of its own, so no other test's file makes it look like a duplicate.
    contract.write_bytes(PDF + b"% contract Q3, discussion test\n")

    # 1. The initiator creates an invoice for approver1 and submits it.
    log_in_as("initiator")
    fill_new_invoice(
        page,
        amount="4 321,00",
        counterparty=COUNTERPARTY,
        issue_date=clock.today().isoformat(),
        approvers=("approver1",),
    )
    save_card(page, "created")
    number, card_path = card_number_and_path(page)
    page.locator("[data-test=submit]").click()
    expect(page).to_have_url(CARD_URL)
    expect(page.locator(".alert-success")).to_contain_text("Invoice submitted")
    approval = f"Approval of invoice #{number}"

    # 2. approver1 asks a question on the task page: a link and some markup-looking text.
    log_in_as("approver1")
    open_my_task(page, approval)
    task_path = re.sub(r"^https?://[^/]+", "", page.url)
    expect(page.locator("[data-test=discussion]")).to_contain_text("No messages yet.")
    post_in_discussion(page, QUESTION)
    expect(page).to_have_url(re.compile(re.escape(task_path) + "#discussion$"))
    question = message_by(page, "Approver1 Tester", "Is this the Q3 contract?")
    expect_question_rendered_safely(question)
    link = question.locator(".message-text a")
    expect(link).to_have_attribute("rel", re.compile(r"\bnoopener\b"))

    # 3. The initiator sees the bell, opens the notification and answers on the card.
    log_in_as("initiator")
    unread = page.locator("[data-test=bell] [data-test=unread-count]")
    expect(unread).to_be_visible()
    assert int(unread.inner_text()) > 0, f"unread count {unread.inner_text()!r}"
    unread_before = int(unread.inner_text())
    page.locator("[data-test=bell]").click()  # the bell's dropdown, then the whole list
    page.locator("[data-test=bell-all]").click()
    expect(page).to_have_url(re.compile(r"/notifications/?$"))
    notifications = page.locator("[data-test=notifications]")
    subject = f"New message on invoice #{number}"
    # \b: the subject of invoice #1 must not match that of #12.
    notification = notifications.locator("li").filter(has_text=re.compile(rf"{subject}\b"))
    expect(notification).to_have_count(1)
    expect(notification).to_have_class(re.compile(r"\bunread\b"))
    # The excerpt repeats the text as typed, markup included, and never as markup.
    expect(notification).to_contain_text(QUESTION)
    expect(notification.locator("b")).to_have_count(0)
    screenshot(page, "discussion-flow-1-notifications")
    with page.context.expect_page() as new_tab:  # the list stays; the card opens beside it
        notification.get_by_role("button", name=subject, exact=True).click()
    opened = new_tab.value
    expect(opened).to_have_url(re.compile(re.escape(card_path) + "$"))
    opened.close()
    page.goto(card_path)
    # Opening it marked it read: one fewer on the bell.
    if unread_before == 1:
        expect(page.locator("[data-test=unread-count]")).to_have_count(0)
    else:
        expect(page.locator("[data-test=unread-count]")).to_have_text(str(unread_before - 1))
    expect_question_rendered_safely(message_by(page, "Approver1 Tester", "Is this the Q3"))
    post_in_discussion(page, ANSWER, files=(contract,))
    expect(page).to_have_url(re.compile(re.escape(card_path) + "#discussion$"))
    thread = page.locator("[data-test=discussion]")
    messages = thread.locator("li.discussion-message")
    expect(messages).to_have_count(2)
    expect(messages.nth(0)).to_contain_text("Is this the Q3 contract?")  # oldest first
    expect(messages.nth(1)).to_contain_text(ANSWER)
    answer = message_by(page, "Initiator Tester", ANSWER)
    expect(answer.locator(".message-files")).to_contain_text(CONTRACT_FILE)
    expect(page.locator("[data-test=files]")).to_contain_text(CONTRACT_FILE)  # joined the card
    screenshot(page, "discussion-flow-2-thread", element=thread)
    screenshot(page, "discussion-flow-3-card-after-answer")

    # 4. approver1 reads the answer on the task page, after the question.
    log_in_as("approver1")
    open_my_task(page, approval)
    assert page.url.endswith(task_path)
    messages = page.locator("[data-test=discussion] li.discussion-message")
    expect(messages).to_have_count(2)
    expect(messages.nth(0)).to_contain_text("Is this the Q3 contract?")
    answer = message_by(page, "Initiator Tester", ANSWER)
    expect(answer.locator(".message-files a")).to_have_text(CONTRACT_FILE)
