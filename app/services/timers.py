"""Timers from the diagram: the worker fires due ones; reminders and escalations notify people.

No decision is ever taken by a timer: it only tells people. `now` is the application's clock.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import and_, or_, select, update
from sqlalchemy.orm import Session

from app.errors import ConcurrentEditError
from app.models import HumanTask, InstanceStatus, Invoice, NotificationKind, ProcessInstance
from app.models.user import User, holds_role
from app.roles import ADMIN
from app.services import audit, use_case
from app.services.notify import notify, notify_holders
from app.services.process_runtime import advance
from app.services.worker_heartbeat import this_worker
from app.workflow.failures import run_step
from app.workflow.store import load_workflow
from app.workflow.sync import task_params

REMINDER, ESCALATION = "reminder", "escalation"
log = logging.getLogger(__name__)


# How long a worker holds the due instances it claimed: longer than a batch can take (each
# instance's code is capped at DIAGRAM_CODE_SECONDS); a worker that dies frees them after it.
TIMER_LEASE = timedelta(minutes=5)
TIMER_BATCH = 50  # due processes a worker pass claims at most


def _claimable(now: datetime):
    return and_(
        ProcessInstance.status == InstanceStatus.RUNNING,
        ProcessInstance.next_timer_at <= now,
        or_(
            ProcessInstance.timer_claimed_until.is_(None),
            ProcessInstance.timer_claimed_until <= now,
        ),
    )


def claim_due_instances(
    session: Session, now: datetime, worker: str, limit: int = TIMER_BATCH
) -> list[int]:
    """Lease up to `limit` due instances to `worker`, as the mail outbox does. On PostgreSQL the
    SELECT locks them and skips rows another worker is claiming (FOR UPDATE SKIP LOCKED); the
    UPDATE re-checks the lease, so each instance has one winner, and SQLite's single writer
    gives the same. Two statements: as a subquery of the UPDATE, PostgreSQL may run the
    locking SELECT more than once and claim more than `limit`."""
    due = session.scalars(
        select(ProcessInstance.id)
        .where(_claimable(now))
        .order_by(ProcessInstance.next_timer_at, ProcessInstance.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    ).all()
    if not due:
        session.commit()
        return []
    claimed = session.scalars(
        update(ProcessInstance)
        .where(ProcessInstance.id.in_(due), _claimable(now))
        # A lease is not a change of the process: updated_at and lock_version stay.
        .values(
            timer_claimed_until=now + TIMER_LEASE,
            timer_claimed_by=worker,
            updated_at=ProcessInstance.updated_at,
        )
        .returning(ProcessInstance.id)
        .execution_options(synchronize_session=False)
    ).all()
    session.commit()
    return sorted(claimed)


# A process whose timers fail (a diagram error, data it cannot handle) is tried again after
# this long, so that it neither runs on every pass nor keeps healthy ones waiting.
RETRY_FAILED_TIMERS_AFTER = timedelta(hours=1)


def fire_due_timers(
    session: Session, now: datetime, limit: int = TIMER_BATCH, worker: str | None = None
) -> int:
    """Claim due instances, then one transaction per instance, which also ends its lease."""
    worker = worker or this_worker()
    fired = 0
    for instance_id in claim_due_instances(session, now, worker, limit):
        try:
            fired += fire_timers_of(session, instance_id)
        except ConcurrentEditError:
            # Saved by someone else meanwhile (a decision): its timers are read again next pass.
            log.info("timers of process instance %s: saved meanwhile, next pass", instance_id)
            _release(session, instance_id, worker)
        except Exception:  # noqa: BLE001 - one broken process must not stop the others
            log.exception("timers of process instance %s failed", instance_id)
            _postpone(session, instance_id, now + RETRY_FAILED_TIMERS_AFTER)
    return fired


@use_case
def _release(session: Session, instance_id: int, worker: str) -> None:
    session.execute(
        update(ProcessInstance)
        .where(ProcessInstance.id == instance_id, ProcessInstance.timer_claimed_by == worker)
        .values(
            timer_claimed_until=None, timer_claimed_by=None, updated_at=ProcessInstance.updated_at
        )
        .execution_options(synchronize_session=False)
    )


@use_case
def _postpone(session: Session, instance_id: int, until: datetime) -> None:
    session.execute(
        update(ProcessInstance)
        .where(ProcessInstance.id == instance_id)
        .values(next_timer_at=until, timer_claimed_until=None, timer_claimed_by=None)
        .execution_options(synchronize_session=False)
    )


@use_case
def fire_timers_of(session: Session, instance_id: int) -> int:
    instance = session.get(ProcessInstance, instance_id)
    # Saved with the fired timers: the lease ends with the work it was taken for.
    instance.timer_claimed_until = instance.timer_claimed_by = None
    return run_process_now(session, instance)


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
    params = task_params(task)
    event = f"{timer.timer_id}:{timer.firing_id}"
    # Whoever holds the task now: a deputy's reminder says on whose behalf, as a new task's.
    held = notify_holders(session, NotificationKind.REMINDER, task, event, params, invoice)
    holders = list(held)
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
