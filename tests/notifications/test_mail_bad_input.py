"""Bad addresses, servers that refuse, huge bodies: clear outcomes, nothing lost elsewhere."""

from datetime import timedelta

import pytest

from app import roles
from app.extensions import db
from app.models import OutboxMessage, OutboxStatus
from app.models.base import utcnow
from app.worker import work_once


@pytest.fixture
def people(make, app):
    ids = {
        "ivan": make.user("ivan", roles.INITIATOR),
        "anna": make.user("anna", roles.APPROVER),
        "adam": make.user("adam", roles.ADMIN),
        "fedor": make.user("fedor", roles.FINANCE_DIRECTOR),
        "fiona": make.user("fiona", roles.FINANCE_DIRECTOR),
    }
    return ids


def outbox(app) -> dict[str, tuple[str, int, str | None]]:
    with app.app_context():
        rows = {
            m.to_address: (m.status, m.attempts, m.last_error)
            for m in db.session.query(OutboxMessage)
        }
        db.session.remove()
        return rows


def test_an_invalid_address_fails_at_once_for_admins_and_the_others_get_their_mail(
    app, smtp, make, people, client, api_token, login
):
    with app.app_context():
        fiona = app.appbuilder.sm.get_user_by_id(people["fiona"])
        fiona.email = "fiona at finance"
        db.session.commit()
    invoice = make.invoice(people["ivan"], make.counterparty(), approvers=[people["anna"]])
    client.post(f"/api/v1/invoices/{invoice}/submit", headers=api_token("ivan"))
    task = client.get("/api/v1/tasks/mine", headers=api_token("anna")).json["result"][0]["id"]
    client.post(
        f"/api/v1/tasks/{task}/decision", headers=api_token("anna"), json={"decision": "approve"}
    )
    work_once(app)
    rows = outbox(app)
    assert rows["fiona at finance"][0] == OutboxStatus.FAILED
    assert "invalid address" in rows["fiona at finance"][2]
    assert len(smtp.inbox.to("fedor@example.com")) == 1
    assert "fiona at finance" in login("adam").get("/outbox/list/").get_data(as_text=True)


def test_a_temporary_refusal_is_retried_and_a_permanent_one_is_not(
    app, smtp, make, people, client, api_token
):
    smtp.inbox.answers = ["451 4.3.0 Try again later", "550 5.1.1 Mailbox unavailable"]
    invoice = make.invoice(people["ivan"], make.counterparty(), approvers=[people["anna"]])
    client.post(f"/api/v1/invoices/{invoice}/submit", headers=api_token("ivan"))
    now = utcnow()
    work_once(app, now=now)
    status, attempts, error = outbox(app)["anna@example.com"]
    assert (status, attempts) == (OutboxStatus.PENDING, 1) and "451" in error
    work_once(app, now=now + timedelta(minutes=2))
    status, attempts, error = outbox(app)["anna@example.com"]
    assert (status, attempts) == (OutboxStatus.FAILED, 2) and "550" in error
    work_once(app, now=now + timedelta(days=1))
    assert outbox(app)["anna@example.com"][1] == 2  # a permanent refusal is not retried
    assert smtp.inbox.messages == []


def test_a_ten_megabyte_message_body_is_refused_cleanly(
    app, make, people, login, client, api_token
):
    invoice = make.invoice(people["ivan"], make.counterparty(), approvers=[people["anna"]])
    huge = "x" * (10 * 1024 * 1024)
    form = login("ivan").post(f"/discussion/{invoice}/post", data={"text": huge})
    assert form.status_code in (413, 422)  # too large for the form, or for a message
    api = client.post(
        f"/api/v1/discussion/{invoice}/messages", headers=api_token("ivan"), json={"text": huge}
    )
    assert api.status_code == 422
    assert "at most 5000 characters" in str(api.json["message"])
    with app.app_context():
        from app.models.discussion import DiscussionMessage

        assert db.session.query(DiscussionMessage).count() == 0
