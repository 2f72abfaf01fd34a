"""Process rules over HTTP: what a resubmit refreshes, who may pay, what the card and the audit
trail say, the API's answers per role, and what publishing a process records."""

from __future__ import annotations

import io
import re
from datetime import timedelta
from pathlib import Path

import pytest
from lxml import html as lxml_html
from sqlalchemy import select

from app import roles
from app.extensions import db
from app.models import (
    AuditEvent,
    HumanTask,
    Invoice,
    Notification,
    Payment,
    ProcessInstance,
    ProcessVersion,
)
from app.models.base import utcnow
from app.worker import work_once
from app.workflow.store import load_workflow
from tests.web.forms import PDF

LEGAL_DIAGRAM = (
    Path(__file__).parents[1] / "workflow" / "diagrams" / "invoice_approval_with_legal.bpmn"
)
HEX64 = re.compile(r"[0-9a-f]{64}")


@pytest.fixture
def people(make):
    return {
        "ivan": make.user("ivan", roles.INITIATOR),
        "anna": make.user("anna", roles.APPROVER),
        "boris": make.user("boris", roles.APPROVER),
        "olga": make.user("olga", roles.APPROVER),
        "fedor": make.user("fedor", roles.FINANCE_DIRECTOR),
    }


def mine(client, headers) -> list[dict]:
    return client.get("/api/v1/tasks/mine", headers=headers).json["result"]


def task_of(client, headers) -> str:
    tasks = mine(client, headers)
    assert len(tasks) == 1, tasks
    return tasks[0]["id"]


def decide(client, headers, decision, comment=""):
    response = client.post(
        f"/api/v1/tasks/{task_of(client, headers)}/decision",
        headers=headers,
        json={"decision": decision, "comment": comment},
    )
    assert response.status_code == 200, response.json
    return response


def submit(client, api_token, invoice):
    response = client.post(f"/api/v1/invoices/{invoice}/submit", headers=api_token("ivan"))
    assert response.status_code == 200, response.json


def resubmit(client, api_token, invoice):
    response = client.post(f"/api/v1/invoices/{invoice}/resubmit", headers=api_token("ivan"))
    assert response.status_code == 200, response.json


def invoice_json(client, headers, invoice) -> dict:
    response = client.get(f"/api/v1/invoice/{invoice}", headers=headers)
    assert response.status_code == 200, response.json
    return response.json["result"]


def edit(client, headers, invoice, **fields):
    version = invoice_json(client, headers, invoice)["lock_version"]
    response = client.put(
        f"/api/v1/invoice/{invoice}", headers=headers, json={**fields, "lock_version": version}
    )
    assert response.status_code == 200, response.json
    return response


def approvers_table(page: str) -> list[list[str]]:
    """The card's approval data: [position, approver, approved by, approval date] per row."""
    tree = lxml_html.fromstring(page)
    [table] = tree.xpath('//table[@data-test="approvers"]')
    rows = table.xpath(".//tr[td]")
    return [[" ".join(td.text_content().split()) for td in row.xpath("./td")] for row in rows]


def status_of(app, invoice) -> str:
    with app.app_context():
        status = db.session.get(Invoice, invoice).status
        db.session.remove()
        return status


def events(app, invoice, action=None) -> list[AuditEvent]:
    with app.app_context():
        query = select(AuditEvent).where(AuditEvent.invoice_id == invoice)
        if action:
            query = query.where(AuditEvent.action == action)
        rows = list(db.session.scalars(query.order_by(AuditEvent.sequence)).unique())
        for row in rows:
            db.session.expunge(row)
        db.session.remove()
        return rows


# 1 -------------------------------------------------------------------------------------------


def test_a_resubmit_sends_the_corrected_card_to_the_new_approver(
    app, client, api_token, make, people
):
    invoice = make.invoice(
        people["ivan"], make.counterparty(), approvers=[people["anna"], people["boris"]]
    )
    ivan, anna, olga = api_token("ivan"), api_token("anna"), api_token("olga")
    submit(client, api_token, invoice)
    decide(client, anna, "return", "Wrong amount, and Olga signs these")
    edit(client, ivan, invoice, amount="2500.00", approvers=[people["olga"]])
    resubmit(client, api_token, invoice)

    assert status_of(app, invoice) == "in_approval"
    assert mine(client, anna) == [] and mine(client, api_token("boris")) == []
    [task] = mine(client, olga)
    assert task["title"] == f"Approval of invoice #{invoice}" and task["amount"] == "2500.00"
    detail = client.get(f"/api/v1/tasks/{task['id']}", headers=olga).json["result"]
    assert detail["can_act"] is True and detail["assignee_id"] == people["olga"]
    assert detail["invoice"]["amount"] == "2500.00"
    with app.app_context():  # the data the process itself holds for the new round
        instance = db.session.scalars(
            select(ProcessInstance).where(ProcessInstance.invoice_id == invoice)
        ).one()
        [ready] = load_workflow(instance).ready_tasks()
        assert str(ready.data["amount"]) == "2500.00"
        assert ready.data["approvers"] == [people["olga"]]
        db.session.remove()
    # the old approver no longer acts on it
    refused = client.post(
        f"/api/v1/tasks/{task['id']}/decision", headers=anna, json={"decision": "approve"}
    )
    assert refused.status_code in (403, 404)
    decide(client, olga, "approve")
    assert status_of(app, invoice) == "awaiting_payment"


# 2 -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("returned_at", [2, 3])
def test_a_resubmit_clears_every_approval_and_the_new_round_fills_them_again(
    app, client, api_token, login, make, people, returned_at
):
    chain = ["anna", "boris", "olga"]
    invoice = make.invoice(
        people["ivan"], make.counterparty(), approvers=[people[name] for name in chain]
    )
    ivan = api_token("ivan")
    submit(client, api_token, invoice)
    for name in chain[: returned_at - 1]:
        decide(client, api_token(name), "approve")
    approved = [a["approved_at"] for a in invoice_json(client, ivan, invoice)["approvers"]]
    assert [bool(at) for at in approved] == [n < returned_at - 1 for n in range(3)]
    decide(client, api_token(chain[returned_at - 1]), "return", "Attach the contract")
    resubmit(client, api_token, invoice)

    after = invoice_json(client, ivan, invoice)["approvers"]
    assert [(a["username"], a["approved_at"]) for a in after] == [(n, None) for n in chain]
    rows = approvers_table(login("ivan").get(f"/invoices/show/{invoice}").get_data(as_text=True))
    assert [row[1] for row in rows] == ["Anna Tester", "Boris Tester", "Olga Tester"]
    assert [row[2:] for row in rows] == [["", ""]] * 3

    before_approval = utcnow() - timedelta(seconds=1)
    decide(client, api_token("anna"), "approve")
    again = invoice_json(client, ivan, invoice)["approvers"]
    assert again[0]["approved_at"] is not None
    assert again[0]["approved_at"] >= before_approval.isoformat()
    assert [a["approved_at"] for a in again[1:]] == [None, None]
    rows = approvers_table(login("ivan").get(f"/invoices/show/{invoice}").get_data(as_text=True))
    approved_on_the_reader_s_clock = r"\d{4}-\d\d-\d\d \d\d:\d\d \S+"
    assert rows[0][2] == "Anna Tester"
    assert re.fullmatch(approved_on_the_reader_s_clock, rows[0][3])
    assert [row[2:] for row in rows[1:]] == [["", ""]] * 2
    assert mine(client, api_token("boris"))[0]["title"] == f"Approval of invoice #{invoice}"


# 3 -------------------------------------------------------------------------------------------


def test_an_initiator_who_is_a_finance_director_cannot_pay_their_own_invoice(
    app, client, api_token, login, make, people
):
    vera = make.user("vera", roles.INITIATOR, roles.FINANCE_DIRECTOR)
    invoice = make.invoice(vera, make.counterparty(), approvers=[people["anna"]])
    assert (
        client.post(f"/api/v1/invoices/{invoice}/submit", headers=api_token("vera")).status_code
        == 200
    )
    decide(client, api_token("anna"), "approve")
    assert status_of(app, invoice) == "awaiting_payment"

    by_api = client.post(
        f"/api/v1/invoices/{invoice}/pay",
        headers=api_token("vera"),
        data={"reference": "PP-1", "payment_order": (io.BytesIO(PDF), "o.pdf")},
        content_type="multipart/form-data",
    )
    assert by_api.status_code == 403, by_api.json
    pay_task = task_of(client, api_token("fedor"))
    by_page = login("vera").post(
        f"/tasks/{pay_task}/pay",
        data={"reference": "PP-2", "payment_order": (io.BytesIO(PDF), "o.pdf")},
        content_type="multipart/form-data",
    )
    assert by_page.status_code == 403
    assert status_of(app, invoice) == "awaiting_payment"
    with app.app_context():
        assert db.session.query(Payment).filter_by(invoice_id=invoice).count() == 0
        db.session.remove()
    assert task_of(client, api_token("fedor")) == pay_task  # still waiting for someone else


@pytest.mark.parametrize("part", ["initiator", "approver"])
def test_a_finance_director_who_may_not_pay_is_not_asked_to(
    app, smtp, client, api_token, make, people, part
):
    """The payment is offered to the Finance director role: vera, who is one too, may not pay
    an invoice she raised or approved, so neither My tasks nor the bell nor her mail asks her."""
    vera = make.user("vera", roles.INITIATOR, roles.APPROVER, roles.FINANCE_DIRECTOR)
    if part == "initiator":
        invoice = make.invoice(vera, make.counterparty(), approvers=[people["anna"]])
        raised_by, approvers = "vera", ["anna"]
    else:
        invoice = make.invoice(people["ivan"], make.counterparty(), approvers=[vera])
        raised_by, approvers = "ivan", ["vera"]
    assert (
        client.post(f"/api/v1/invoices/{invoice}/submit", headers=api_token(raised_by)).status_code
        == 200
    )
    for name in approvers:
        decide(client, api_token(name), "approve")
    assert status_of(app, invoice) == "awaiting_payment"
    work_once(app)

    assert mine(client, api_token("vera")) == []
    pay_task = task_of(client, api_token("fedor"))
    with app.app_context():
        asked = set(
            db.session.scalars(
                select(Notification.user_id).where(
                    Notification.kind == "task_assigned", Notification.task_guid == pay_task
                )
            )
        )
        db.session.remove()
    assert asked == {people["fedor"]}
    pay_mail = [m["To"] for m in smtp.inbox.messages if m["Subject"] == f"Pay invoice #{invoice}"]
    assert pay_mail == ["fedor@example.com"]


# 4 -------------------------------------------------------------------------------------------


def test_the_card_shows_who_rejected_the_invoice_and_why(
    app, client, api_token, login, make, people
):
    invoice = make.invoice(
        people["ivan"], make.counterparty(), approvers=[people["anna"], people["boris"]]
    )
    submit(client, api_token, invoice)
    guid = task_of(client, api_token("anna"))
    rejected = login("anna").post(
        f"/tasks/{guid}/decision",
        data={"decision": "reject", "comment": "We never ordered this service"},
    )
    assert rejected.status_code == 302
    assert status_of(app, invoice) == "rejected"
    with app.app_context():
        assert db.session.query(HumanTask).filter_by(invoice_id=invoice, status="open").count() == 0
        db.session.remove()

    page = login("ivan").get(f"/invoices/show/{invoice}").get_data(as_text=True)
    tree = lxml_html.fromstring(page)
    assert tree.xpath('string(//*[@data-test="status"])').strip() == "Rejected"
    [row] = tree.xpath('//table[@data-test="process-history"]//tr[contains(@class, "decision-")]')
    cells = [" ".join(td.text_content().split()) for td in row.xpath("./td")]
    assert cells[2] == "Anna Tester"
    assert cells[5] == "We never ordered this service"
    assert "decision-reject" in row.get("class")
    assert not tree.xpath('//*[@data-test="open-tasks"]')
    assert not tree.xpath('//*[@data-test="resubmit"]')
    assert mine(client, api_token("boris")) == []


# 5 -------------------------------------------------------------------------------------------


def test_decisions_record_the_revision_and_each_task_its_assignment(
    app, client, api_token, make, people
):
    invoice = make.invoice(
        people["ivan"], make.counterparty(), approvers=[people["anna"], people["boris"]]
    )
    ivan, anna, boris = api_token("ivan"), api_token("anna"), api_token("boris")
    submit(client, api_token, invoice)
    first_task = task_of(client, anna)
    decide(client, anna, "approve", "fine")
    decide(client, boris, "return", "VAT is missing")
    edit(client, ivan, invoice, amount="1200.00")
    resubmit(client, api_token, invoice)
    second_task = task_of(client, anna)
    decide(client, anna, "approve")

    approvals = events(app, invoice, "approved")
    assert [(e.actor_id, e.details["task"], e.details["round"]) for e in approvals] == [
        (people["anna"], first_task, 1),
        (people["anna"], second_task, 2),
    ]
    revisions = [e.details["revision"] for e in approvals]
    assert all(HEX64.fullmatch(r) for r in revisions), revisions
    assert revisions[0] != revisions[1]  # the card changed between the rounds
    [returned] = events(app, invoice, "returned")
    assert returned.details["revision"] == revisions[0]  # nothing changed within round 1
    [resubmitted] = events(app, invoice, "resubmitted")
    assert resubmitted.details["revision"] == revisions[1]

    with app.app_context():
        tasks = {
            t.task_guid: (t.bpmn_id, t.assignee_user_id)
            for t in db.session.scalars(select(HumanTask).where(HumanTask.invoice_id == invoice))
        }
        db.session.remove()
    assigned = events(app, invoice, "task_assigned")
    assert sorted(e.details["task"] for e in assigned) == sorted(tasks)  # one event per task
    for event in assigned:
        bpmn_id, assignee = tasks[event.details["task"]]
        assert event.details["bpmn_id"] == bpmn_id
        assert event.details["assignee_id"] == assignee
        assert event.actor_id is None
    # approve(anna), approve(boris), correct(ivan), approve(anna), approve(boris)
    assert [tasks[e.details["task"]] for e in assigned] == [
        ("approve", people["anna"]),
        ("approve", people["boris"]),
        ("correct", people["ivan"]),
        ("approve", people["anna"]),
        ("approve", people["boris"]),
    ]


# 6 -------------------------------------------------------------------------------------------


def test_the_task_api_answers_each_role_with_the_right_error(app, client, api_token, make, people):
    invoice = make.invoice(
        people["ivan"], make.counterparty(), approvers=[people["anna"], people["boris"]]
    )
    submit(client, api_token, invoice)
    anna_task = task_of(client, api_token("anna"))

    def post(who, guid):
        return client.post(
            f"/api/v1/tasks/{guid}/decision", headers=api_token(who), json={"decision": "approve"}
        )

    assert post("boris", anna_task).status_code == 403  # sees the invoice, not his task
    assert post("olga", anna_task).status_code == 404  # does not take part in it
    assert task_of(client, api_token("anna")) == anna_task
    assert post("anna", anna_task).status_code == 200
    finished = post("anna", anna_task)
    assert finished.status_code == 409
    assert len(events(app, invoice, "approved")) == 1


@pytest.mark.parametrize(
    ("content", "filename"),
    [
        (b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 64, "order.exe"),
        (b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 64, "order.pdf"),
        (b"<!DOCTYPE html><html><script>alert(1)</script></html>", "order.pdf"),
        (b"Payment order PP-7, paid in full.", "order.txt"),
    ],
)
def test_a_payment_order_that_is_not_a_pdf_or_an_image_is_refused_over_the_api(
    app, client, api_token, make, people, content, filename
):
    invoice = make.invoice(people["ivan"], make.counterparty(), approvers=[people["anna"]])
    submit(client, api_token, invoice)
    decide(client, api_token("anna"), "approve")
    refused = client.post(
        f"/api/v1/invoices/{invoice}/pay",
        headers=api_token("fedor"),
        data={"reference": "PP-7", "payment_order": (io.BytesIO(content), filename)},
        content_type="multipart/form-data",
    )
    assert refused.status_code == 422, refused.json
    assert status_of(app, invoice) == "awaiting_payment"
    with app.app_context():
        assert db.session.query(Payment).filter_by(invoice_id=invoice).count() == 0
        db.session.remove()
    assert events(app, invoice, "paid") == []
    files = client.get(f"/api/v1/invoice/{invoice}/attachments", headers=api_token("fedor"))
    assert files.json["result"] == []


# 7 -------------------------------------------------------------------------------------------


@pytest.fixture
def legal_role(make):
    make.lane_role("Legal")  # kept between tests, like every role


def test_publishing_is_audited_and_seeding_afterwards_keeps_the_published_version(
    app, make, login, legal_role
):
    alla = make.user("alla", roles.ANALYST)
    analyst = login("alla")
    imported = analyst.post(
        "/process/drafts",
        data={"diagram": (io.BytesIO(LEGAL_DIAGRAM.read_bytes()), "legal.bpmn")},
        content_type="multipart/form-data",
    )
    assert imported.status_code == 302
    draft_url = imported.headers["Location"]
    draft_id = int(draft_url.rstrip("/").rsplit("/", 1)[1])
    started = utcnow() - timedelta(seconds=1)
    published = analyst.post(
        f"/process/drafts/{draft_id}/publish",
        data={"note": "Legal review above 100 000"},
        follow_redirects=True,
    )
    assert "Published as version 2" in published.get_data(as_text=True)

    with app.app_context():
        [event] = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "process_published")
        ).all()
        assert event.invoice_id is None
        assert event.actor_id == alla
        assert started <= event.created_at <= utcnow() + timedelta(seconds=1)
        assert event.details["note"] == "Legal review above 100 000"
        assert event.details["process"] == "invoice_approval" and event.details["version"] == 2
        assert event.details["added"] == ["legal_review"]
        assert event.details["removed"] == []
        db.session.remove()

    result = app.test_cli_runner().invoke(args=["process", "seed"])
    assert result.exit_code == 0, result.output
    assert "none" in result.output
    with app.app_context():
        versions = db.session.execute(
            select(ProcessVersion.version, ProcessVersion.is_current)
            .where(ProcessVersion.process_id == "invoice_approval")
            .order_by(ProcessVersion.version)
        ).all()
        db.session.remove()
    assert [tuple(v) for v in versions] == [(1, False), (2, True)]
    page = analyst.get("/process/").get_data(as_text=True)
    assert "Legal review above 100 000" in page
