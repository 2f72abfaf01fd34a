"""The worker while the database is away: one WARNING when it goes, one when it is back, passes
further apart meanwhile, no traceback a pass; and the work waiting is done once it is back."""

from __future__ import annotations

import logging
import threading
import time

from sqlalchemy.exc import OperationalError

from app.database_outage import OutageWatch
from app.worker import run_forever
from tests.outage.conftest import count

UNSENT = "SELECT count(*) FROM outbox WHERE status <> 'sent'"


def wait_for(condition, seconds: float = 20.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return False


def worker_lines(caplog, level: int) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "app.worker" and r.levelno == level]


def test_the_worker_waits_out_an_outage_with_one_warning_each_way_and_then_delivers(
    people, outage, caplog, monkeypatch, tmp_path
):
    app = people["app"]
    monkeypatch.setitem(app.config, "WORKER_INTERVAL_SECONDS", 0.05)
    monkeypatch.setitem(app.config, "WORKER_OUTAGE_BACKOFF_MAX_SECONDS", 0.4)
    monkeypatch.setitem(app.config, "MAIL_FOLDER", str(tmp_path / "mail"))
    assert count(app, UNSENT) > 0  # the approver's "a task for you" mail, from the submit
    caplog.set_level(logging.INFO)
    outage.cut()
    stop = threading.Event()
    worker = threading.Thread(target=run_forever, args=(app, stop), daemon=True)
    worker.start()
    try:
        assert wait_for(lambda: worker_lines(caplog, logging.WARNING))
        time.sleep(1.5)  # several passes fail meanwhile
        outage.restore()
        assert wait_for(lambda: len(worker_lines(caplog, logging.WARNING)) == 2)
        assert wait_for(lambda: count(app, UNSENT) == 0)
    finally:
        stop.set()
        worker.join(10)
    went, came_back = worker_lines(caplog, logging.WARNING)
    assert "database is unavailable" in went and "database is back" in came_back
    assert worker_lines(caplog, logging.ERROR) == []
    assert not any(r.exc_info for r in caplog.records if r.name == "app.worker")


def test_the_wait_between_passes_doubles_while_the_database_is_away_up_to_a_ceiling():
    watch = OutageWatch("worker", interval=5, ceiling=30)
    down = OperationalError("SELECT 1", {}, ConnectionRefusedError("connection refused"))
    waits = []
    for _ in range(6):
        assert watch.failed(down)
        waits.append(watch.wait_seconds())
    assert waits == [5, 10, 20, 30, 30, 30]
    watch.succeeded()
    assert not watch.down and watch.wait_seconds() == 5


def test_a_failure_that_is_no_outage_is_left_to_the_callers_log():
    watch = OutageWatch("worker", interval=5)
    assert not watch.failed(ValueError("a bug"))
    assert not watch.down
