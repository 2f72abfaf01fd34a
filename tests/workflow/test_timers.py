"""Reminders and escalation from the diagram's timers, with the clock moved (never slept)."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from sqlalchemy import select

from app import roles
from app.extensions import db
from app.models import AuditEvent, Notification, ProcessInstance
from app.worker import work_once
from app.workflow.definitions import forget_definitions
from tests.workflow.scenario import Scenario

START = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
def clock():
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


def notices(app, kind: str) -> list[tuple[str, int]]:
    with app.app_context():
        rows = db.session.execute(
            select(Notification.kind, Notification.user_id)
            .where(Notification.kind == kind)
            .order_by(Notification.id)
        )
        result = [tuple(row) for row in rows]
        db.session.remove()
        return result


def at(clock, app, hours: float):
    clock.move_to(START + timedelta(hours=hours))
    forget_definitions()  # as after a restart: nothing lives only in memory
    return work_once(app)


def test_the_second_approver_is_reminded_only_after_the_first_approved(app, make, clock):
    case = Scenario(app, make, approvers=2)
    case.submit()
    clock.move_to(START + timedelta(hours=1))
    case.decide("a1", "approve")
    at(clock, app, 24.5)  # the first approver's reminder would have been due now
    assert notices(app, "reminder") == []
    at(clock, app, 25.5)
    assert notices(app, "reminder") == [("reminder", case.ids["a2"])]


def test_reminders_repeat_as_often_as_the_diagram_says_then_stop(app, make, clock):
    case = Scenario(app, make, approvers=1)
    case.submit()
    for day in range(1, 7):
        at(clock, app, 24 * day + 0.5)
    reminders = [user for kind, user in notices(app, "reminder")]
    # R3/PT24H: three reminders, plus the reminder that comes with the escalation on day 2.
    assert reminders.count(case.ids["a1"]) == 4


def test_an_overdue_task_escalates_to_the_initiator_and_admins_and_decides_nothing(
    app, make, clock
):
    admin = make.user("adam", roles.ADMIN)
    case = Scenario(app, make, approvers=1)
    case.submit()
    at(clock, app, 48.5)
    escalated = {user for _kind, user in notices(app, "escalation")}
    assert escalated == {case.ids["ivan"], admin}
    assert case.holders() == ["a1"]  # still waiting for the approver
    assert case.status == "in_approval"
    assert "escalated" in case.audit_actions()


def test_nothing_fires_for_finished_invoices(app, make, clock):
    case = Scenario(app, make, approvers=1)
    case.submit()
    case.decide("a1", "approve")
    case.pay()
    for day in range(1, 10):
        at(clock, app, 24 * day)
    assert notices(app, "reminder") == [] and notices(app, "escalation") == []
    with app.app_context():
        events = db.session.scalars(
            select(AuditEvent.action).where(AuditEvent.invoice_id == case.invoice_id)
        ).all()
        assert "reminder_sent" not in events


def test_withdrawn_invoices_are_not_reminded(app, make, clock):
    case = Scenario(app, make, approvers=1)
    case.submit()
    case.withdraw()
    at(clock, app, 30)
    assert notices(app, "reminder") == []


def test_one_broken_process_neither_stops_the_others_nor_the_mail(app, make, clock, caplog):
    healthy = Scenario(app, make, approvers=1)
    broken = Scenario.with_people(healthy, make, approvers=1)
    healthy.submit()
    broken.submit()
    with app.app_context():
        instance = db.session.scalars(
            select(ProcessInstance).where(ProcessInstance.invoice_id == broken.invoice_id)
        ).one()
        instance.state = "z:not a saved process"  # e.g. damaged by hand in the database
        db.session.commit()
        broken_id = instance.id
    counts = at(clock, app, 24.5)
    assert counts["timers"] == 1  # the healthy invoice's reminder
    assert counts["sent"] > 0  # the mail pass ran after the failure
    assert notices(app, "reminder") == [("reminder", healthy.ids["a1"])]
    assert f"timers of process instance {broken_id} failed" in caplog.text
    with app.app_context():
        postponed = db.session.get(ProcessInstance, broken_id).next_timer_at
    assert postponed == (START + timedelta(hours=25, minutes=30)).replace(tzinfo=None)
