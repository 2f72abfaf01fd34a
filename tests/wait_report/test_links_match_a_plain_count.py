"""The heatmap reads the links the mirror keeps on each task (app/workflow/step_links.py)
instead of pairing every invoice's tasks; these tests lay out tasks no real diagram of ours
produces (parallel branches overlapping in every way, tasks cancelled between others, a
step visited twice, invoices closed in every status) and check the figures against the
plain count, for 24 periods whose edges fall everywhere among them."""

from __future__ import annotations

import random
from datetime import UTC, datetime, time, timedelta

import pytest
from sqlalchemy import select

from app import roles
from app.extensions import db
from app.models import (
    HumanTask,
    Invoice,
    InvoiceStatus,
    ProcessInstance,
    ProcessVersion,
    TaskStatus,
)
from app.models.user import User
from app.services.wait_heatmap import wait_heatmap
from app.workflow.step_links import link_steps
from tests import clock
from tests.wait_report.migration_fill import (
    approximately,
    fill_as_the_migration_does,
    links,
    unlink_all,
)
from tests.wait_report.plain_count import every_task, periods_around, plain_flows, plain_waits

STEPS = ("approve", "correct", "pay")
STATUSES = (
    InvoiceStatus.PAID,
    InvoiceStatus.REJECTED,
    InvoiceStatus.CANCELLED,
    InvoiceStatus.IN_APPROVAL,
)
INVOICES = 40


def _base() -> datetime:
    day = clock.today().replace(day=1) - timedelta(days=40)
    return datetime.combine(day, time(0, 0), UTC).replace(tzinfo=None)


def _tasks_of(instance: ProcessInstance, invoice_id: int, rng: random.Random) -> list[HumanTask]:
    """Two to six tasks begun up to ten hours apart: each done after 10 minutes to 30 hours
    (often after the next one began), still open, or cancelled."""
    moment, tasks = instance.created_at, []
    for number in range(rng.randint(2, 6)):
        moment += timedelta(minutes=rng.randint(0, 10 * 60))
        status = rng.choices([TaskStatus.DONE, TaskStatus.OPEN, TaskStatus.CANCELLED], [5, 2, 1])
        took = timedelta(minutes=rng.randint(10, 30 * 60))
        tasks.append(
            HumanTask(
                task_guid=f"{invoice_id}-{number}",
                instance_id=instance.id,
                process_version_id=instance.process_version_id,
                invoice_id=invoice_id,
                bpmn_id=rng.choice(STEPS),
                name="A step",
                form="approval",
                status=status[0],
                created_at=moment,
                completed_at=moment + took if status[0] != TaskStatus.OPEN else None,
            )
        )
    return tasks


@pytest.fixture
def laid_out(app, make) -> int:
    """INVOICES invoices with tasks laid out at random (the same every run), linked by the
    mirror's own code; the version's id."""
    rng = random.Random(13)
    initiator = make.user("ivan", roles.INITIATOR)
    make.user("adam", roles.ADMIN)
    party = make.counterparty()
    ids = [make.invoice(initiator, party) for _n in range(INVOICES)]
    with app.app_context():
        version_id = db.session.scalar(
            select(ProcessVersion.id).where(ProcessVersion.is_current.is_(True))
        )
        for number, invoice_id in enumerate(ids):
            status = STATUSES[number % len(STATUSES)]
            db.session.get(Invoice, invoice_id).status = status
            submitted = _base() + timedelta(minutes=rng.randint(0, 48 * 60))
            instance = ProcessInstance(
                invoice_id=invoice_id,
                process_version_id=version_id,
                state="{}",
                serializer_version="1",
                created_at=submitted,
                updated_at=submitted,
            )
            db.session.add(instance)
            db.session.flush()
            tasks = _tasks_of(instance, invoice_id, rng)
            link_steps(instance, tasks, status)  # as the mirror links them once it ended
            db.session.add_all(tasks)
        db.session.commit()
        db.session.remove()
    return version_id


def test_the_heatmap_of_overlapping_and_cancelled_tasks_is_the_plain_count(app, laid_out):
    with app.app_context():
        admin = db.session.scalar(select(User).where(User.username == "adam"))
        version = db.session.get(ProcessVersion, laid_out)
        tasks = every_task()
        instances = {i.id: i for i in db.session.scalars(select(ProcessInstance))}
        for period in periods_around(_base().date() + timedelta(days=1)):
            heatmap = wait_heatmap(db.session, admin, version.id, period)
            shown = {
                t.bpmn_id: (t.tasks, t.median_seconds, t.p90_seconds, t.invoices)
                for t in heatmap.tasks
            }
            assert shown == plain_waits(tasks, instances, version.id, period), period
            assert heatmap.flows == plain_flows(tasks, instances, version, period), period
        db.session.remove()


def test_the_migration_links_the_laid_out_tasks_as_the_mirror_does(app, laid_out):
    with app.app_context():
        written = links()
        unlink_all()
        fill_as_the_migration_does()
        filled = links()
        db.session.rollback()
        db.session.remove()
    assert {task: approximately(values) for task, values in written.items()} == filled
