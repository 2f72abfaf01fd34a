"""A mail server that is down is tried once per probe interval, not once per pass or message;
a probe that finds it still away costs its message no attempt; once it is back, the whole
backlog goes out within one probe interval (the clock is moved; no wall time is measured)."""

from __future__ import annotations

from datetime import timedelta

from app.mail import OutboxMailer
from app.models import OutboxStatus
from app.models.base import utcnow
from app.services.mail_delivery import MAX_ATTEMPTS
from app.services.mail_waiting import PROBE_EVERY
from app.worker import work_once
from tests.mail_worker.conftest import outbox_rows

PASS_EVERY = 5  # seconds: the worker's default interval when idle
# The passes of the first probe interval after the server's return, and of one more pass.
WITHIN_ONE_PROBE = PROBE_EVERY.seconds + PASS_EVERY + 1


class CountingMailer(OutboxMailer):
    """The real mailer, counting the connections it opens: each is one try of the server."""

    tries = 0

    def connection(self):
        CountingMailer.tries += 1
        return super().connection()


def passes(app, start, seconds: int, every: int = PASS_EVERY) -> None:
    """The worker's passes over `seconds` of the application's clock: `every` seconds apart
    when idle or when the server could not be reached, back to back while mail goes out."""
    for second in range(0, seconds, every):
        now = start + timedelta(seconds=second)
        while (counts := work_once(app, now=now, mailer=CountingMailer(app))).get("sent"):
            pass
        assert not counts.get("failed")


def test_a_server_that_is_down_is_tried_once_per_probe_interval_whatever_waits(app, smtp, queue):
    smtp.stop()
    queue(25)
    CountingMailer.tries = 0
    passes(app, utcnow(), 60, every=1)
    # one try, then one each PROBE_EVERY (the first pass after it): not one per pass (60)
    assert CountingMailer.tries <= 60 // PROBE_EVERY.seconds + 1
    rows = outbox_rows(app).values()
    assert all(row.status == OutboxStatus.PENDING for row in rows)


def test_the_whole_backlog_goes_out_within_one_probe_interval_of_the_servers_return(
    app, smtp, queue
):
    smtp.stop()
    expected = queue(25)
    start = utcnow()
    passes(app, start, 180)  # three minutes down: every message tried or waiting
    assert not smtp.inbox.messages
    assert any(row.waiting_for_server for row in outbox_rows(app).values())
    smtp.start()
    passes(app, start + timedelta(seconds=180), WITHIN_ONE_PROBE)  # not a minute, its backoff
    assert sorted(m["Message-ID"] for m in smtp.inbox.messages) == sorted(expected)
    assert all(row.status == OutboxStatus.SENT for row in outbox_rows(app).values())


def test_after_a_short_outage_the_mail_it_held_back_goes_out_within_one_probe_interval(
    app, smtp, queue
):
    smtp.stop()
    expected = queue(5)
    start = utcnow()
    passes(app, start, 10, every=1)  # ten seconds down, a pass every second
    assert not smtp.inbox.messages
    smtp.start()
    # not when the first backoff ends (a minute after the first try): within one probe interval
    passes(app, start + timedelta(seconds=10), WITHIN_ONE_PROBE, every=1)
    assert sorted(m["Message-ID"] for m in smtp.inbox.messages) == sorted(expected)


def test_probes_of_a_long_outage_do_not_use_up_the_attempts_of_the_mail_they_hold_back(
    app, smtp, queue
):
    smtp.stop()
    expected = queue(1)
    start = utcnow()
    passes(app, start, 30 * 60, every=20)  # half an hour down, a probe each pass
    (row,) = outbox_rows(app).values()
    assert row.status == OutboxStatus.PENDING and row.waiting_for_server
    # counted: its own backoff's tries (0, 1, 3, 7, 15 minutes), not the probes between them
    assert row.attempts == 5 < MAX_ATTEMPTS
    smtp.start()
    passes(app, start + timedelta(minutes=30), WITHIN_ONE_PROBE)
    assert [m["Message-ID"] for m in smtp.inbox.messages] == expected
    (row,) = outbox_rows(app).values()
    assert row.status == OutboxStatus.SENT
