"""Each message's `sent` is committed before the next message of its batch goes out, together
with that message's `sending` (one commit a message), and the last one's before the batch ends:
a worker that stops mid-batch leaves at most one message whose outcome it did not record."""

from __future__ import annotations

import pytest
from sqlalchemy import event, select
from sqlalchemy.exc import OperationalError

from app.extensions import db
from app.mail import OutboxMailer
from app.models import OutboxMessage, OutboxStatus
from app.models.base import utcnow
from app.services import mail_delivery
from app.services.mail_delivery import DeliverySettings, deliver_due


class RecordingMailer(OutboxMailer):
    """Notes in `log` each message it hands to the server, by outbox id."""

    def __init__(self, app, log: list):
        super().__init__(app)
        self.log = log

    def send(self, row: OutboxMessage) -> None:
        self.log.append(("send", row.id))
        super().send(row)


def deliver_one_batch(app, log: list) -> dict:
    """One batch, with every statement, commit and send in `log` as it happened."""

    def statement(_conn, _cursor, sql, _parameters, context, _many):
        if sql.lstrip().upper().startswith("UPDATE OUTBOX") and "sent_at" in sql:
            log.append(("sent", context.compiled_parameters[0]["row_id"]))

    def commit(_conn):
        log.append(("commit", None))

    with app.app_context():
        engine = db.engine
        event.listen(engine, "before_cursor_execute", statement)
        event.listen(engine, "commit", commit)
        try:
            settings = DeliverySettings.from_config(app.config)
            return deliver_due(db.session, RecordingMailer(app, log), utcnow(), settings)
        finally:
            event.remove(engine, "before_cursor_execute", statement)
            event.remove(engine, "commit", commit)
            db.session.remove()


def committed_outcomes(log: list) -> list[tuple[int, bool]]:
    """For each message sent after another: (the one before it, was that one's `sent`
    committed before this one went out?)."""
    answers, pending, committed = [], set(), set()
    previous = None
    for what, message_id in log:
        if what == "sent":
            pending.add(message_id)
        elif what == "commit":
            committed |= pending
            pending.clear()
        elif what == "send":
            if previous is not None:
                answers.append((previous, previous in committed))
            previous = message_id
    return answers


def test_each_message_is_recorded_sent_before_the_next_one_goes_out(app, smtp, queue):
    queue(6)
    log: list = []

    counts = deliver_one_batch(app, log)

    assert counts["sent"] == 6
    assert len(smtp.inbox.messages) == 6
    outcomes = committed_outcomes(log)
    assert len(outcomes) == 5
    assert all(committed for _message, committed in outcomes), outcomes
    # The last one's outcome is committed too, before the batch returns.
    with app.app_context():
        statuses = db.session.scalars(select(OutboxMessage.status)).all()
        db.session.remove()
    assert statuses == [OutboxStatus.SENT] * 6


def test_a_batch_commits_once_a_message_and_a_few_times_for_itself(app, smtp, queue):
    queue(3)
    small: list = []
    deliver_one_batch(app, small)
    queue(9, prefix="later")
    large: list = []
    deliver_one_batch(app, large)

    def commits(log):
        return sum(1 for what, _ in log if what == "commit")

    assert len(smtp.inbox.messages) == 12
    # Six more messages, six more commits: each message's `sending` carries the one before
    # it's `sent`.
    assert commits(large) - commits(small) == 6


def test_a_failure_after_an_acceptance_still_records_that_message_sent(
    app, smtp, queue, monkeypatch
):
    """The next message's mark fails (the database refused it): the message the server had
    just accepted is recorded sent all the same, so it is not sent again after its lease."""
    queue(3)
    marks = []
    real_mark = mail_delivery._mark_attempt

    def failing_mark(session, batch, message_id, unknown):
        marks.append(message_id)
        if len(marks) == 2:
            raise OperationalError("UPDATE outbox ...", {}, Exception("the server went away"))
        return real_mark(session, batch, message_id, unknown)

    monkeypatch.setattr(mail_delivery, "_mark_attempt", failing_mark)

    with pytest.raises(OperationalError):
        deliver_one_batch(app, [])

    assert len(smtp.inbox.messages) == 1
    with app.app_context():
        rows = db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()
        statuses = [row.status for row in rows]
        db.session.remove()
    assert statuses == [OutboxStatus.SENT, OutboxStatus.PENDING, OutboxStatus.PENDING]
