"""An SMTP server that was down costs one attempt per pass, not one per message, and once it is
back it gets the whole backlog within a minute, messages in long backoff included."""

from __future__ import annotations

from datetime import timedelta

from app.models import OutboxStatus
from app.models.base import utcnow
from app.worker import work_once
from tests.mail_worker.conftest import outbox_rows


def passes(app, start, seconds: int, every: int) -> None:
    """The worker's passes over `seconds` of the application's clock, `every` seconds apart
    when idle and back to back while it has work."""
    for second in range(0, seconds, every):
        while _busy(work_once(app, now=start + timedelta(seconds=second))):
            pass


def _busy(counts: dict) -> bool:
    return not counts.get("server_down") and any(
        counts.get(key) for key in ("sent", "retry", "failed", "probed")
    )


def an_hour_of_outage(app, smtp, queue) -> tuple[list[str], object]:
    smtp.stop()
    expected = queue(25)
    start = utcnow()
    passes(app, start, 3600, every=60)
    rows = outbox_rows(app).values()
    assert all(row.status == OutboxStatus.PENDING for row in rows)
    waiting = [row for row in rows if row.next_attempt_at > start + timedelta(hours=1)]
    assert waiting and all(row.waiting_for_server for row in waiting)  # in backoff, for it
    assert max(row.next_attempt_at for row in waiting) > start + timedelta(minutes=70)
    smtp.start()
    return expected, start + timedelta(hours=1)


def test_a_new_message_accepted_after_an_outage_pulls_the_waiting_ones_forward(app, smtp, queue):
    expected, back = an_hour_of_outage(app, smtp, queue)
    expected += queue(1, prefix="after")
    passes(app, back, 5, every=5)  # one pass after the server is back
    assert sorted(m["Message-ID"] for m in smtp.inbox.messages) == sorted(expected)
    assert not any(row.waiting_for_server for row in outbox_rows(app).values())


def test_with_no_new_mail_a_waiting_message_probes_the_server_within_a_minute(app, smtp, queue):
    expected, back = an_hour_of_outage(app, smtp, queue)
    passes(app, back, 65, every=5)
    assert sorted(m["Message-ID"] for m in smtp.inbox.messages) == sorted(expected)
    assert all(row.status == OutboxStatus.SENT for row in outbox_rows(app).values())


def test_an_unreachable_server_costs_one_attempt_per_pass_and_the_rest_wait_untouched(
    app, smtp, queue
):
    smtp.stop()
    queue(25)
    counts = work_once(app, now=utcnow())
    assert counts["server_down"] == 1 and counts["sent"] == 0
    rows = list(outbox_rows(app).values())
    assert sorted(row.attempts for row in rows) == [0] * 24 + [1]
    assert all(row.claimed_by is None for row in rows)  # given back: any worker may try them
    untried = [row for row in rows if not row.attempts]
    told = [row for row in untried if "not tried yet" in (row.last_error or "")]
    assert len(told) == app.config["OUTBOX_BATCH_SIZE"] - 1  # the rest of its batch
    assert all(row.next_attempt_at <= utcnow() for row in untried)


def test_a_server_busy_for_a_moment_gets_the_message_again_after_its_backoff(app, smtp, queue):
    expected = queue(3)
    smtp.inbox.answers = ["451 4.3.0 Try again later"]
    counts = work_once(app, now=utcnow())
    assert counts["server_down"] == 1 and smtp.inbox.messages == []
    passes(app, utcnow() + timedelta(minutes=2), 5, every=5)
    assert sorted(m["Message-ID"] for m in smtp.inbox.messages) == sorted(expected)
