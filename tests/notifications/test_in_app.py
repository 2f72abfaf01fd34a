"""The bell: unread count on every page, the list, mark one or all read, e-mail preferences."""

import pytest

from app import roles
from app.extensions import db
from app.models import Notification, UserPreference


@pytest.fixture
def submitted(make, client, api_token):
    ivan = make.user("ivan", roles.INITIATOR)
    anna = make.user("anna", roles.APPROVER)
    invoice = make.invoice(ivan, make.counterparty(), approvers=[anna])
    client.post(f"/api/v1/invoices/{invoice}/submit", headers=api_token("ivan"))
    return invoice, anna


def test_the_bell_counts_unread_and_the_list_links_to_the_task(app, login, submitted):
    invoice, anna = submitted
    client = login("anna")
    page = client.get("/invoices/list/").get_data(as_text=True)
    assert '<span class="badge" data-test="unread-count">1</span>' in page
    listing = client.get("/notifications/").get_data(as_text=True)
    assert f"Approval of invoice #{invoice}" in listing
    with app.app_context():
        item = db.session.query(Notification).filter_by(user_id=anna).one()
        item_id, guid = item.id, item.task_guid
    opened = client.post(f"/notifications/{item_id}/open")
    assert opened.headers["Location"].endswith(f"/tasks/{guid}")
    assert 'data-test="unread-count"' not in client.get("/invoices/list/").get_data(as_text=True)


def test_mark_all_read(app, login, submitted):
    _invoice, anna = submitted
    client = login("anna")
    client.post("/notifications/read-all")
    with app.app_context():
        assert db.session.query(Notification).filter_by(user_id=anna, read_at=None).count() == 0


def test_someone_elses_notification_cannot_be_opened(app, login, submitted, make):
    _invoice, anna = submitted
    make.user("olga", roles.APPROVER)
    with app.app_context():
        item_id = db.session.query(Notification.id).filter_by(user_id=anna).scalar()
    assert login("olga").post(f"/notifications/{item_id}/open").status_code == 404


def test_preferences_turn_mail_off_per_kind(app, login, make):
    anna = make.user("anna", roles.APPROVER)
    client = login("anna")
    assert "A new task for me" in client.get("/notifications/preferences").get_data(as_text=True)
    client.post(
        "/notifications/preferences", data={"email_on": ["returned", "paid"], "language": "ru"}
    )
    with app.app_context():
        preference = db.session.get(UserPreference, anna)
        assert "task_assigned" in preference.email_off and "paid" not in preference.email_off
        assert preference.language == "ru"
