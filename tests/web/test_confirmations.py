"""Withdrawing an invoice and reassigning a task ask first. With scripts a dialog asks
(static/js/confirm.js, tested in the browser); without them the form posts to a page that asks,
and only its button does the action."""

from __future__ import annotations

import re

import pytest

from app import roles
from tests.web.my_tasks_steps import Desk, audit_of, open_task_of, task_of


@pytest.fixture
def people(make):
    return {
        "ivan": make.user("ivan", roles.INITIATOR),
        "petr": make.user("petr", roles.INITIATOR),
        "anna": make.user("anna", roles.APPROVER),
        "olga": make.user("olga", roles.APPROVER),
        "adam": make.user("adam", roles.ADMIN),
    }


@pytest.fixture
def submitted(app, make, client, api_token, people):
    return Desk(app, make, client, api_token, people["ivan"], "ivan").submitted([people["anna"]])


def form_of(page: str, test: str) -> str:
    start = page.index(f'data-test="{test}"')
    start = page.rindex("<form", 0, start)
    return page[start : page.index("</form>", start)]


def test_the_withdraw_form_asks_before_it_withdraws(app, login, submitted):
    client = login("ivan")
    card = client.get(f"/invoices/show/{submitted}").get_data(as_text=True)
    form = form_of(card, "withdraw-form")
    assert f'action="/invoices/{submitted}/withdraw/confirm"' in form
    assert f'data-confirm-action="/invoices/{submitted}/withdraw"' in form
    assert f"Withdraw invoice #{submitted}?" in form
    asked = client.post(f"/invoices/{submitted}/withdraw/confirm", data={"reason": "Ordered twice"})
    assert asked.status_code == 200
    page = asked.get_data(as_text=True)
    question = form_of(page, "confirm")
    assert f'action="/invoices/{submitted}/withdraw"' in question
    assert 'name="reason" value="Ordered twice"' in question
    assert f'href="/invoices/show/{submitted}"' in page  # cancel: back to the card
    assert audit_of(app, submitted, "withdrawn") == []  # asking changes nothing
    client.post(f"/invoices/{submitted}/withdraw", data={"reason": "Ordered twice"})
    assert [e.details["reason"] for e in audit_of(app, submitted, "withdrawn")] == ["Ordered twice"]
    closed = client.get(f"/invoices/show/{submitted}").get_data(as_text=True)
    assert 'data-test="withdraw-form"' not in closed
    assert f"/invoices/edit/{submitted}" not in closed and 'name="files" multiple' not in closed


def test_the_question_keeps_what_was_typed_escaped(login, submitted):
    hostile = '"><script>alert(1)</script>'
    page = login("ivan").post(f"/invoices/{submitted}/withdraw/confirm", data={"reason": hostile})
    assert "<script>alert(1)</script>" not in page.get_data(as_text=True)


def test_only_who_sees_the_invoice_is_asked(login, submitted):
    assert login("petr").post(f"/invoices/{submitted}/withdraw/confirm").status_code == 404


def test_the_reassign_form_asks_naming_the_person_chosen(app, login, submitted, people):
    guid = open_task_of(app, submitted).task_guid
    admin = login("adam")
    task_page = admin.get(f"/tasks/{guid}").get_data(as_text=True)
    form = form_of(task_page, "reassign-form")
    assert f'action="/tasks/{guid}/reassign/confirm"' in form
    assert f'data-confirm-action="/tasks/{guid}/reassign"' in form
    assert "Hand this task to __choice__?" in form
    asked = admin.post(f"/tasks/{guid}/reassign/confirm", data={"user_id": people["olga"]})
    assert asked.status_code == 200
    page = asked.get_data(as_text=True)
    assert "Hand this task to Olga Tester?" in page
    question = form_of(page, "confirm")
    assert f'action="/tasks/{guid}/reassign"' in question
    assert re.search(rf'name="user_id" value="{people["olga"]}"', question)
    assert open_task_of(app, submitted).assignee_user_id == people["anna"]
    admin.post(f"/tasks/{guid}/reassign", data={"user_id": people["olga"]})
    assert task_of(app, submitted, task_guid=guid).assignee_user_id == people["olga"]


def test_someone_who_may_not_reassign_is_not_asked_either(app, login, submitted):
    guid = open_task_of(app, submitted).task_guid
    page = login("anna").get(f"/tasks/{guid}").get_data(as_text=True)
    assert 'data-test="reassign-form"' not in page
    asked = login("anna").post(f"/tasks/{guid}/reassign/confirm", data={"user_id": "1"})
    assert asked.status_code == 302 and asked.location.endswith(f"/tasks/{guid}")
