"""An admin repairs a stuck process from its incident: back to a completed task of the round,
whose holder decides again (audited, the holder told); the process then runs on."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from app import roles
from app.extensions import db
from app.models import (
    AuditEvent,
    HumanTask,
    Incident,
    Invoice,
    InvoiceApprover,
    Notification,
    TaskStatus,
)
from tests.russian_text import latin_words, visible_text
from tests.web import test_russian_pages as walk
from tests.web.test_russian_pages import russian
from tests.workflow import money_diagrams as diagrams
from tests.workflow.scenario import force_current_version as force


@pytest.fixture
def people(make, app):
    make.lane_role("Legal")
    return {
        "ivan": make.user("ivan", roles.INITIATOR),
        "anna": make.user("anna", roles.APPROVER),
        "boris": make.user("boris", roles.APPROVER),
        "lena": make.user("lena", "Legal"),
        "fedor": make.user("fedor", roles.FINANCE_DIRECTOR),
        "adam": make.user("adam", roles.ADMIN),
    }


def read(app, model, **where):
    with app.app_context():
        rows = db.session.scalars(select(model).filter_by(**where).order_by(model.id)).all()
        db.session.expunge_all()
        db.session.remove()
        return rows


def the_open_task(app, invoice) -> HumanTask:
    (task,) = read(app, HumanTask, invoice_id=invoice, status=TaskStatus.OPEN)
    return task


def decide(client, api_token, app, invoice, who, decision="approve", comment=None):
    task = the_open_task(app, invoice)
    body = {"decision": decision, **({"comment": comment} if comment else {})}
    return client.post(
        f"/api/v1/tasks/{task.task_guid}/decision", headers=api_token(who), json=body
    )


@pytest.fixture
def stuck(app, make, people, client, api_token):
    """Both approvers approved a large invoice; the lawyer's reject fails (the diagram does not
    route it) and the invoice waits at the Legal review with an open incident."""
    force(app, diagrams.LEGAL_NOT_ROUTED)
    invoice = make.invoice(
        people["ivan"],
        make.counterparty(),
        approvers=[people["anna"], people["boris"]],
        amount="150000",
    )
    client.post(f"/api/v1/invoices/{invoice}/submit", headers=api_token("ivan"))
    for who in ("anna", "boris"):
        assert decide(client, api_token, app, invoice, who).status_code == 200
    failed = decide(client, api_token, app, invoice, "lena", "reject", "Contract not signed")
    assert failed.status_code == 422
    (incident,) = read(app, Incident, invoice_id=invoice)
    return invoice, incident.id


def turn_of(app, invoice, person) -> HumanTask:
    return next(
        t
        for t in read(app, HumanTask, invoice_id=invoice, status=TaskStatus.DONE)
        if t.assignee_user_id == person
    )


def go_back(client, incident, task_guid, reason, undone=None):
    """As the question's page posts it, once confirmed: the task, what it undoes, the reason."""
    asked = client.post(f"/incidents/{incident}/rewind/confirm", data={"task": task_guid})
    shown = re.search(r'name="undone" value="([^"]*)"', asked.get_data(as_text=True))
    form = {"task": task_guid, "reason": reason, "confirmed": "yes"}
    if undone is not None or shown:
        form["undone"] = undone if undone is not None else shown[1]
    return client.post(f"/incidents/{incident}/rewind", data=form)


def test_the_incident_offers_the_completed_tasks_of_the_round(app, login, people, stuck):
    invoice, incident = stuck
    page = login("adam").get(f"/incidents/show/{incident}").get_data(as_text=True)
    assert 'data-test="rewind-incident"' in page
    for person in ("anna", "boris"):
        assert turn_of(app, invoice, people[person]).task_guid in page


def test_going_back_to_the_second_approver_reopens_their_turn_and_they_reject(
    app, client, api_token, login, people, stuck
):
    invoice, incident = stuck
    boris_turn = turn_of(app, invoice, people["boris"])
    answer = go_back(login("adam"), incident, boris_turn.task_guid, "Boris asked to look again")
    assert answer.status_code == 302
    reopened = the_open_task(app, invoice)
    assert (reopened.bpmn_id, reopened.assignee_user_id) == ("approve", people["boris"])
    assert read(app, Incident, id=incident)[0].status == "resolved"
    (event,) = read(app, AuditEvent, invoice_id=invoice, action="process_rewound")
    assert event.actor_id == people["adam"]
    assert [u["by"] for u in event.details["undone"]] == [people["boris"]]
    assert event.details["reason"] == "Boris asked to look again"
    told = [n for n in read(app, Notification) if n.user_id == people["boris"]]
    assert any(n.task_guid == reopened.task_guid for n in told)
    approvers = {a.user_id: a.approved_at for a in read(app, InvoiceApprover, invoice_id=invoice)}
    assert approvers[people["anna"]] is not None and approvers[people["boris"]] is None

    assert decide(client, api_token, app, invoice, "boris", "reject", "Too dear").status_code == 200
    assert read(app, Invoice, id=invoice)[0].status == "rejected"


def test_going_back_to_the_first_approver_asks_the_whole_chain_again(
    app, client, api_token, login, people, stuck
):
    invoice, incident = stuck
    anna_turn = turn_of(app, invoice, people["anna"])
    go_back(login("adam"), incident, anna_turn.task_guid, "The whole chain looks again")
    assert the_open_task(app, invoice).assignee_user_id == people["anna"]
    assert decide(client, api_token, app, invoice, "anna").status_code == 200
    assert the_open_task(app, invoice).assignee_user_id == people["boris"]
    assert (
        decide(client, api_token, app, invoice, "boris", "return", "Add the act").status_code == 200
    )
    assert read(app, Invoice, id=invoice)[0].status == "on_rework"


def test_a_task_of_another_invoice_or_a_stranger_is_refused_and_nothing_changes(
    app, login, people, stuck
):
    invoice, incident = stuck
    adam = login("adam")
    refused = go_back(adam, incident, "not-a-task", "Wrong task")
    assert refused.status_code == 302
    assert the_open_task(app, invoice).bpmn_id == "legal_review"
    boris_turn = turn_of(app, invoice, people["boris"])
    stranger = go_back(login("ivan"), incident, boris_turn.task_guid, "Not mine to do")
    assert stranger.status_code in (302, 403)
    assert the_open_task(app, invoice).bpmn_id == "legal_review"
    assert read(app, Incident, id=incident)[0].status == "open"
    assert not read(app, AuditEvent, invoice_id=invoice, action="process_rewound")


@pytest.fixture
def typed_here(monkeypatch):
    """Words these tests typed: Boris, the counterparty, the note of a forced version."""
    monkeypatch.setattr(walk, "TYPED", {*walk.TYPED, "boris", "Boris", "forced", "Supplier"})


def test_the_incident_with_its_repair_reads_in_russian(app, login, stuck, typed_here):
    invoice, incident = stuck
    adam = russian(login("adam"))
    page = adam.get(f"/incidents/show/{incident}").get_data(as_text=True)
    assert 'data-test="rewind-incident"' in page
    # The incident's own fields are the list screen's (the error is stored as it was said);
    # the repair form this screen adds reads in Russian.
    form = re.search(r'<form[^>]*data-test="rewind-incident".*?</form>', page, re.DOTALL)[0]
    assert "Вернуть" in form
    # This diagram names its stages in English only ("Approve invoice"): they show as named.
    named = walk.TYPED | {"Anna", "Boris", "Approve", "invoice"}
    assert not latin_words(visible_text(form), named)


def nothing_changed(app, invoice, incident) -> bool:
    return (
        the_open_task(app, invoice).bpmn_id == "legal_review"
        and read(app, Incident, id=incident)[0].status == "open"
        and not read(app, AuditEvent, invoice_id=invoice, action="process_rewound")
    )


def test_going_back_first_asks_naming_the_invoice_the_task_and_what_it_undoes(
    app, login, people, stuck
):
    invoice, incident = stuck
    anna_turn = turn_of(app, invoice, people["anna"])
    asked = login("adam").post(
        f"/incidents/{incident}/rewind/confirm", data={"task": anna_turn.task_guid}
    )
    assert asked.status_code == 200
    page = asked.get_data(as_text=True)
    question = re.search(r'data-test="rewind-question".*?</p>', page, re.DOTALL)[0]
    assert f"#{invoice}" in question and "Approve invoice" in question
    undone = re.search(r'data-test="rewind-undone".*?</ul>', page, re.DOTALL)[0]
    assert "Anna Tester" in undone and "Boris Tester" in undone and "Approved" in undone
    withdrawn = re.search(r'data-test="rewind-withdrawn".*?</ul>', page, re.DOTALL)[0]
    assert "Legal review" in withdrawn
    assert 'name="reason"' in page and "required" in page
    assert f'href="/incidents/show/{incident}"' in page  # cancel: back to the incident
    assert nothing_changed(app, invoice, incident)


def test_without_confirmation_or_a_reason_nothing_changes_and_with_them_it_is_audited(
    app, login, people, stuck
):
    invoice, incident = stuck
    adam = login("adam")
    boris_turn = turn_of(app, invoice, people["boris"])
    bare = adam.post(f"/incidents/{incident}/rewind", data={"task": boris_turn.task_guid})
    assert bare.status_code == 200 and 'data-test="rewind-confirm"' in bare.get_data(as_text=True)
    assert nothing_changed(app, invoice, incident)
    for reason in ("", "   ", "x" * 1001):
        refused = adam.post(
            f"/incidents/{incident}/rewind",
            data={"task": boris_turn.task_guid, "confirmed": "yes", "reason": reason},
        )
        assert refused.status_code == 422
        assert "Say why the process goes back" in refused.get_data(as_text=True)
        assert nothing_changed(app, invoice, incident)

    assert (
        go_back(adam, incident, boris_turn.task_guid, "Contract signed after all").status_code
        == 302
    )
    (event,) = read(app, AuditEvent, invoice_id=invoice, action="process_rewound")
    assert (event.actor_id, event.details["reason"]) == (
        people["adam"],
        "Contract signed after all",
    )
    card = adam.get(f"/invoices/show/{invoice}").get_data(as_text=True)
    assert "Contract signed after all" in card


def test_what_was_confirmed_must_still_be_what_going_back_undoes(app, login, people, stuck):
    invoice, incident = stuck
    anna_turn, boris_turn = (turn_of(app, invoice, people[p]) for p in ("anna", "boris"))
    # Asked about going back to Boris's turn (undoing it alone); the form then names Anna's.
    stale = go_back(
        login("adam"), incident, anna_turn.task_guid, "Look again", undone=boris_turn.task_guid
    )
    assert stale.status_code == 409
    page = stale.get_data(as_text=True)
    assert "The process changed since you were asked" in page
    assert 'data-test="rewind-confirm"' in page and "Anna Tester" in page  # asked again
    assert nothing_changed(app, invoice, incident)


def test_going_back_needs_the_forms_csrf_token(app, login, people, stuck, monkeypatch):
    invoice, incident = stuck
    adam = login("adam")
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    boris_turn = turn_of(app, invoice, people["boris"])
    forged = adam.post(
        f"/incidents/{incident}/rewind",
        data={"task": boris_turn.task_guid, "confirmed": "yes", "reason": "Forged"},
    )
    assert forged.status_code == 400
    assert nothing_changed(app, invoice, incident)


def test_the_question_before_going_back_reads_in_russian(app, login, people, stuck, typed_here):
    invoice, incident = stuck
    adam = russian(login("adam"))
    anna_turn = turn_of(app, invoice, people["anna"])
    page = adam.post(
        f"/incidents/{incident}/rewind/confirm", data={"task": anna_turn.task_guid}
    ).get_data(as_text=True)
    panel = re.search(
        r'<div class="panel[^>]*data-test="rewind-confirm".*</form>', page, re.DOTALL
    )[0]
    assert "Вернуть счёт" in panel and "Согласован" in panel
    named = walk.TYPED | {"Anna", "Boris", "Approve", "invoice", "Legal", "review"}
    assert not latin_words(visible_text(panel), named)
