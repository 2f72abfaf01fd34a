"""What a batch of mail reads beforehand is only a shortcut: should reading it fail, each message
reads its own as it is sent, and the batch still goes out."""

from __future__ import annotations

from app.mail_reading import MailReading
from app.worker import work_once


def test_a_batch_whose_reading_fails_still_goes_out_message_by_message(
    app, smtp, queue, monkeypatch
):
    expected = queue(3)
    real, readings = MailReading.of, []

    def fails_for_the_batch(session, rows, config, with_links):
        readings.append(len(rows))
        if len(rows) > 1:
            raise RuntimeError("the batch's reading broke")
        return real(session, rows, config, with_links)

    monkeypatch.setattr(MailReading, "of", fails_for_the_batch)
    counts = work_once(app)
    assert counts["sent"] == 3 and not counts.get("failed_steps")
    assert sorted(m["Message-ID"] for m in smtp.inbox.messages) == sorted(expected)
    assert readings == [3, 1, 1, 1]
