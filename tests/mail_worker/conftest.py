"""Outbox rows made in bulk, and a worker process to kill."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import insert, select

from app import roles
from app.extensions import db
from app.models import OutboxMessage, OutboxStatus
from app.models.base import utcnow

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def anna(make):
    return make.user("anna", roles.APPROVER)


@pytest.fixture
def queue(app, anna):
    """queue(count, prefix) -> their Message-IDs: reminders to anna, due now."""

    def _queue(count: int, prefix: str = "m") -> list[str]:
        now = utcnow()
        ids = [f"<{prefix}-{n}@invoiceflow>" for n in range(count)]
        with app.app_context():
            db.session.execute(
                insert(OutboxMessage),
                [
                    {
                        "recipient_id": anna,
                        "to_address": "anna@example.com",
                        "language": "en",
                        "kind": "reminder",
                        "params": {},
                        "status": OutboxStatus.PENDING,
                        "attempts": 0,
                        "next_attempt_at": now,
                        "message_id": message_id,
                        "dedupe_key": f"test:{message_id}",
                        "created_at": now,
                    }
                    for message_id in ids
                ],
            )
            db.session.commit()
            db.session.remove()
        return ids

    return _queue


def outbox_rows(app) -> dict[str, OutboxMessage]:
    """Every row by Message-ID, detached (read after the session is gone)."""
    with app.app_context():
        rows = db.session.scalars(select(OutboxMessage)).unique().all()
        db.session.expunge_all()
        db.session.remove()
    return {row.message_id: row for row in rows}


@pytest.fixture
def worker_process(database_url, smtp, tmp_path):
    """start(lease_seconds) -> a running worker process; every one is killed at the end."""
    started: list[subprocess.Popen] = []

    def _start(lease_seconds: float) -> subprocess.Popen:
        process = subprocess.Popen(  # noqa: S603 - our own interpreter and module
            [
                sys.executable,
                "-m",
                "tests.on_test_calendar",
                "tests.mail_worker.worker_process",
                database_url,
                str(smtp.port),
                str(lease_seconds),
                str(tmp_path / "files"),
            ],
            cwd=ROOT,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
            stdout=subprocess.PIPE,
            text=True,
        )
        started.append(process)
        assert process.stdout.readline().strip() == "worker ready"
        return process

    yield _start
    for process in started:
        if process.poll() is None:
            process.kill()
        process.wait(timeout=10)
