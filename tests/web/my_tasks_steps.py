"""Steps the My tasks tests share: invoices submitted to an approver, what the page lists."""

from __future__ import annotations

import re
from datetime import datetime

from app.extensions import db
from app.models import AuditEvent, HumanTask, TaskStatus

TITLE = re.compile(r">((?:Approval of|Correct|Pay) invoice #\d+)</a>")


class Desk:
    """An initiator's invoices sent to approvers over the API, and the tasks they make."""

    def __init__(self, app, make, client, api_token, initiator: int, initiator_name: str):
        self.app, self.make, self.client = app, make, client
        self.initiator = initiator
        self.headers = api_token(initiator_name)
        self.parties: dict[str, int] = {}

    def party(self, name: str) -> int:
        if name not in self.parties:
            self.parties[name] = self.make.counterparty(name)
        return self.parties[name]

    def submitted(self, approvers: list[int], amount: str = "1000.00", party: str = "Acme") -> int:
        invoice = self.make.invoice(
            self.initiator, self.party(party), approvers=approvers, amount=amount
        )
        answer = self.client.post(f"/api/v1/invoices/{invoice}/submit", headers=self.headers)
        assert answer.status_code == 200, answer.json
        return invoice


def open_task_of(app, invoice_id: int) -> HumanTask:
    with app.app_context():
        task = db.session.query(HumanTask).filter_by(invoice_id=invoice_id, status="open").one()
        db.session.expunge(task)
        db.session.remove()
        return task


def task_of(app, invoice_id: int, **where) -> HumanTask:
    """The invoice's latest task (matching `where`), open or not."""
    with app.app_context():
        task = (
            db.session.query(HumanTask)
            .filter_by(invoice_id=invoice_id, **where)
            .order_by(HumanTask.id.desc())
            .first()
        )
        db.session.expunge(task)
        db.session.remove()
        return task


def set_due(app, invoice_id: int, due_at: datetime | None) -> None:
    with app.app_context():
        task = (
            db.session.query(HumanTask)
            .filter_by(invoice_id=invoice_id, status=TaskStatus.OPEN)
            .one()
        )
        task.due_at = due_at
        db.session.commit()
        db.session.remove()


def listed(client, url: str = "/tasks/") -> list[str]:
    """The task titles My tasks shows, in order."""
    response = client.get(url)
    assert response.status_code == 200, response.status_code
    page = response.get_data(as_text=True)
    table = page[page.index('data-test="my-tasks"') :]
    return TITLE.findall(table[: table.index("</table>")])


def approval(invoice_id: int) -> str:
    return f"Approval of invoice #{invoice_id}"


def audit_of(app, invoice_id: int, action: str) -> list[AuditEvent]:
    with app.app_context():
        events = (
            db.session.query(AuditEvent)
            .filter_by(invoice_id=invoice_id, action=action)
            .order_by(AuditEvent.sequence)
            .all()
        )
        for event in events:
            db.session.expunge(event)
        db.session.remove()
        return events
