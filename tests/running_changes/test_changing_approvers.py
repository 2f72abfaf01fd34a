"""Admins change who approves a running invoice; the initiator may during a correction."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app import roles
from app.extensions import db
from app.models import AuditEvent, HumanTask, Invoice, Notification, TaskStatus
from app.worker import work_once
from tests import clock


@pytest.fixture
def people(make, app):
    return {
        "ivan": make.user("ivan", roles.INITIATOR),
        "anna": make.user("anna", roles.APPROVER),
        "boris": make.user("boris", roles.APPROVER),
        "vera": make.user("vera", roles.APPROVER),
        "fedor": make.user("fedor", roles.FINANCE_DIRECTOR),
        "adam": make.user("adam", roles.ADMIN),
    }


def open_tasks(app, invoice_id) -> list[HumanTask]:
    with app.app_context():
        rows = db.session.scalars(
            select(HumanTask)
            .where(HumanTask.invoice_id == invoice_id, HumanTask.status == TaskStatus.OPEN)
            .order_by(HumanTask.id)
        ).all()
        db.session.expunge_all()
        db.session.remove()
        return list(rows)


def decide(client, api_token, app, invoice, who, decision="approve", comment=None):
    (task,) = open_tasks(app, invoice)
    body = {"decision": decision, **({"comment": comment} if comment else {})}
    answer = client.post(
        f"/api/v1/tasks/{task.task_guid}/decision", headers=api_token(who), json=body
    )
    assert answer.status_code == 200, answer.json
    return task


def change(login, invoice, who, approver_ids, confirm=False):
    data = {"approver": [str(pk) for pk in approver_ids]}
    if confirm:
        data["confirm_removal"] = "1"
    return login(who).post(f"/running/invoices/{invoice}/approvers", data=data)


def holder_of_open_task(app, invoice) -> int:
    (task,) = open_tasks(app, invoice)
    return task.assignee_user_id


@pytest.fixture
def submitted(app, make, people, client, api_token):
    invoice = make.invoice(
        people["ivan"], make.counterparty(), approvers=[people["anna"], people["boris"]]
    )
    assert client.post(
        f"/api/v1/invoices/{invoice}/submit", headers=api_token("ivan")
    ).status_code in (200, 201)
    return invoice


def test_an_admin_puts_a_new_approver_first_and_the_turn_moves_to_them(
    app, client, api_token, login, people, submitted
):
    anna, boris, vera = (people[n] for n in ("anna", "boris", "vera"))
    answer = change(login, submitted, "adam", [vera, anna, boris])
    assert answer.status_code == 302
    assert holder_of_open_task(app, submitted) == vera
    with app.app_context():
        told = {n.user_id for n in db.session.scalars(select(Notification)).all()}
        event = db.session.scalars(
            select(AuditEvent)
            .where(AuditEvent.action == "approvers_changed")
            .order_by(AuditEvent.id.desc())
        ).first()
        assert event.details["new"] == [vera, anna, boris]
        assert event.details["turn_from"] == anna and event.details["turn_to"] == vera
        db.session.remove()
    assert {anna, vera} <= told  # the holder who lost the turn and the one who got it
    for who in ("vera", "anna", "boris"):
        decide(client, api_token, app, submitted, who)
    (pay,) = open_tasks(app, submitted)
    assert pay.form == "payment"


def test_an_approval_already_given_stays_recorded_when_its_approver_is_removed(
    app, client, api_token, login, people, submitted
):
    anna, boris, vera = (people[n] for n in ("anna", "boris", "vera"))
    decide(client, api_token, app, submitted, "anna")
    refused = change(login, submitted, "adam", [vera, boris])
    assert refused.status_code == 422
    assert holder_of_open_task(app, submitted) == boris  # nothing changed
    assert change(login, submitted, "adam", [vera, boris], confirm=True).status_code == 302
    assert holder_of_open_task(app, submitted) == vera
    with app.app_context():
        event = db.session.scalars(
            select(AuditEvent)
            .where(AuditEvent.action == "approvers_changed")
            .order_by(AuditEvent.id.desc())
        ).first()
        assert event.details["removed_approvals"] == [anna]
        approved = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "approved")
        ).all()
        assert [e.actor_id for e in approved] == [anna]
        db.session.remove()
    decide(client, api_token, app, submitted, "vera")
    decide(client, api_token, app, submitted, "boris")
    assert open_tasks(app, submitted)[0].form == "payment"


def test_the_chain_keeps_the_rules_one_to_three_approvers_and_never_the_initiator(
    app, login, people, submitted
):
    ivan, anna, boris, vera, fedor = (people[n] for n in ("ivan", "anna", "boris", "vera", "fedor"))
    assert change(login, submitted, "adam", []).status_code == 422
    assert change(login, submitted, "adam", [anna, boris, vera, fedor]).status_code == 422
    assert change(login, submitted, "adam", [anna, ivan]).status_code == 422
    assert change(login, submitted, "adam", [anna, anna]).status_code == 422
    assert change(login, submitted, "adam", ["x"]).status_code == 422
    assert holder_of_open_task(app, submitted) == anna


def test_only_an_admin_changes_a_running_approval(app, login, people, submitted):
    vera = people["vera"]
    assert change(login, submitted, "ivan", [vera]).status_code == 403
    assert change(login, submitted, "anna", [vera]).status_code == 403
    assert holder_of_open_task(app, submitted) == people["anna"]


def test_the_initiator_changes_the_approvers_during_a_correction_and_the_new_round_uses_them(
    app, client, api_token, login, people, submitted
):
    vera = people["vera"]
    decide(client, api_token, app, submitted, "anna", "return", "Wrong amount")
    assert change(login, submitted, "ivan", [vera]).status_code == 302
    with app.app_context():
        invoice = db.session.get(Invoice, submitted)
        assert [a.user_id for a in invoice.approvers] == [vera]
        db.session.remove()
    assert client.post(
        f"/api/v1/invoices/{submitted}/resubmit", headers=api_token("ivan")
    ).status_code in (200, 201)
    assert holder_of_open_task(app, submitted) == vera


def test_the_page_shows_the_chain_and_its_form(login, people, submitted):
    page = login("adam").get(f"/running/invoices/{submitted}/approvers")
    assert page.status_code == 200
    assert 'data-test="change-approvers"' in page.text


def notices(app, kind):
    with app.app_context():
        rows = db.session.execute(
            select(Notification.user_id, Notification.params).where(Notification.kind == kind)
        ).all()
        db.session.remove()
    return {user: params for user, params in rows}


def test_the_holder_who_keeps_the_turn_is_told_the_new_list_and_who_changed_it(
    app, client, api_token, login, smtp, people, submitted
):
    anna, boris, vera = (people[n] for n in ("anna", "boris", "vera"))
    decide(client, api_token, app, submitted, "anna")
    work_once(app)
    smtp.inbox.messages.clear()
    # Boris's turn; Vera is added after him.
    assert change(login, submitted, "adam", [anna, boris, vera]).status_code == 302
    assert holder_of_open_task(app, submitted) == boris
    told = notices(app, "approvers_changed")
    assert set(told) == {boris}
    assert told[boris]["approvers"] == [anna, boris, vera] and told[boris]["by"] == people["adam"]
    work_once(app)
    [mail] = smtp.inbox.to("boris@example.com")
    assert mail["Subject"] == f"Approvers of invoice #{submitted} changed"
    text = smtp.inbox.text(mail)
    assert (
        f"Adam Tester changed the approvers of invoice #{submitted}; your turn stays yours." in text
    )
    assert "The approvers now, in order: 1. Anna Tester, 2. Boris Tester, 3. Vera Tester." in text
    bell = login("boris").get("/notifications/").get_data(as_text=True)
    assert f"Approvers of invoice #{submitted} changed" in bell
    assert "1. Anna Tester, 2. Boris Tester, 3. Vera Tester" in bell


def test_an_unchanged_list_tells_nobody(app, login, people, submitted):
    anna, boris = people["anna"], people["boris"]
    assert change(login, submitted, "adam", [anna, boris]).status_code == 302
    assert notices(app, "approvers_changed") == {}


def test_the_deputy_of_an_absent_holder_is_told_on_their_behalf(
    app, client, api_token, login, make, smtp, people, submitted
):
    olga = make.user("olga", roles.APPROVER)
    body = {
        "deputy_id": olga,
        "starts_on": clock.iso_days_from_today(0),
        "ends_on": clock.iso_days_from_today(3),
    }
    assert (
        client.post("/api/v1/delegations/", headers=api_token("anna"), json=body).status_code == 201
    )
    anna, vera = people["anna"], people["vera"]
    # Anna's turn stays; Boris, after her, is replaced by Vera.
    assert change(login, submitted, "adam", [anna, vera]).status_code == 302
    told = notices(app, "approvers_changed")
    assert set(told) == {olga} and told[olga]["on_behalf_of"] == anna
    work_once(app)
    [mail] = [m for m in smtp.inbox.to("olga@example.com") if "Approvers" in m["Subject"]]
    assert mail["Subject"] == f"Approvers of invoice #{submitted} changed, on behalf of Anna Tester"
    assert "The approvers now, in order: 1. Anna Tester, 2. Vera Tester." in smtp.inbox.text(mail)
