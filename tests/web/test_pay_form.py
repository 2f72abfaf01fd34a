"""The pay form keeps what was typed and the payment order chosen after a refusal, shows the
amount without letting it be typed, and a form posted from a stale tab (the task was handled
meanwhile) gets a page that says so, with the way to the card, for every task form."""

from __future__ import annotations

import io
import re

import pytest
from sqlalchemy import select

from app import roles
from app.extensions import db
from app.models import Attachment, HumanTask, Invoice, Payment, TaskStatus
from tests import clock
from tests.web.forms import PDF

ORDER = PDF + b"% payment order PP-7\n"


@pytest.fixture
def people(make):
    return {
        "ivan": make.user("ivan", roles.INITIATOR),
        "anna": make.user("anna", roles.APPROVER),
        "fedor": make.user("fedor", roles.FINANCE_DIRECTOR),
        "fiona": make.user("fiona", roles.FINANCE_DIRECTOR),
    }


@pytest.fixture
def invoice(make, people, client, api_token):
    """Approved by anna, awaiting payment; the payment order is required."""
    pk = make.invoice(
        people["ivan"],
        make.counterparty(),
        approvers=[people["anna"]],
        amount="1234.50",
        payment_order_required=True,
    )
    assert (
        client.post(f"/api/v1/invoices/{pk}/submit", headers=api_token("ivan")).status_code == 200
    )
    return pk


def open_task(app, invoice: int) -> HumanTask:
    with app.app_context():
        task = db.session.scalars(
            select(HumanTask).where(
                HumanTask.invoice_id == invoice, HumanTask.status == TaskStatus.OPEN
            )
        ).one()
        db.session.expunge(task)
        return task


@pytest.fixture
def payment(app, login, invoice) -> str:
    approved = login("anna").post(
        f"/tasks/{open_task(app, invoice).task_guid}/decision", data={"decision": "approve"}
    )
    assert approved.status_code == 302
    return open_task(app, invoice).task_guid


def pay(client, guid: str, **fields):
    return client.post(f"/tasks/{guid}/pay", data=fields, content_type="multipart/form-data")


def held_token(page: str) -> str | None:
    found = re.search(r'name="payment_order_token" value="([^"]+)"', page)
    return found.group(1) if found else None


def status_of(app, invoice: int) -> str:
    with app.app_context():
        return db.session.get(Invoice, invoice).status


def test_after_a_refusal_the_typed_values_and_the_chosen_file_stay_and_the_next_post_pays(
    app, login, invoice, payment
):
    fedor = login("fedor")
    refused = pay(
        fedor,
        payment,
        paid_on=clock.iso_days_from_today(1),
        reference="PP-7",
        payment_order=(io.BytesIO(ORDER), "order-pp7.pdf"),
    )
    assert refused.status_code == 422
    page = refused.get_data(as_text=True)
    assert "A payment cannot be recorded for a future date." in page
    assert 'value="PP-7"' in page
    assert "order-pp7.pdf is attached; choose another file only to replace it." in page
    token = held_token(page)
    assert token

    paid = pay(fedor, payment, paid_on=clock.iso_days_from_today(-1), reference="PP-7",
               payment_order_token=token)  # fmt: skip
    assert paid.status_code == 302
    assert status_of(app, invoice) == "paid"
    with app.app_context():
        recorded = db.session.scalars(select(Payment).where(Payment.invoice_id == invoice)).one()
        order = db.session.get(Attachment, recorded.payment_order_id)
        assert (order.filename, recorded.reference) == ("order-pp7.pdf", "PP-7")


def test_the_amount_is_shown_and_cannot_be_typed(login, payment):
    page = login("fedor").get(f"/tasks/{payment}").get_data(as_text=True)
    [amount] = re.findall(r"<input[^>]*id=\"amount\"[^>]*>", page)
    assert "readonly" in amount and "name=" not in amount
    assert 'value="1\u00a0234.50"' in amount and "RUB" in page


def test_a_file_that_is_itself_refused_is_not_kept(login, payment):
    refused = pay(
        login("fedor"),
        payment,
        paid_on=clock.iso_days_from_today(1),
        payment_order=(io.BytesIO(b"just text"), "order.txt"),
    )
    assert refused.status_code == 422
    page = refused.get_data(as_text=True)
    assert "The payment order must be a PDF or an image." in page
    assert held_token(page) is None


def test_a_file_too_large_gets_the_form_again_with_the_limit(app, login, payment, monkeypatch):
    monkeypatch.setitem(app.config, "MAX_FILE_SIZE", 1024 * 1024)
    refused = pay(
        login("fedor"),
        payment,
        payment_order=(io.BytesIO(PDF + b"0" * (1024 * 1024)), "huge.pdf"),
    )
    assert refused.status_code == 413
    page = refused.get_data(as_text=True)
    assert "larger than the 1 MB limit" in page and 'data-test="payment-form"' in page
    assert held_token(page) is None


def test_a_kept_file_serves_only_the_person_who_chose_it(app, login, invoice, payment):
    refused = pay(
        login("fedor"),
        payment,
        paid_on=clock.iso_days_from_today(1),
        payment_order=(io.BytesIO(ORDER), "order.pdf"),
    )
    token = held_token(refused.get_data(as_text=True))
    for forged in (token, token[:-2] + "xx", "not-a-token"):
        stolen = pay(login("fiona"), payment, payment_order_token=forged)
        assert stolen.status_code == 422
        assert "This invoice requires the payment order" in stolen.get_data(as_text=True)
    assert status_of(app, invoice) == "awaiting_payment"


def test_paying_from_a_stale_tab_says_who_paid_and_links_to_the_card(app, login, invoice, payment):
    assert (
        pay(login("fedor"), payment, payment_order=(io.BytesIO(ORDER), "o.pdf")).status_code == 302
    )
    stale = pay(login("fiona"), payment, reference="PP-8",
                payment_order=(io.BytesIO(ORDER), "o.pdf"))  # fmt: skip
    assert stale.status_code == 409
    page = stale.get_data(as_text=True)
    assert 'data-test="stale"' in page
    assert "Nothing was changed: this task was handled while your page was open." in page
    assert "Fedor Tester handled it on" in page and "Paid" in page
    assert f'href="/invoices/show/{invoice}" data-test="open-card"' in page
    assert "PP-8" in page  # what fiona typed, to copy
    with app.app_context():
        assert db.session.query(Payment).filter_by(invoice_id=invoice).count() == 1


def test_deciding_from_a_stale_tab_keeps_the_comment_and_links_to_the_card(app, login, invoice):
    guid = open_task(app, invoice).task_guid
    anna = login("anna")
    assert anna.post(f"/tasks/{guid}/decision", data={"decision": "approve"}).status_code == 302
    stale = anna.post(
        f"/tasks/{guid}/decision", data={"decision": "reject", "comment": "Second thoughts"}
    )
    assert stale.status_code == 409
    page = stale.get_data(as_text=True)
    assert "Anna Tester handled it on" in page and "Approved" in page
    assert "Second thoughts" in page and f'href="/invoices/show/{invoice}"' in page
    assert status_of(app, invoice) == "awaiting_payment"


def test_resubmitting_a_correction_twice_gets_the_readable_page(app, login, invoice):
    guid = open_task(app, invoice).task_guid
    login("anna").post(f"/tasks/{guid}/decision", data={"decision": "return", "comment": "VAT"})
    correction = open_task(app, invoice).task_guid
    ivan = login("ivan")
    assert ivan.post(f"/tasks/{correction}/resubmit").status_code == 302
    stale = ivan.post(f"/tasks/{correction}/resubmit")
    assert stale.status_code == 409
    page = stale.get_data(as_text=True)
    assert 'data-test="stale"' in page and f'href="/invoices/show/{invoice}"' in page
    assert "Ivan Tester handled it on" in page


def test_the_stale_page_speaks_russian(app, login, invoice):
    guid = open_task(app, invoice).task_guid
    anna = login("anna")
    anna.get("/lang/ru")
    anna.post(f"/tasks/{guid}/decision", data={"decision": "approve"})
    page = anna.post(f"/tasks/{guid}/decision", data={"decision": "approve"}).get_data(as_text=True)
    assert "Ничего не изменено: задачу обработали, пока ваша страница была открыта." in page
    assert f"Открыть карточку счёта №{invoice}" in page


def test_any_other_conflict_about_an_invoice_links_to_its_card(app, login, invoice, payment):
    assert (
        pay(login("fedor"), payment, payment_order=(io.BytesIO(ORDER), "o.pdf")).status_code == 302
    )
    closed = login("ivan").get(f"/invoices/edit/{invoice}")  # a tab opened before it was paid
    assert closed.status_code == 409
    page = closed.get_data(as_text=True)
    assert f'href="/invoices/show/{invoice}" data-test="open-card"' in page
    assert "nothing you sent was saved" in page
