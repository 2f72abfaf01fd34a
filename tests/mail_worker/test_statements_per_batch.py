"""A batch of mail reads what its messages need (invoices, tasks, names, time zones, who gets
the decision links) in the same few statements for three messages or nine; each message adds
only the two writes of its attempt: `sending` before it leaves, `sent` once the server took it
(committed with the next one's `sending`)."""

from __future__ import annotations

import itertools

from sqlalchemy import event

from app import roles
from app.extensions import db
from app.mail import OutboxMailer
from app.models.base import utcnow
from app.services.mail_delivery import DeliverySettings, deliver_due

PER_MESSAGE = 2  # the attempt's mark and its acceptance
_serial = itertools.count()


def submit_to_new_approvers(make, client, api_token, initiator, count: int) -> None:
    """`count` invoices, each submitted to an approver of its own: a task mail to each."""
    for _ in range(count):
        approver = make.user(f"approver{next(_serial)}", roles.APPROVER)
        invoice = make.invoice(initiator, make.counterparty(), approvers=[approver])
        answer = client.post(f"/api/v1/invoices/{invoice}/submit", headers=api_token("ivan"))
        assert answer.status_code == 200


def one_batch(app) -> tuple[int, int]:
    """(statements, messages sent) of one batch delivered."""
    sent: list[str] = []

    def count(_conn, _cursor, statement, *_args):
        sent.append(statement)

    with app.app_context():
        engine = db.engine
        event.listen(engine, "before_cursor_execute", count)
        try:
            settings = DeliverySettings.from_config(app.config)
            counts = deliver_due(db.session, OutboxMailer(app), utcnow(), settings)
        finally:
            event.remove(engine, "before_cursor_execute", count)
            db.session.remove()
    return len(sent), counts["sent"]


def test_a_batch_of_nine_mails_reads_in_as_few_statements_as_a_batch_of_three(
    app, smtp, make, client, api_token, monkeypatch
):
    monkeypatch.setitem(app.config, "OUTBOX_BATCH_SIZE", 10)
    ivan = make.user("ivan", roles.INITIATOR)
    submit_to_new_approvers(make, client, api_token, ivan, 1)
    one_batch(app)  # the first batch of a process builds its statements

    submit_to_new_approvers(make, client, api_token, ivan, 3)
    small, small_sent = one_batch(app)
    submit_to_new_approvers(make, client, api_token, ivan, 9)
    large, large_sent = one_batch(app)

    assert (small_sent, large_sent) == (3, 9)
    # The batch's own: the server's last try, the claim (two), the rows; the invoices, the
    # tasks, the steps before them, the names, the time zones; for the links the recipients
    # (with roles, second factor, delegations), what their roles may do, the tasks and the
    # invoices' parties (and the backlog pulled forward at the first acceptance, only when
    # messages waited for the server: none do here).
    assert large - PER_MESSAGE * large_sent == small - PER_MESSAGE * small_sent <= 14
    # Each went to its own approver, with the links to decide from the mailbox.
    mails = smtp.inbox.messages[1:]
    assert len({mail["To"] for mail in mails}) == 12
    assert all("/mail-actions/" in smtp.inbox.text(mail) for mail in mails)
