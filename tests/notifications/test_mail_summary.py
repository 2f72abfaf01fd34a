"""Every task mail can be acted on from the mail: the invoice's summary (number, counterparty,
amount with currency, due date, who is waiting, the comment) and a button to the task, in the
reader's language; a reassignment says from whom to whom; a return links to the correction."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from app import roles
from app.extensions import db
from app.models import HumanTask, TaskStatus, UserPreference
from app.worker import work_once
from tests import clock

BASE = "http://127.0.0.1:5000"


@pytest.fixture
def people(make):
    return {
        "ivan": make.user("ivan", roles.INITIATOR),
        "anna": make.user("anna", roles.APPROVER),
        "boris": make.user("boris", roles.APPROVER),
        "olga": make.user("olga", roles.APPROVER),
        "adam": make.user("adam", roles.ADMIN),
    }


@pytest.fixture
def due():
    return clock.today() + timedelta(days=14)


@pytest.fixture
def draft(make, people, due):
    """For 1 234.50 RUB to Acme Supplies, approved by anna, then boris."""
    return make.invoice(
        people["ivan"],
        make.counterparty("Acme Supplies"),
        approvers=[people["anna"], people["boris"]],
        amount="1234.50",
        due_date=due,
    )


def submit(client, api_token, invoice: int) -> int:
    response = client.post(f"/api/v1/invoices/{invoice}/submit", headers=api_token("ivan"))
    assert response.status_code == 200, response.json
    return invoice


@pytest.fixture
def invoice(draft, client, api_token):
    return submit(client, api_token, draft)


def open_task(app, invoice: int) -> str:
    with app.app_context():
        guid = db.session.scalar(
            select(HumanTask.task_guid).where(
                HumanTask.invoice_id == invoice, HumanTask.status == TaskStatus.OPEN
            )
        )
        db.session.remove()
        return guid


def reads_in(app, user_id: int, language: str) -> None:
    with app.app_context():
        db.session.add(UserPreference(user_id=user_id, language=language, email_off=[]))
        db.session.commit()
        db.session.remove()


def only_mail(smtp, address: str):
    [message] = smtp.inbox.to(address)
    return message, smtp.inbox.text(message), message.get_body(("html",)).get_content()


def test_the_next_approver_reads_the_summary_and_opens_the_task_from_the_mail(
    app, smtp, login, invoice, due
):
    login("anna").post(
        f"/tasks/{open_task(app, invoice)}/decision",
        data={"decision": "approve", "comment": "VAT checked"},
    )
    smtp.inbox.messages.clear()
    work_once(app)
    message, text, html = only_mail(smtp, "boris@example.com")
    guid = open_task(app, invoice)
    assert message["Subject"] == f"Approval of invoice #{invoice}"
    for line in (
        f"Invoice: #{invoice}",
        "Counterparty: Acme Supplies",
        "Amount: 1\u00a0234.50 RUB",
        f"Payment due: {due.isoformat()}",
        "Who is waiting: Anna Tester",  # the previous approver
        "Comment: VAT checked",
        f"Open the task: {BASE}/tasks/{guid}",
    ):
        assert line in text, (line, text)
    assert f'<a href="{BASE}/tasks/{guid}"' in html and "Open the task</a>" in html
    assert "Acme Supplies" in html and "VAT checked" in html


def test_the_first_approver_is_told_the_initiator_is_waiting_in_russian(
    app, smtp, client, api_token, people, draft, due
):
    reads_in(app, people["anna"], "ru")
    invoice = submit(client, api_token, draft)
    work_once(app)
    message, text, html = only_mail(smtp, "anna@example.com")
    guid = open_task(app, invoice)
    assert message["Subject"] == f"Согласование счёта №{invoice}"
    for line in (
        f"Счёт: #{invoice}",
        "Контрагент: Acme Supplies",
        "Сумма: 1\u00a0234,50 RUB",
        f"Срок оплаты: {due.strftime('%d.%m.%Y')}",
        "Кто ждёт: Ivan Tester",  # nobody decided yet: the initiator
        f"Открыть задачу: {BASE}/tasks/{guid}",
    ):
        assert line in text, (line, text)
    assert "Комментарий" not in text  # no comment came with it
    assert f'<a href="{BASE}/tasks/{guid}"' in html and "Открыть задачу</a>" in html


def test_the_return_mail_links_to_the_correction_task_with_the_reason(app, smtp, login, invoice):
    login("anna").post(
        f"/tasks/{open_task(app, invoice)}/decision",
        data={"decision": "return", "comment": "Wrong VAT rate"},
    )
    correction = open_task(app, invoice)
    smtp.inbox.messages.clear()
    work_once(app)
    [returned] = [m for m in smtp.inbox.to("ivan@example.com") if "returned" in m["Subject"]]
    text = smtp.inbox.text(returned)
    assert f"Open the task: {BASE}/tasks/{correction}" in text
    assert "Comment: Wrong VAT rate" in text and "Who is waiting: Anna Tester" in text


@pytest.mark.parametrize(
    ("language", "sentence"),
    [
        ("en", "Adam Tester handed it from Anna Tester to Olga Tester."),
        ("ru", "Adam Tester передал(а) её от Anna Tester к Olga Tester."),
    ],
)
def test_a_reassignment_mail_says_from_whom_to_whom_and_who_did_it(
    app, smtp, login, people, invoice, language, sentence
):
    guid = open_task(app, invoice)
    reads_in(app, people["olga"], language)  # before the reassignment her mail is written for
    work_once(app)
    smtp.inbox.messages.clear()
    assert login("adam").post(f"/tasks/{guid}/reassign", data={"user_id": people["olga"]})
    work_once(app)
    _message, text, _html = only_mail(smtp, "olga@example.com")
    assert sentence in text, text
    assert f"{BASE}/tasks/{guid}" in text
