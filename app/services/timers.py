"""Timers from the diagram: the worker fires due ones; reminders and escalations notify people.

No decision is ever taken by a timer: it only tells people. `now` is the application's clock.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from app.errors import ConcurrentEditError
from app.models import HumanTask, InstanceStatus, Invoice, NotificationKind, ProcessInstance
from app.models.user import User, holds_role
from app.roles import ADMIN
from app.services import audit, use_case
from app.services.notify import holders_of, notify
from app.services.process_runtime import advance, load_workflow, run_step, task_params

REMINDER, ESCALATION = "reminder", "escalation"
log = logging.getLogger(__name__)


def due_instances(session: Session, now: datetime, limit: int = 50) -> list[int]:
    ids = list(
        session.scalars(
            select(ProcessInstance.id)
            .where(
                ProcessInstance.status == InstanceStatus.RUNNING,
                ProcessInstance.next_timer_at <= now,
            )
            .order_by(ProcessInstance.next_timer_at)
            .limit(limit)
        )
    )
    session.commit()
    return ids


# A process whose timers fail (a diagram error, data it cannot handle) is tried again after
# this long, so that it neither runs on every pass nor keeps healthy ones waiting.
RETRY_FAILED_TIMERS_AFTER = timedelta(hours=1)


def fire_due_timers(session: Session, now: datetime, limit: int = 50) -> int:
    """One transaction per instance; an instance someone else just saved waits for next pass."""
    fired = 0
    for instance_id in due_instances(session, now, limit):
        try:
            fired += fire_timers_of(session, instance_id)
        except ConcurrentEditError:
            continue  # saved by someone else meanwhile: its timers are read again next pass
        except Exception:  # noqa: BLE001 - one broken process must not stop the others
            log.exception("timers of process instance %s failed", instance_id)
            _postpone(session, instance_id, now + RETRY_FAILED_TIMERS_AFTER)
    return fired


@use_case
def _postpone(session: Session, instance_id: int, until: datetime) -> None:
    session.execute(
        update(ProcessInstance)
        .where(ProcessInstance.id == instance_id)
        .values(next_timer_at=until)
        .execution_options(synchronize_session=False)
    )


@use_case
def fire_timers_of(session: Session, instance_id: int) -> int:
    return run_process_now(session, session.get(ProcessInstance, instance_id))


def run_process_now(session: Session, instance: ProcessInstance, actor=None) -> int:
    """Fire what is due and run the engine's own steps (part of the caller's transaction)."""
    invoice = session.get(Invoice, instance.invoice_id)
    workflow = load_workflow(instance)
    fired = []
    run_step(lambda: fired.extend(workflow.fire_due_timers()), invoice.id)
    for timer in fired:
        _tell_people(session, invoice, timer)
    advance(session, actor, instance, invoice, workflow)
    return len(fired)


def _tell_people(session: Session, invoice: Invoice, timer) -> None:
    task = session.scalars(select(HumanTask).where(HumanTask.task_guid == timer.task_guid)).first()
    if task is None:
        return
    holders = holders_of(session, task)
    params = task_params(task)
    event = f"{timer.timer_id}:{timer.firing_id}"
    notify(
        session,
        NotificationKind.REMINDER,
        holders,
        event=event,
        invoice_id=invoice.id,
        task_guid=task.task_guid,
        params=params,
    )
    action = "reminder_sent"
    if timer.notify == ESCALATION:
        action = "escalated"
        notify(
            session,
            NotificationKind.ESCALATION,
            [invoice.initiator_id, *_admins(session)],
            event=event,
            invoice_id=invoice.id,
            task_guid=task.task_guid,
            params={**params, "holders": holders},
        )
    audit.record(
        session,
        action,
        None,
        {"task": task.task_guid, "step": task.name, "to": holders, "timer": timer.timer_id},
        invoice.id,
    )


def _admins(session: Session) -> list[int]:
    return list(session.scalars(select(User.id).where(holds_role(ADMIN), User.active.is_(True))))
