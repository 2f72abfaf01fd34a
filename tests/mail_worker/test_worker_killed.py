"""A worker process killed mid-batch (SIGKILL, by its pid) delays only the rest of its small
batch, and only by one lease: another worker sends them then, each once, but for the one whose
outcome the dead worker never recorded (sent again, with the same Message-ID)."""

from __future__ import annotations

import os
import signal
import threading
import time
from collections import Counter
from datetime import timedelta

from sqlalchemy import create_engine, select

from app.models import OutboxMessage, OutboxStatus
from app.models.base import utcnow
from app.worker import run_forever
from tests.mail_worker.conftest import outbox_rows

LEASE_SECONDS = 3.0
SLOW_SERVER_SECONDS = 0.3  # per message: a batch of 10 takes 3 s, so the kill is mid-batch


def wait_for(condition, timeout: float, every: float = 0.05) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(every)


def held_by_a_worker(database_url: str) -> dict[str, object]:
    """Message-ID -> end of its lease, of the rows a worker holds and has not sent (read on a
    connection of its own)."""
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            rows = connection.execute(
                select(OutboxMessage.message_id, OutboxMessage.next_attempt_at).where(
                    OutboxMessage.claimed_by.is_not(None), OutboxMessage.status != "sent"
                )
            ).all()
    finally:
        engine.dispose()
    return dict(rows)


def take_over(app, monkeypatch) -> tuple[threading.Event, threading.Thread]:
    monkeypatch.setitem(app.config, "OUTBOX_LEASE_SECONDS", LEASE_SECONDS)
    monkeypatch.setitem(app.config, "WORKER_INTERVAL_SECONDS", 0.2)
    stop = threading.Event()
    other = threading.Thread(target=run_forever, args=(app, stop))
    other.start()
    return stop, other


def test_a_killed_worker_delays_the_rest_of_its_batch_by_one_lease_at_most(
    app, smtp, queue, worker_process, database_url, monkeypatch
):
    smtp.inbox.delay = SLOW_SERVER_SECONDS
    batch = app.config["OUTBOX_BATCH_SIZE"]
    expected = queue(batch)  # one batch: what the dead worker held is all that is left
    worker = worker_process(LEASE_SECONDS)
    wait_for(lambda: len(smtp.inbox.messages) >= 3, timeout=60)
    os.kill(worker.pid, signal.SIGKILL)
    worker.wait(timeout=10)
    killed_at, killed_at_clock = time.monotonic(), utcnow()
    sent_before_kill = len(smtp.inbox.messages)
    held = held_by_a_worker(database_url)
    assert 0 < len(held) <= batch - sent_before_kill + 1  # the rest, and maybe the one in flight
    assert max(held.values()) <= killed_at_clock + timedelta(seconds=LEASE_SECONDS)
    stop, other = take_over(app, monkeypatch)
    try:
        # Every row sent: the one in flight at the kill may have reached the server already and
        # still waits out its lease before it goes again.
        wait_for(
            lambda: all(row.status == OutboxStatus.SENT for row in outbox_rows(app).values()), 60
        )
    finally:
        stop.set()
        other.join(timeout=30)
    received = Counter(m["Message-ID"] for m in smtp.inbox.messages)
    assert set(received) == set(expected)
    doubled = [message_id for message_id, times in received.items() if times > 1]
    assert len(doubled) <= 1  # at most the one in flight when the worker died
    assert all(row.status == OutboxStatus.SENT for row in outbox_rows(app).values())
    arrival = {}
    for message, at in zip(smtp.inbox.messages, smtp.inbox.arrived, strict=True):
        arrival.setdefault(message["Message-ID"], at)
    delays = sorted(arrival[message_id] - killed_at for message_id in held)
    # The lease, a pass of the other worker, then the slow server's time for each of them.
    assert delays[-1] <= LEASE_SECONDS + 1 + len(held) * SLOW_SERVER_SECONDS + 5
    print(
        f"\nkilled after {sent_before_kill} of {batch} sent; {len(held)} delayed, by "
        f"{delays[0]:.1f}-{delays[-1]:.1f} s (lease {LEASE_SECONDS:.0f} s); doubled: {doubled}"
    )
