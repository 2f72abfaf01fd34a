"""After the drills: the database against what clients were told and what the SMTP sink got.

Each check is one line: a name, a count, the target. PostgreSQL only (JSON operators).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from sqlalchemy import text

from app.extensions import db
from app.models import ProcessInstance
from app.models.base import utcnow
from app.services.verify_audit import verify_audit_trail
from app.workflow.store import load_workflow


@dataclass
class Line:
    name: str
    count: int
    target: str = "0"

    @property
    def met(self) -> bool:
        return self.count == 0 if self.target == "0" else True


def scalar(sql: str, **params) -> int:
    return int(db.session.execute(text(sql), params).scalar() or 0)


def told_lines(told: dict[str, list[int]]) -> list[Line]:
    """A decision a client heard 200 for must be in the database, once."""
    done = set(
        db.session.execute(
            text("SELECT task_guid FROM human_task WHERE status = 'done' AND decision IS NOT NULL")
        ).scalars()
    )
    events = Counter(
        db.session.execute(
            text("SELECT details->>'task' FROM audit_event WHERE action = 'approved'")
        ).scalars()
    )
    acknowledged = {guid for guid, answers in told.items() if 200 in answers}
    return [
        Line("lost: told 200, task not done in the database", len(acknowledged - set(done))),
        Line("duplicates: two clients told 200 for one task", _twice(told)),
        Line("duplicates: more than one approval event per task", _more_than_one(events)),
        Line("half-applied: task done without its approval event", len(done - set(events))),
        Line("half-applied: approval event, task not done", len(set(events) - done)),
    ]


def card_lines() -> list[Line]:
    approved_without_date = scalar(
        "SELECT count(*) FROM human_task t JOIN invoice_approver a"
        " ON a.invoice_id = t.invoice_id AND a.user_id = t.completed_by_id"
        " WHERE t.status = 'done' AND t.decision = 'approve' AND a.approved_at IS NULL"
    )
    in_approval_wrong = scalar(
        "SELECT count(*) FROM invoice i WHERE i.status = 'in_approval' AND"
        " (SELECT count(*) FROM human_task t WHERE t.invoice_id = i.id AND t.status = 'open') <> 1"
    )
    approved_not_moved = scalar(
        "SELECT count(*) FROM invoice i WHERE i.status = 'in_approval' AND NOT EXISTS"
        " (SELECT 1 FROM invoice_approver a WHERE a.invoice_id = i.id AND a.approved_at IS NULL)"
    )
    return [
        Line("half-applied: approved task, approver's Approval date empty", approved_without_date),
        Line("half-applied: in approval with other than one open task", in_approval_wrong),
        Line("half-applied: every approver approved, still in approval", approved_not_moved),
        Line("half-applied: workflow's ready tasks differ from open tasks", _workflow_mismatches()),
    ]


def audit_lines() -> list[Line]:
    verdict = verify_audit_trail(db.session, None, utcnow())
    forked = scalar(
        "SELECT count(*) FROM (SELECT chain, sequence FROM audit_event"
        " GROUP BY chain, sequence HAVING count(*) > 1) AS twice"
    )
    return [
        Line("audit chains broken (flask audit verify)", len(verdict.broken)),
        Line("audit chains forked (two events at one sequence)", forked),
    ]


def mail_lines(received: list[str]) -> list[Line]:
    sent = set(
        db.session.execute(text("SELECT message_id FROM outbox WHERE status = 'sent'")).scalars()
    )
    got = Counter(received)
    unsent = scalar("SELECT count(*) FROM outbox WHERE status <> 'sent'")
    no_mail = scalar(
        "SELECT count(*) FROM human_task t WHERE t.assignee_user_id IS NOT NULL AND NOT EXISTS"
        " (SELECT 1 FROM outbox o WHERE o.task_guid = t.task_guid AND o.kind = 'task_assigned')"
    )
    return [
        Line("outbox: not delivered after the drain", unsent),
        Line("outbox: task handed out without its mail queued", no_mail),
        Line("mail lost: outbox says sent, sink never got it", len(sent - set(got))),
        Line("mail duplicates: one Message-ID received twice or more", _more_than_one(got)),
        Line("mail from nowhere: received, not in the outbox as sent", len(set(got) - sent)),
    ]


def _workflow_mismatches() -> int:
    mismatched = 0
    open_tasks: dict[int, set[str]] = {}
    rows = db.session.execute(
        text("SELECT instance_id, task_guid FROM human_task WHERE status = 'open'")
    )
    for instance_id, guid in rows:
        open_tasks.setdefault(instance_id, set()).add(guid)
    for instance in db.session.query(ProcessInstance).yield_per(200):
        ready = {task.guid for task in load_workflow(instance).ready_tasks()}
        mismatched += ready != open_tasks.get(instance.id, set())
    return mismatched


def _twice(told: dict[str, list[int]]) -> int:
    return sum(1 for answers in told.values() if answers.count(200) > 1)


def _more_than_one(counts: Counter) -> int:
    return sum(1 for n in counts.values() if n > 1)


def reconcile(app, told: dict[str, list[int]], received: list[str]) -> list[Line]:
    with app.app_context():
        try:
            return [*told_lines(told), *card_lines(), *audit_lines(), *mail_lines(received)]
        finally:
            db.session.remove()
