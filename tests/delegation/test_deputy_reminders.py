"""The diagram's reminders go to whoever holds the task now: while the approver is away, their
deputy is reminded on their behalf, and the absent person is not."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import time_machine

from app.worker import work_once
from tests.delegation.conftest import away, notified, submit


def test_a_deputy_is_reminded_on_behalf_of_the_absent_approver(
    app, client, api_token, smtp, people, invoice
):
    assert away(client, api_token("anna"), people["olga"], 0, 5).status_code == 201
    submit(client, api_token, invoice)
    work_once(app)  # the new task's mail
    smtp.inbox.messages.clear()
    # The default process reminds the approver a day after the task was handed out.
    with time_machine.travel(datetime.now(UTC) + timedelta(hours=24, minutes=30), tick=False):
        work_once(app)  # fires the timer, then delivers its mail
        reminded = notified(app, "reminder")
        assert set(reminded) == {people["olga"]}
        assert reminded[people["olga"]]["on_behalf_of"] == people["anna"]
    mails = {m["To"]: m for m in smtp.inbox.messages}
    assert set(mails) == {"olga@example.com"}
    mail = mails["olga@example.com"]
    assert mail["Subject"] == f"Reminder: Approval of invoice #{invoice}, on behalf of Anna Tester"
    assert "on behalf of Anna Tester, whose deputy you are" in smtp.inbox.text(mail)


def test_the_deputys_bell_names_the_absent_person_and_the_absent_person_has_no_reminder(
    app, client, login, api_token, people, invoice
):
    assert away(client, api_token("anna"), people["olga"], 0, 5).status_code == 201
    submit(client, api_token, invoice)
    with time_machine.travel(datetime.now(UTC) + timedelta(hours=24, minutes=30), tick=False):
        work_once(app)
        page = login("olga").get("/notifications/").get_data(as_text=True)
        assert f"Reminder: Approval of invoice #{invoice}, on behalf of Anna Tester" in page
        anna_page = login("anna").get("/notifications/").get_data(as_text=True)
        assert "Reminder:" not in anna_page
