"""Due timers are claimed like mail: however many worker processes run, each timer fires once.

Real `app.worker.work_once` loops in separate processes (tests/ops/worker_process.py) over 200
invoices whose first daily reminder is due. On PostgreSQL two workers share them (FOR UPDATE
SKIP LOCKED and a lease); SQLite has one writer at a time, so there one worker fires them all.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from sqlalchemy import func, select

from app.extensions import db
from app.models import AuditEvent, Notification, OutboxMessage, ProcessInstance
from app.services.timers import claim_due_instances
from tests.workflow.scenario import Scenario

START = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
FIRST_REMINDER_DUE = START + timedelta(hours=24, minutes=30)
INVOICES = 200
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def on_postgresql(app) -> bool:
    return app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql")


@pytest.fixture
def due_reminders(app, make):
    """INVOICES invoices waiting for their approver since START; returns the first's people."""
    with time_machine.travel(START, tick=False):
        first = Scenario(app, make, approvers=1)
        first.submit()
        for _ in range(INVOICES - 1):
            Scenario.with_people(first, make, approvers=1).submit()
    return first


def run_workers(app, count: int, folder) -> list[dict]:
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    workers = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "tests.ops.worker_process",
                url,
                FIRST_REMINDER_DUE.isoformat(),
                str(folder),
                f"w{n}",
            ],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for n in range(count)
    ]
    try:
        deadline = time.monotonic() + 120
        while not all((folder / f"ready-w{n}").exists() for n in range(count)):
            assert all(w.poll() is None for w in workers), [w.communicate() for w in workers]
            assert time.monotonic() < deadline, "the workers did not start"
            time.sleep(0.05)
        (folder / "go").touch()  # all at once: they compete for the same due timers
        results = []
        for worker in workers:
            out, err = worker.communicate(timeout=240)
            assert worker.returncode == 0, err
            results.append(json.loads(out.strip().splitlines()[-1]))
            sys.stderr.write(err)  # each pass's count and time, shown when the test fails
        return results
    finally:
        for worker in workers:  # only the processes this test started, by their handle
            if worker.poll() is None:
                worker.kill()
                worker.wait()


def test_each_due_timer_reminds_its_approver_exactly_once_however_many_workers_run(
    app, due_reminders, tmp_path
):
    count = 2 if on_postgresql(app) else 1
    results = run_workers(app, count, tmp_path)

    assert sum(r["fired"] for r in results) == INVOICES
    # No worker ever found an instance fired by another one: they never worked on the same.
    assert [r["conflicts"] for r in results] == [0] * count
    if count > 1:
        assert all(r["fired"] > 0 for r in results), results  # the work was shared
    with app.app_context():
        reminders = Counter(
            db.session.scalars(
                select(Notification.task_guid).where(Notification.kind == "reminder")
            )
        )
        assert len(reminders) == INVOICES and set(reminders.values()) == {1}
        mails = db.session.scalar(
            select(func.count()).where(
                OutboxMessage.kind == "reminder", OutboxMessage.status == "sent"
            )
        )
        assert mails == INVOICES
        audited = db.session.scalar(
            select(func.count()).where(AuditEvent.action == "reminder_sent")
        )
        assert audited == INVOICES
        leftover = db.session.scalar(
            select(func.count()).where(ProcessInstance.timer_claimed_by.is_not(None))
        )
        assert leftover == 0  # each lease ended with the work it was taken for
        db.session.remove()


def test_a_claimed_instance_is_not_claimed_again_until_its_lease_ends(app, make):
    with time_machine.travel(START, tick=False):
        Scenario(app, make, approvers=1).submit()
    now = FIRST_REMINDER_DUE.replace(tzinfo=None)
    with app.app_context():
        first = claim_due_instances(db.session, now, "host-a:1")
        again = claim_due_instances(db.session, now + timedelta(minutes=1), "host-b:2")
        after_lease = claim_due_instances(db.session, now + timedelta(minutes=6), "host-b:2")
        db.session.remove()
    assert len(first) == 1
    assert again == []
    assert after_lease == first  # a worker that died holding it does not keep it for ever
