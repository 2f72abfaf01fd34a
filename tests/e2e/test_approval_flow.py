"""An invoice goes through the whole approval process in a real browser, user after user."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests import clock
from tests.e2e.conftest import screenshot
from tests.e2e.server import OTHER_COUNTERPARTY
from tests.e2e.steps import (
    CARD_URL,
    card_number_and_path,
    expect_back_on_my_tasks,
    fill_new_invoice,
    open_my_task,
    save_card,
    write_pdf,
)

WRONG_CONTRACT = "C-2024/017"
RIGHT_CONTRACT = "C-2024/071"
RETURN_REASON = "Wrong contract number"
PAYMENT_REFERENCE = "PP-5521"


def decide(page, title: str, decision: str, comment: str = "", shot: str | None = None) -> None:
    """From My tasks, open an approval task and press a decision button."""
    open_my_task(page, title)
    form = page.locator("[data-test=decision-form]")
    expect(form).to_be_visible()
    if comment:
        form.locator("#comment").fill(comment)
    if shot:
        screenshot(page, shot)
    form.get_by_role("button", name=decision, exact=True).click()
    expect_back_on_my_tasks(page, "Your decision is recorded", title)


def test_an_invoice_goes_through_return_correction_approvals_and_payment(page, log_in_as, tmp_path):
    today = clock.today().isoformat()
    payment_order = write_pdf(tmp_path, "payment-order-5521.pdf")

    # 1. The initiator creates the invoice and submits it.
    log_in_as("initiator")
    fill_new_invoice(
        page,
        amount="2 500,00",
        counterparty=OTHER_COUNTERPARTY,
        issue_date=today,
        approvers=("approver1", "approver2"),
        contract_no=WRONG_CONTRACT,
        payment_order_required=True,
    )
    save_card(page, "created")
    number, card_path = card_number_and_path(page)
    expect(page.locator("[data-test=status]")).to_have_text("Draft")
    page.locator("[data-test=submit]").click()
    expect(page).to_have_url(CARD_URL)
    expect(page.locator(".alert-success")).to_contain_text("Invoice submitted")
    expect(page.locator("[data-test=status]")).to_have_text("In approval")
    expect(page.locator("[data-test=submit]")).to_have_count(0)
    expect(page.locator("[data-test=open-tasks]")).to_contain_text(
        f"Approval of invoice #{number}: Approver1 Tester"
    )
    approval, correction, payment = (
        f"Approval of invoice #{number}",
        f"Correct invoice #{number}",
        f"Pay invoice #{number}",
    )

    # 2. The first approver returns it for rework.
    log_in_as("approver1")
    decide(page, approval, "Return for rework", RETURN_REASON, shot="approval-flow-1-approval-task")

    # 3. The initiator reads the reason, corrects the card and resubmits.
    log_in_as("initiator")
    open_my_task(page, correction)
    correction_form = page.locator("[data-test=correction-form]")
    expect(correction_form).to_contain_text(f"Returned by Approver1 Tester: {RETURN_REASON}")
    screenshot(page, "approval-flow-2-correction-task")
    correction_form.get_by_role("link", name="Edit the card").click()
    invoice_id = card_path.rsplit("/", 1)[1]
    expect(page).to_have_url(re.compile(rf"/invoices/edit/{invoice_id}$"))
    expect(page.locator("input[name=contract_no]")).to_have_value(WRONG_CONTRACT)
    page.fill("input[name=contract_no]", RIGHT_CONTRACT)
    save_card(page, "saved")
    expect(page.locator("[data-test=fields]")).to_contain_text(RIGHT_CONTRACT)
    expect(page.locator("[data-test=status]")).to_have_text("On rework")
    open_my_task(page, correction)
    page.locator("[data-test=correction-form]").get_by_role("button", name="Resubmit").click()
    expect_back_on_my_tasks(page, "went back to its approvers", correction)

    # 4. Both approvers approve, in their order.
    log_in_as("approver1")
    decide(page, approval, "Approve")
    log_in_as("approver2")
    decide(page, approval, "Approve")

    # 5. The finance director pays: refused without the payment order, then with it.
    log_in_as("finance")
    open_my_task(page, payment)
    form = page.locator("[data-test=payment-form]")
    expect(form.locator("#paid_on")).to_have_value(today)
    expect(form.locator("#amount")).to_have_value("2\u00a0500.00")
    form.locator("#reference").fill(PAYMENT_REFERENCE)
    screenshot(page, "approval-flow-3-payment-task")
    form.get_by_role("button", name="Record payment").click()
    expect(page.locator(".alert-danger")).to_contain_text("requires the payment order")
    form = page.locator("[data-test=payment-form]")
    expect(form.locator("#reference")).to_have_value(PAYMENT_REFERENCE)  # kept for the retry
    form.locator("#payment_order").set_input_files(payment_order)
    form.get_by_role("button", name="Record payment").click()
    expect_back_on_my_tasks(page, "Payment recorded", payment)

    # 6. The initiator sees the whole story on the card.
    log_in_as("initiator")
    page.goto(card_path)
    expect(page.locator("[data-test=status]")).to_have_text("Paid")
    expect(page.locator("[data-test=open-tasks]")).to_have_count(0)
    history = page.locator("[data-test=process-history]")
    returned = history.locator("tr.decision-return")
    expect(returned).to_have_count(1)
    expect(returned).to_contain_text("Approver1 Tester")
    expect(returned).to_contain_text(RETURN_REASON)
    approved = history.locator("tr.decision-approve")
    expect(approved).to_have_count(2)
    expect(approved.nth(0)).to_contain_text("Approver1 Tester")
    expect(approved.nth(1)).to_contain_text("Approver2 Tester")
    expect(history.locator("tr.decision-resubmit")).to_contain_text("Initiator Tester")
    expect(history.locator("tr.decision-pay")).to_contain_text("Finance Tester")
    approvers = page.locator("[data-test=approvers] tr")
    expect(approvers.nth(1).locator("td").nth(2)).to_have_text("Approver1 Tester")  # approved by
    expect(approvers.nth(2).locator("td").nth(2)).to_have_text("Approver2 Tester")
    payments = page.locator("[data-test=payments]")
    expect(payments).to_contain_text(today)
    expect(payments).to_contain_text("2\u00a0500.00 RUB")
    expect(payments).to_contain_text(PAYMENT_REFERENCE)
    expect(page.locator("[data-test=files]")).to_contain_text(payment_order.name)
    timeline = page.locator("[data-test=timeline]")
    for action, count in {
        "submitted": 1,
        "returned": 1,
        "edited": 1,
        "resubmitted": 1,
        "approved": 2,
        "paid": 1,
    }.items():
        expect(timeline.locator(f"li[data-action={action}]")).to_have_count(count)
    expect(timeline.locator("li[data-action=edited]")).to_contain_text(
        f"{WRONG_CONTRACT} → {RIGHT_CONTRACT}"
    )
    screenshot(page, "approval-flow-4-paid-card")
