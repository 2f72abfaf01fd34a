"""A decision records the revision it was made on: the card and the files the approver saw, read
with the task itself, and its audit event joins the invoice's chain."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from app import roles
from app.extensions import db
from app.models import AuditEvent, Invoice
from app.services import audit
from app.services.audit import verify
from app.services.revision import invoice_revision
from app.services.task_access import task_at_hand
from tests.web.forms import PDF


@pytest.fixture
def people(make):
    return {
        "ivan": make.user("ivan", roles.INITIATOR),
        "anna": make.user("anna", roles.APPROVER),
        "boris": make.user("boris", roles.APPROVER),
    }


def add_file(client, headers, invoice: int, content: bytes, name: str) -> None:
    response = client.post(
        f"/api/v1/invoice/{invoice}/attachments",
        headers=headers,
        data={"kind": "other", "files": [(io.BytesIO(content), name)]},
        content_type="multipart/form-data",
    )
    assert response.status_code == 201, response.json


def approve_own_task(client, headers) -> None:
    [task] = client.get("/api/v1/tasks/mine", headers=headers).json["result"]
    response = client.post(
        f"/api/v1/tasks/{task['id']}/decision", headers=headers, json={"decision": "approve"}
    )
    assert response.status_code == 200, response.json


def revisions(app, invoice: int, action: str) -> list[str]:
    with app.app_context():
        found = db.session.scalars(
            select(AuditEvent)
            .where(AuditEvent.invoice_id == invoice, AuditEvent.action == action)
            .order_by(AuditEvent.sequence)
        )
        result = [event.details["revision"] for event in found]
        db.session.remove()
    return result


def test_each_approval_records_the_files_its_approver_saw_and_the_audit_chain_holds(
    app, client, api_token, make, people
):
    ivan, anna, boris = api_token("ivan"), api_token("anna"), api_token("boris")
    invoice = make.invoice(
        people["ivan"], make.counterparty(), approvers=[people["anna"], people["boris"]]
    )
    add_file(client, ivan, invoice, PDF, "invoice.pdf")
    assert client.post(f"/api/v1/invoices/{invoice}/submit", headers=ivan).status_code == 200
    approve_own_task(client, anna)
    add_file(client, ivan, invoice, PDF + b"%signed contract\n", "contract.pdf")
    approve_own_task(client, boris)

    [submitted] = revisions(app, invoice, "submitted")
    anna_saw, boris_saw = revisions(app, invoice, "approved")
    assert anna_saw == submitted  # the same card and the same file
    assert boris_saw != anna_saw  # a file came between the two approvals
    with app.app_context():
        # What boris decided on is what the invoice holds now, read the long way.
        assert boris_saw == invoice_revision(db.session, db.session.get(Invoice, invoice))
        reports = verify(db.session)
        db.session.remove()
    assert all(report.broken_at is None and report.problem is None for report in reports)


def test_an_event_another_writer_appends_after_the_task_was_read_is_built_on(
    app, client, api_token, make, people
):
    ivan = api_token("ivan")
    invoice = make.invoice(people["ivan"], make.counterparty(), approvers=[people["anna"]])
    assert client.post(f"/api/v1/invoices/{invoice}/submit", headers=ivan).status_code == 200
    [task] = client.get("/api/v1/tasks/mine", headers=api_token("anna")).json["result"]
    with app.app_context():
        anna = app.appbuilder.sm.get_user_by_id(people["anna"])
        task_at_hand(db.session, anna, task["id"])  # reads the chain's head with the task
        with Session(db.engine) as other:  # meanwhile another writer appends to the chain
            late = audit.record(other, "file_added", people["ivan"], {"file": "late.pdf"}, invoice)
            other.commit()
            late_sequence = late.sequence
        decided = audit.record(db.session, "approved", anna.id, {"task": task["id"]}, invoice)
        db.session.commit()
        assert decided.sequence == late_sequence + 1
        assert all(r.broken_at is None and r.problem is None for r in verify(db.session))
        db.session.remove()
