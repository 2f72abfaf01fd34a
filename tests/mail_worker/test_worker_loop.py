"""The worker passes again at once while there is work and sleeps only when idle; each attempt
is on record before the message leaves, and its acceptance right after."""

from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import create_engine, select

from app.mail import OutboxMailer
from app.models import OutboxMessage, OutboxStatus
from app.models.base import utcnow
from app.worker import Pauses, run_forever, work_once
from tests.mail_worker.conftest import outbox_rows

PAUSES = Pauses(interval=5, settle=0.2, mail_batch=10, webhook_batch=10, timer_batch=50)


@pytest.mark.parametrize(
    ("counts", "failed", "pause"),
    [
        ({"timers": 0, "sent": 10, "retry": 0, "failed": 0}, False, 0),  # a full batch
        ({"sent": 7, "retry": 2, "failed": 1}, False, 0),  # claimed ten: full too
        ({"timers": 50, "sent": 0}, False, 0),
        ({"webhooks": 10}, False, 0),
        ({"sent": 0, "probed": 1}, False, 0),  # the server answered: its waiting mail is due
        ({"timers": 3, "sent": 0}, False, 0.2),  # less than a batch: the queue is empty now
        ({"sent": 1}, False, 0.2),
        ({"webhooks": 2}, False, 0.2),
        ({"timers": 0, "sent": 0, "retry": 0, "failed": 0, "anchored": 1}, False, 5),
        ({"sent": 1, "server_down": 1}, False, 5),
        ({"sent": 10, "failed_steps": 1}, False, 5),
        ({}, True, 5),
    ],
)
def test_the_worker_sleeps_only_when_a_pass_found_nothing_to_do(counts, failed, pause):
    assert PAUSES.after(counts, failed) == pause


def test_the_settling_pause_is_never_longer_than_the_interval():
    config = {
        "WORKER_INTERVAL_SECONDS": 0,
        "WORKER_SETTLE_MILLISECONDS": 200,
        "OUTBOX_BATCH_SIZE": 10,
        "WEBHOOK_BATCH_SIZE": 10,
    }
    assert Pauses.from_config(config).after({"sent": 1}, False) == 0


def test_a_backlog_drains_without_waiting_between_batches(app, smtp, queue, monkeypatch):
    monkeypatch.setitem(app.config, "WORKER_INTERVAL_SECONDS", 600)
    expected = queue(45)  # five batches
    stop = threading.Event()
    worker = threading.Thread(target=run_forever, args=(app, stop))
    worker.start()
    try:
        deadline = time.monotonic() + 120
        while len(smtp.inbox.messages) < 45 and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        stop.set()
        worker.join(timeout=30)
    assert sorted(m["Message-ID"] for m in smtp.inbox.messages) == sorted(expected)


class WatchingMailer:
    """Reads, on a connection of its own, what the database says while a message is sent."""

    def __init__(self, app, database_url):
        self.real = OutboxMailer(app)
        self.engine = create_engine(database_url)
        self.seen: list[tuple] = []

    def connection(self):
        return self.real.connection()

    def send(self, row) -> None:
        with self.engine.connect() as connection:
            self.seen.append(
                connection.execute(
                    select(
                        OutboxMessage.status,
                        OutboxMessage.attempts,
                        OutboxMessage.attempt_started_at,
                    ).where(OutboxMessage.id == row.id)
                ).one()
            )
        self.real.send(row)


def test_each_attempt_is_committed_as_sending_before_the_message_leaves(
    app, smtp, queue, database_url
):
    queue(3)
    mailer = WatchingMailer(app, database_url)
    before = utcnow()
    work_once(app, now=before, mailer=mailer)
    mailer.engine.dispose()
    assert [(status, attempts) for status, attempts, _ in mailer.seen] == [("sending", 1)] * 3
    assert all(started >= before for _, _, started in mailer.seen)
    rows = outbox_rows(app).values()
    assert all(row.status == OutboxStatus.SENT and row.claimed_by is None for row in rows)
