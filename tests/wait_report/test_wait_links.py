"""What the mirror keeps on each task for the wait reports (app/workflow/step_links.py), and
what migration 0030 fills for the tasks and payments there were before: the same values."""

from __future__ import annotations

from sqlalchemy import event, select

from app.extensions import db
from app.models import HumanTask, ProcessInstance, ProcessVersion
from app.models.user import User
from app.services.wait_heatmap import wait_heatmap
from tests.wait_report.conftest import HOUR, at
from tests.wait_report.migration_fill import (
    approximately,
    cycles,
    fill_as_the_migration_does,
    links,
    unlink_all,
)
from tests.wait_report.plain_count import every_task, periods_around, plain_flows
from tests.workflow.scenario import Scenario


def test_the_migration_fills_what_the_mirror_writes(app, story):
    with app.app_context():
        written, paid = links(), cycles()
        unlink_all()
        fill_as_the_migration_does()
        filled, refilled = links(), cycles()
        db.session.rollback()
        db.session.remove()
    assert {task: approximately(values) for task, values in written.items()} == filled
    assert approximately(paid) == refilled
    # B's approval was visited twice (returned, then approved): the second visit says when.
    assert sum(1 for values in written.values() if values["earlier_visit_done_at"]) == 1
    assert sorted(paid.values()) == [12 * 3600, 31 * 3600]


def test_a_task_cancelled_by_a_withdrawal_leads_nowhere(app, make, story):
    """E is approved by approver1, then withdrawn while approver2 holds it: the approval done
    is the invoice's last step, and the heatmap pairs it with nothing, as the plain count."""
    with at(story.start - HOUR):
        e = Scenario.with_people(story.invoices["A"], make, approvers=2)
    with at(story.start):
        e.submit()
    with at(story.start + HOUR):
        e.decide("a1", "approve")
    with at(story.start + 3 * HOUR):
        e.withdraw()
    with app.app_context():
        steps = db.session.execute(
            select(HumanTask.status, HumanTask.next_bpmn_id)
            .where(HumanTask.invoice_id == e.invoice_id)
            .order_by(HumanTask.id)
        ).all()
        admin = db.session.scalar(select(User).where(User.username == "adam"))
        version = db.session.get(ProcessVersion, story.version_id)
        tasks = every_task()
        instances = {i.id: i for i in db.session.scalars(select(ProcessInstance))}
        for period in periods_around(story.start.date()):
            heatmap = wait_heatmap(db.session, admin, version.id, period)
            assert heatmap.flows == plain_flows(tasks, instances, version, period), period
        db.session.remove()
    assert [tuple(step) for step in steps] == [("done", None), ("cancelled", None)]


def test_a_decision_writes_no_task_again_but_the_one_decided(app, make):
    """The links cost the hot path no statement: deciding the second approval of a chain
    updates that task (with its links) and inserts the next; the first approval, done
    before, is not written again."""
    case = Scenario(app, make, approvers=2)
    case.submit()
    case.decide("a1", "approve")
    sent: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        sent.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        case.decide("a2", "approve")
    finally:
        event.remove(engine, "before_cursor_execute", record)
    updates = [s for s in sent if s.startswith("UPDATE human_task")]
    assert len(updates) == 1, updates
    with app.app_context():
        steps = db.session.execute(
            select(HumanTask.bpmn_id, HumanTask.status, HumanTask.next_bpmn_id)
            .where(HumanTask.invoice_id == case.invoice_id)
            .order_by(HumanTask.id)
        ).all()
        db.session.remove()
    assert [tuple(step) for step in steps] == [
        ("approve", "done", "approve"),
        ("approve", "done", "pay"),
        ("pay", "open", None),
    ]
