"""Admins change who approves a running invoice; the initiator may during a correction."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app import roles
from app.extensions import db
from app.models import AuditEvent, HumanTask, Invoice, Notification, TaskStatus


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
