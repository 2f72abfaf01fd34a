"""Who is told what, in the app and by mail: a rejection, a withdrawal, a reassignment; and
where mail goes in development when there is no mail server."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import select

from app import roles
from app.extensions import db
from app.models import Notification
from app.worker import work_once
from tests.web.forms import PDF


@pytest.fixture
def people(make):
    return {
        "ivan": make.user("ivan", roles.INITIATOR),
        "anna": make.user("anna", roles.APPROVER),
        "boris": make.user("boris", roles.APPROVER),
        "olga": make.user("olga", roles.APPROVER),
        "fedor": make.user("fedor", roles.FINANCE_DIRECTOR),
        "fiona": make.user("fiona", roles.FINANCE_DIRECTOR),
        "adam": make.user("adam", roles.ADMIN),
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
    tasks = client.get("/api/v1/tasks/mine", headers=headers).json["result"]
    assert len(tasks) == 1, tasks
    return tasks[0]["id"]


def submit(client, api_token, invoice):
    response = client.post(f"/api/v1/invoices/{invoice}/submit", headers=api_token("ivan"))
    assert response.status_code == 200, response.json


def decide(client, headers, decision, comment=""):
    response = client.post(
        f"/api/v1/tasks/{task_of(client, headers)}/decision",
        headers=headers,
        json={"decision": decision, "comment": comment},
    )
    assert response.status_code == 200, response.json


def told(app, kind) -> dict[int, dict]:
    """user id -> params of the in-app notifications of one kind."""
    with app.app_context():
        rows = db.session.execute(
            select(Notification.user_id, Notification.params).where(Notification.kind == kind)
        ).all()
        db.session.remove()
    result: dict[int, dict] = {}
    for user_id, params in rows:
        assert user_id not in result, f"user {user_id} told twice about {kind}"
        result[user_id] = params
    return result


def mail_with(smtp, subject: str) -> dict[str, str]:
    """recipient address -> plain text of the mails with this subject."""
    found: dict[str, str] = {}
    for message in smtp.inbox.messages:
        if message["Subject"] == subject:
            assert message["To"] not in found, f"{message['To']} got {subject!r} twice"
            found[message["To"]] = smtp.inbox.text(message)
    return found


# 8 -------------------------------------------------------------------------------------------


def test_a_rejection_tells_the_initiator_why_in_the_app_and_by_mail(
    app, smtp, client, api_token, login, invoice, people
):
    submit(client, api_token, invoice)
    decide(client, api_token("anna"), "reject", "We never ordered this service")
    assert told(app, "rejected") == {
        people["ivan"]: {"comment": "We never ordered this service", "by": people["anna"]}
    }
    bell = login("ivan").get("/notifications/").get_data(as_text=True)
    assert f"Invoice #{invoice} was rejected" in bell
    assert "Anna Tester" in bell and "We never ordered this service" in bell

    work_once(app)
    mails = mail_with(smtp, f"Invoice #{invoice} was rejected")
    assert list(mails) == ["ivan@example.com"]
    body = mails["ivan@example.com"]
    assert f"Anna Tester rejected invoice #{invoice}:" in body
    assert "We never ordered this service" in body
    assert f"http://127.0.0.1:5000/invoices/show/{invoice}" in body


# 9 -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("stage", "holders"),
    [
        ("approval", ["anna"]),
        ("second approval", ["boris"]),
        ("payment", ["fedor", "fiona"]),
    ],
)
def test_a_withdrawal_tells_everyone_who_had_an_open_task(
    app, smtp, client, api_token, invoice, people, stage, holders
):
    submit(client, api_token, invoice)
    if stage in ("second approval", "payment"):
        decide(client, api_token("anna"), "approve")
    if stage == "payment":
        decide(client, api_token("boris"), "approve")
    work_once(app)  # the task mail so far, out of the way
    smtp.inbox.messages.clear()

    withdrawn = client.post(
        f"/api/v1/invoices/{invoice}/withdraw",
        headers=api_token("ivan"),
        json={"reason": "The supplier sent a corrected invoice"},
    )
    assert withdrawn.status_code == 200, withdrawn.json
    assert withdrawn.json["result"]["status"] == "cancelled"
    notified = told(app, "withdrawn")
    assert sorted(notified) == sorted(people[name] for name in holders)
    assert all(p["reason"] == "The supplier sent a corrected invoice" for p in notified.values())

    work_once(app)
    mails = mail_with(smtp, f"Invoice #{invoice} was withdrawn")
    assert sorted(mails) == sorted(f"{name}@example.com" for name in holders)
    for body in mails.values():
        assert "The supplier sent a corrected invoice" in body
    assert {m["Subject"] for m in smtp.inbox.messages} == {f"Invoice #{invoice} was withdrawn"}
    for name in holders:
        assert client.get("/api/v1/tasks/mine", headers=api_token(name)).json["result"] == []


# 10 ------------------------------------------------------------------------------------------


def test_a_reassignment_tells_the_old_and_the_new_holder(
    app, smtp, client, api_token, login, invoice, people
):
    submit(client, api_token, invoice)
    guid = task_of(client, api_token("anna"))
    work_once(app)
    smtp.inbox.messages.clear()

    moved = login("adam").post(f"/tasks/{guid}/reassign", data={"user_id": people["olga"]})
    assert moved.status_code == 302
    notified = told(app, "reassigned")
    assert sorted(notified) == sorted([people["anna"], people["olga"]])
    assert all(p["to"] == people["olga"] for p in notified.values())
    with app.app_context():
        links = set(
            db.session.scalars(
                select(Notification.task_guid).where(Notification.kind == "reassigned")
            )
        )
        db.session.remove()
    assert links == {guid}

    work_once(app)
    subject = f"Task reassigned: Approval of invoice #{invoice}"
    mails = mail_with(smtp, subject)
    assert sorted(mails) == ["anna@example.com", "olga@example.com"]
    for body in mails.values():
        assert f"The task Approval of invoice #{invoice} was reassigned." in body
        assert f"http://127.0.0.1:5000/tasks/{guid}" in body
    assert {m["To"] for m in smtp.inbox.messages} == {"anna@example.com", "olga@example.com"}
    assert task_of(client, api_token("olga")) == guid
    assert client.get("/api/v1/tasks/mine", headers=api_token("anna")).json["result"] == []


# 11 ------------------------------------------------------------------------------------------


def test_without_a_mail_server_an_admin_reads_the_mail_folder_and_others_cannot(
    app, client, api_token, login, invoice, people, monkeypatch, tmp_path
):
    folder = tmp_path / "mail"
    monkeypatch.setitem(app.config, "MAIL_SERVER", "")
    monkeypatch.setitem(app.config, "MAIL_FOLDER", str(folder))
    submit(client, api_token, invoice)
    assert work_once(app)["sent"] == 1
    [written] = list(folder.glob("*.eml"))

    admin = login("adam")
    listing = admin.get("/dev-mail/")
    assert listing.status_code == 200
    assert written.name in listing.get_data(as_text=True)
    shown = admin.get(f"/dev-mail/{written.name}")
    assert shown.status_code == 200
    text = shown.get_data(as_text=True)
    heading = text.split('data-test="mail-subject">', 1)[1].split("<", 1)[0]
    assert heading == f"Approval of invoice #{invoice}" and "anna@example.com" in text
    assert admin.get("/dev-mail/not-there.eml").status_code == 404

    for name in ("ivan", "anna"):
        browser = login(name)
        for url in ("/dev-mail/", f"/dev-mail/{written.name}"):
            refused = browser.get(url)
            assert refused.status_code in (302, 403), (name, url, refused.status_code)
            assert written.name not in refused.get_data(as_text=True)
            # The message is not shown (the bell may still name the person's own task).
            assert 'data-test="mail-subject"' not in refused.get_data(as_text=True)
            if refused.status_code == 302:
                landed = browser.get(refused.headers["Location"]).get_data(as_text=True)
                assert written.name not in landed


def test_mail_of_a_full_round_lands_in_the_folder_one_file_per_message(
    app, client, api_token, invoice, people, monkeypatch, tmp_path
):
    folder = tmp_path / "mail"
    monkeypatch.setitem(app.config, "MAIL_SERVER", "")
    monkeypatch.setitem(app.config, "MAIL_FOLDER", str(folder))
    submit(client, api_token, invoice)
    decide(client, api_token("anna"), "approve")
    decide(client, api_token("boris"), "approve")
    paid = client.post(
        f"/api/v1/invoices/{invoice}/pay",
        headers=api_token("fedor"),
        data={"payment_order": (io.BytesIO(PDF), "o.pdf")},
        content_type="multipart/form-data",
    )
    assert paid.status_code == 200, paid.json
    work_once(app)
    texts = [path.read_text() for path in sorted(folder.glob("*.eml"))]
    # anna, boris, fedor and fiona (the payment task), ivan (paid)
    assert len(texts) == 5
    assert sum(f"Subject: Invoice #{invoice} is paid" in t for t in texts) == 1
    assert sum(f"Subject: Pay invoice #{invoice}" in t for t in texts) == 2
