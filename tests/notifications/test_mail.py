"""Who receives which e-mail, with which link; outages and crashes lose and double nothing."""

import io
import threading
from datetime import timedelta

import pytest
from sqlalchemy import insert

from app import roles
from app.extensions import db
from app.mail import OutboxMailer
from app.models import Notification, OutboxMessage, OutboxStatus, UserPreference
from app.models.base import utcnow
from app.worker import work_once
from tests.web.forms import PDF


@pytest.fixture
def people(make):
    return {
        "ivan": make.user("ivan", roles.INITIATOR),
        "anna": make.user("anna", roles.APPROVER),
        "boris": make.user("boris", roles.APPROVER),
        "fedor": make.user("fedor", roles.FINANCE_DIRECTOR),
        "fiona": make.user("fiona", roles.FINANCE_DIRECTOR),
    }


@pytest.fixture
def invoice(make, people):
    return make.invoice(
        people["ivan"],
        make.counterparty("Acme Supplies"),
        approvers=[people["anna"], people["boris"]],
        amount="1234.50",
    )


def task_of(client, headers) -> str:
    return client.get("/api/v1/tasks/mine", headers=headers).json["result"][0]["id"]


def run_chain(client, api_token, invoice, returned=True):
    ivan, anna, boris = api_token("ivan"), api_token("anna"), api_token("boris")
    assert client.post(f"/api/v1/invoices/{invoice}/submit", headers=ivan).status_code == 200
    if returned:
        assert (
            client.post(
                f"/api/v1/tasks/{task_of(client, anna)}/decision",
                headers=anna,
                json={"decision": "return", "comment": "Wrong VAT"},
            ).status_code
            == 200
        )
        assert client.post(f"/api/v1/invoices/{invoice}/resubmit", headers=ivan).status_code == 200
    for headers in (anna, boris):
        assert (
            client.post(
                f"/api/v1/tasks/{task_of(client, headers)}/decision",
                headers=headers,
                json={"decision": "approve"},
            ).status_code
            == 200
        )
    paid = client.post(
        f"/api/v1/invoices/{invoice}/pay",
        headers=api_token("fedor"),
        data={"payment_order": (io.BytesIO(PDF), "o.pdf")},
        content_type="multipart/form-data",
    )
    assert paid.status_code == 200


def test_each_step_mails_the_right_people_with_a_link(app, smtp, client, api_token, invoice):
    ivan, anna = api_token("ivan"), api_token("anna")
    client.post(f"/api/v1/invoices/{invoice}/submit", headers=ivan)
    assert smtp.inbox.messages == []  # nothing is sent inside the request
    work_once(app)
    [task_mail] = smtp.inbox.to("anna@example.com")
    guid = task_of(client, anna)
    assert task_mail["Subject"] == f"Approval of invoice #{invoice}"
    body = smtp.inbox.text(task_mail)
    assert f"http://127.0.0.1:5000/tasks/{guid}" in body
    assert "1\u00a0234.50 RUB" in body and "Acme Supplies" in body
    assert task_mail.get_body(("html",)) is not None
    client.post(
        f"/api/v1/tasks/{guid}/decision",
        headers=anna,
        json={"decision": "return", "comment": "Wrong VAT"},
    )
    work_once(app)
    subjects = sorted(m["Subject"] for m in smtp.inbox.to("ivan@example.com"))
    assert subjects == [
        f"Correct invoice #{invoice}",
        f"Invoice #{invoice} was returned for rework",
    ]
    [returned] = [m for m in smtp.inbox.to("ivan@example.com") if "returned" in m["Subject"]]
    assert "Wrong VAT" in smtp.inbox.text(returned)


def test_payment_mails_every_finance_director_then_the_initiator(
    app, smtp, client, api_token, invoice
):
    run_chain(client, api_token, invoice, returned=False)
    work_once(app)
    assert len(smtp.inbox.to("fedor@example.com")) == 1
    assert len(smtp.inbox.to("fiona@example.com")) == 1
    assert [m["Subject"] for m in smtp.inbox.to("ivan@example.com")] == [
        f"Invoice #{invoice} is paid"
    ]


def test_an_smtp_outage_delays_mail_but_loses_and_doubles_nothing(
    app, smtp, client, api_token, invoice
):
    smtp.stop()
    run_chain(client, api_token, invoice)  # every request succeeds without the mail server
    now = utcnow()
    assert work_once(app, now=now)["sent"] == 0
    with app.app_context():
        pending = db.session.query(OutboxMessage).all()
        assert pending and all(m.status == OutboxStatus.PENDING for m in pending)
        assert all(m.last_error for m in pending)
        expected = {m.message_id for m in pending}
        db.session.remove()
    smtp.start()
    work_once(app, now=now + timedelta(hours=1))
    work_once(app, now=now + timedelta(hours=2))
    received = [m["Message-ID"] for m in smtp.inbox.messages]
    assert sorted(received) == sorted(expected)  # each exactly once


class WorkerDies(BaseException):
    """kill -9: nothing of the worker runs after it."""


class DiesOnceTheServerAccepts:
    def __init__(self, app):
        self.real = OutboxMailer(app)

    def connection(self):
        return self.real.connection()

    def send(self, message):
        self.real.send(message)
        raise WorkerDies  # between the server's 250 and the commit of `sent`


def test_a_worker_that_dies_after_the_server_accepted_resends_after_the_lease_same_message_id(
    app, smtp, client, api_token, invoice
):
    client.post(f"/api/v1/invoices/{invoice}/submit", headers=api_token("ivan"))
    now = utcnow()
    with pytest.raises(WorkerDies):
        work_once(app, now=now, mailer=DiesOnceTheServerAccepts(app))
    with app.app_context():
        assert db.session.query(OutboxMessage).one().status == OutboxStatus.SENDING
        db.session.remove()
    lease = timedelta(seconds=app.config["OUTBOX_LEASE_SECONDS"])
    assert work_once(app, now=now + lease / 2)["sent"] == 0  # its outcome may yet be known
    assert work_once(app, now=now + lease + timedelta(seconds=1))["sent"] == 1
    first, second = smtp.inbox.to("anna@example.com")
    assert first["Message-ID"] == second["Message-ID"]
    with app.app_context():
        row = db.session.query(OutboxMessage).one()
        assert (row.status, row.attempts) == (OutboxStatus.SENT, 2)
        assert "outcome unknown" in row.last_error
        db.session.remove()


def test_after_repeated_failures_a_message_is_marked_failed_and_an_admin_retries_it(
    app, smtp, client, api_token, invoice, make, login
):
    make.user("adam", roles.ADMIN)
    smtp.stop()
    client.post(f"/api/v1/invoices/{invoice}/submit", headers=api_token("ivan"))
    now = utcnow()
    for hour in range(1, 20):
        work_once(app, now=now + timedelta(hours=hour * 7))
    with app.app_context():
        message = db.session.query(OutboxMessage).one()
        assert message.status == OutboxStatus.FAILED and message.attempts == 8
        message_id = message.id
        db.session.remove()
    page = login("adam").get("/outbox/list/").get_data(as_text=True)
    assert "failed" in page and "anna@example.com" in page
    smtp.start()
    login("adam").post("/outbox/retry", data={"ids": [message_id]})
    work_once(app, now=now + timedelta(days=10))
    assert len(smtp.inbox.to("anna@example.com")) == 1


def test_a_user_may_turn_off_mail_for_a_kind_but_still_sees_it_in_the_app(
    app, smtp, client, api_token, invoice, people
):
    with app.app_context():
        db.session.add(UserPreference(user_id=people["anna"], email_off=["task_assigned"]))
        db.session.commit()
    client.post(f"/api/v1/invoices/{invoice}/submit", headers=api_token("ivan"))
    work_once(app)
    assert smtp.inbox.to("anna@example.com") == []
    with app.app_context():
        assert db.session.query(Notification).filter_by(user_id=people["anna"]).count() == 1


def test_without_a_mail_server_messages_go_to_a_folder(
    app, client, api_token, invoice, monkeypatch, tmp_path
):
    monkeypatch.setitem(app.config, "MAIL_SERVER", "")
    monkeypatch.setitem(app.config, "MAIL_FOLDER", str(tmp_path / "mail"))
    client.post(f"/api/v1/invoices/{invoice}/submit", headers=api_token("ivan"))
    work_once(app)
    [written] = list((tmp_path / "mail").glob("*.eml"))
    assert f"Approval of invoice #{invoice}" in written.read_text()


def test_several_workers_drain_500_messages_each_sent_once(app, smtp, people, database_url):
    with app.app_context():
        now = utcnow()
        db.session.execute(
            insert(OutboxMessage),
            [
                {
                    "recipient_id": people["anna"],
                    "to_address": "anna@example.com",
                    "language": "en",
                    "kind": "reminder",
                    "params": {},
                    "status": OutboxStatus.PENDING,
                    "attempts": 0,
                    "next_attempt_at": now,
                    "message_id": f"<bulk-{n}@invoiceflow>",
                    "dedupe_key": f"bulk:{n}",
                    "created_at": now,
                }
                for n in range(500)
            ],
        )
        db.session.commit()
        db.session.remove()
    workers = 2 if database_url.startswith("postgresql") else 1

    def drain():
        while work_once(app, now=now + timedelta(seconds=1))["sent"]:
            pass

    threads = [threading.Thread(target=drain) for _ in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    ids = [m["Message-ID"] for m in smtp.inbox.messages]
    assert len(ids) == 500 and len(set(ids)) == 500


def test_mail_comes_in_the_language_the_person_chose_in_the_app(
    app, smtp, client, api_token, invoice, login
):
    """anna switches the app to Russian: her mail is Russian, amounts with a decimal comma,
    and her next sign-in opens the app in Russian."""
    browser = login("anna")
    assert browser.get("/lang/ru", follow_redirects=False).status_code == 302
    client.post(f"/api/v1/invoices/{invoice}/submit", headers=api_token("ivan"))
    work_once(app)
    [task_mail] = smtp.inbox.to("anna@example.com")
    assert task_mail["Subject"] == f"Согласование счёта №{invoice}"
    assert "1\u00a0234,50 RUB" in smtp.inbox.text(task_mail)
    browser.post("/logout/")  # the menu's Sign out (a GET only asks to confirm)
    browser.get("/lang/en")  # an anonymous visitor's choice is theirs alone
    page = login("anna").get("/tasks/").get_data(as_text=True)
    assert "Мои задачи" in page
