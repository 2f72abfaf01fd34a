"""Admins see every process that failed at run time in one list, and fix it: retry, or move the
invoice to a corrected version of the diagram."""

from __future__ import annotations

import re

import pytest
from lxml import html as lxml_html
from sqlalchemy import select

from app import roles
from app.extensions import db
from app.models import AuditEvent, HumanTask, Incident, Invoice, TaskStatus
from tests.russian_text import latin_words, visible_text
from tests.workflow import money_diagrams as diagrams
from tests.workflow.scenario import force_current_version as force


@pytest.fixture
def people(make, app):
    make.lane_role("Legal")  # kept between tests, like every role
    return {
        "ivan": make.user("ivan", roles.INITIATOR),
        "anna": make.user("anna", roles.APPROVER),
        "lena": make.user("lena", "Legal"),
        "fedor": make.user("fedor", roles.FINANCE_DIRECTOR),
        "adam": make.user("adam", roles.ADMIN),
    }


def open_task(app, invoice_id) -> HumanTask:
    with app.app_context():
        task = db.session.scalars(
            select(HumanTask).where(
                HumanTask.invoice_id == invoice_id, HumanTask.status == TaskStatus.OPEN
            )
        ).one()
        db.session.remove()
        return task


def read(app, model, **where):
    with app.app_context():
        rows = db.session.scalars(select(model).filter_by(**where)).all()
        db.session.expunge_all()
        db.session.remove()
        return rows


@pytest.fixture
def stuck_invoice(app, make, people, client, api_token):
    """A large invoice at a Legal review whose decisions the diagram does not route."""
    force(app, diagrams.LEGAL_NOT_ROUTED)
    invoice = make.invoice(
        people["ivan"], make.counterparty(), approvers=[people["anna"]], amount="150000"
    )
    client.post(f"/api/v1/invoices/{invoice}/submit", headers=api_token("ivan"))
    task = open_task(app, invoice)
    client.post(
        f"/api/v1/tasks/{task.task_guid}/decision",
        headers=api_token("anna"),
        json={"decision": "approve"},
    )
    return invoice


def reject_as_lawyer(app, client, api_token, invoice):
    task = open_task(app, invoice)
    return client.post(
        f"/api/v1/tasks/{task.task_guid}/decision",
        headers=api_token("lena"),
        json={"decision": "reject", "comment": "Contract not signed"},
    )


def test_a_refused_decision_tells_the_lawyer_why_and_admins_see_the_incident(
    app, client, api_token, login, stuck_invoice
):
    answer = reject_as_lawyer(app, client, api_token, stuck_invoice)
    assert answer.status_code == 422
    assert "must end the invoice rejected" in answer.json["message"]
    assert open_task(app, stuck_invoice).bpmn_id == "legal_review"  # nothing was saved
    task = open_task(app, stuck_invoice)
    page = login("lena").post(
        f"/tasks/{task.task_guid}/decision", data={"decision": "reject", "comment": "Unsigned"}
    )
    assert page.status_code == 422
    assert "must end the invoice rejected" in page.get_data(as_text=True)
    [incident] = read(app, Incident, invoice_id=stuck_invoice)
    assert (incident.element_id, incident.action, incident.occurrences) == (
        "legal_review",
        "decide",
        2,
    )
    page = login("adam").get("/incidents/list/").get_data(as_text=True)
    assert "legal_review" in page and "must end the invoice rejected" in page
    shown = login("adam").get(f"/incidents/show/{incident.id}").get_data(as_text=True)
    assert 'data-test="move-incident"' in shown
    refused = login("ivan").get("/incidents/list/", follow_redirects=True)
    assert "must end the invoice rejected" not in refused.get_data(as_text=True)
    assert login("ivan").post(f"/incidents/{incident.id}/retry").status_code in (302, 403)
    assert read(app, Incident, invoice_id=stuck_invoice)[0].status == "open"


def test_after_a_fix_is_published_the_admin_moves_the_invoice_and_the_lawyer_can_reject(
    app, client, api_token, login, stuck_invoice
):
    reject_as_lawyer(app, client, api_token, stuck_invoice)
    [incident] = read(app, Incident, invoice_id=stuck_invoice)
    adam = login("adam")
    still = adam.post(f"/incidents/{incident.id}/retry", follow_redirects=True)
    assert "It still fails" not in still.get_data(as_text=True)  # nothing to run: resolved
    assert read(app, Incident, id=incident.id)[0].status == "resolved"
    reject_as_lawyer(app, client, api_token, stuck_invoice)  # the diagram is still wrong
    [_old, again] = sorted(read(app, Incident, invoice_id=stuck_invoice), key=lambda i: i.id)
    force(app, diagrams.LEGAL)  # the analyst's fix, published
    moved = adam.post(f"/incidents/{again.id}/move", follow_redirects=True)
    assert moved.status_code == 200
    assert read(app, Incident, id=again.id)[0].status == "resolved"
    answer = reject_as_lawyer(app, client, api_token, stuck_invoice)
    assert answer.status_code == 200, answer.json
    assert read(app, Invoice, id=stuck_invoice)[0].status == "rejected"
    actions = [e.action for e in read(app, AuditEvent, invoice_id=stuck_invoice)]
    assert {"process_failed", "process_moved", "incident_resolved", "rejected"} <= set(actions)


def test_moving_to_a_version_that_lacks_the_waiting_stage_is_refused_with_a_reason(
    app, client, api_token, login, stuck_invoice
):
    reject_as_lawyer(app, client, api_token, stuck_invoice)
    [incident] = read(app, Incident, invoice_id=stuck_invoice)
    force(app, diagrams.DEFAULT)  # no Legal review at all
    page = login("adam").post(f"/incidents/{incident.id}/move", follow_redirects=True)
    text = page.get_data(as_text=True)
    assert re.search(r"cannot be moved to version \d+", text)
    assert "legal_review" in text
    assert read(app, Incident, id=incident.id)[0].status == "open"
    assert open_task(app, stuck_invoice).bpmn_id == "legal_review"


# What the test made: its people and counterparty, and the task names and ids of its diagram
# (an analyst's words: this diagram gives no Russian names).
TASKS = re.findall(r'<bpmn:userTask id="(\w+)" name="([^"]+)"', diagrams.LEGAL)
INCIDENT_DATA = {"Acme", "Tester", "adam", "Adam", "lena", "Lena", "Anna"} | {
    word for task in TASKS for part in task for word in re.findall(r"\w+", part)
}


def english_left(admin, url) -> list[str]:
    page = admin.get(url, follow_redirects=True)
    assert page.status_code == 200, url
    return latin_words(visible_text(page.get_data(as_text=True)), INCIDENT_DATA)


def test_a_russian_admin_reads_the_incidents_in_russian_whoever_met_the_failure(
    app, client, api_token, login, stuck_invoice
):
    reject_as_lawyer(app, client, api_token, stuck_invoice)  # Lena reads English
    [incident] = read(app, Incident, invoice_id=stuck_invoice)
    adam = login("adam")
    assert adam.get("/lang/ru").status_code == 302
    pages = ["/incidents/list/", f"/incidents/show/{incident.id}"]
    found = {url: words for url in pages if (words := english_left(adam, url))}
    assert not found, found
    shown = adam.get(f"/incidents/show/{incident.id}").get_data(as_text=True)
    assert "Открыт" in shown and "Решение по задаче" in shown
    assert "после отклонения процесс должен" in shown.lower()  # the rule, in Russian
    # Resolved by a retry: the flash, the status and the resolution, in Russian too.
    retried = adam.post(f"/incidents/{incident.id}/retry", follow_redirects=True)
    assert retried.status_code == 200
    flashed = visible_text(retried.get_data(as_text=True))
    assert "Процесс снова идёт; инцидент решён." in flashed
    assert not latin_words(flashed, INCIDENT_DATA)
    found = {url: words for url in pages if (words := english_left(adam, url))}
    assert not found, found
    shown = adam.get(f"/incidents/show/{incident.id}").get_data(as_text=True)
    assert "Решён" in shown and "повторено" in shown.lower()


def test_the_incident_reads_in_english_for_an_english_admin(
    app, client, api_token, login, stuck_invoice
):
    reject_as_lawyer(app, client, api_token, stuck_invoice)
    [incident] = read(app, Incident, invoice_id=stuck_invoice)
    shown = login("adam").get(f"/incidents/show/{incident.id}").get_data(as_text=True)
    assert "A decision on a task" in shown and "must end the invoice rejected" in shown
    assert "Open" in shown


def test_a_russian_admins_dashboard_shows_the_incident_in_russian_without_codes(
    app, client, api_token, login, stuck_invoice
):
    reject_as_lawyer(app, client, api_token, stuck_invoice)  # Lena reads English
    adam = login("adam")
    assert adam.get("/lang/ru").status_code == 302
    page = lxml_html.fromstring(adam.get("/").get_data(as_text=True))
    [row] = page.xpath('.//*[@data-test="incident"]')
    shown = re.sub(r"\s+", " ", row.text_content()).strip()
    assert "Решение по задаче" in shown and "decide" not in shown
    assert "после отклонения процесс должен" in shown.lower()  # the rule, in Russian
    assert "must end the invoice rejected" not in shown
    assert not latin_words(shown, INCIDENT_DATA), shown
