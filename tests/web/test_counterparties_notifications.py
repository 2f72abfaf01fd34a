"""A new counterparty, and a change of a counterparty's details, are audited with the values,
and every active finance director is told in the app and by mail."""

import pytest
from sqlalchemy import text

from app import roles
from app.extensions import db
from app.models import AuditEvent, Notification, UserPreference
from app.worker import work_once

OLD_ACCOUNT = "40702810938000000001"
NEW_ACCOUNT = "40702810238000000002"


@pytest.fixture
def people(make):
    return {
        "adam": make.user("adam", roles.ADMIN),
        "fedor": make.user("fedor", roles.FINANCE_DIRECTOR),
        "fiona": make.user("fiona", roles.FINANCE_DIRECTOR),
        "gone": make.user("gone", roles.FINANCE_DIRECTOR, active=False),
        "ivan": make.user("ivan", roles.INITIATOR),
    }


def add_party(client, api_token) -> int:
    response = client.post(
        "/api/v1/counterparty/",
        json={
            "name": "Volga Trade",
            "country": "RU",
            "tax_id": "7707083893",
            "bank_name": "Sberbank",
            "bank_bic": "044525225",
            "bank_account": OLD_ACCOUNT,
        },
        headers=api_token("ivan"),
    )
    assert response.status_code == 201, response.json
    return response.json["id"]


@pytest.fixture
def party(app, client, api_token, people):
    """A counterparty added some time ago: the news of it was delivered and read then."""
    party = add_party(client, api_token)
    with app.app_context():
        db.session.execute(text("DELETE FROM outbox"))
        db.session.execute(text("DELETE FROM notification"))
        db.session.commit()
        db.session.remove()
    return party


def test_a_new_counterparty_is_mailed_to_every_active_finance_director_with_its_details(
    app, smtp, login, client, api_token, people
):
    party = add_party(client, api_token)

    work_once(app)
    assert sorted(to for [to] in smtp.inbox.recipients) == [
        "fedor@example.com",
        "fiona@example.com",
    ]
    [mail] = smtp.inbox.to("fiona@example.com")
    assert mail["Subject"] == "New counterparty: Volga Trade"
    body = smtp.inbox.text(mail)
    assert "Ivan Tester added the counterparty Volga Trade with these details:" in body
    assert f"Account number: {OLD_ACCOUNT}" in body and "BIC: 044525225" in body
    assert f"http://127.0.0.1:5000/counterparties/show/{party}" in body
    assert OLD_ACCOUNT in mail.get_body(("html",)).get_content()
    page = login("fedor").get("/notifications/").get_data(as_text=True)
    assert "New counterparty: Volga Trade" in page


def change_account(login, party):
    response = login("adam").post(
        f"/counterparties/edit/{party}",
        data={
            "name": "Volga Trade",
            "country": "RU",
            "tax_id": "7707083893",
            "bank_name": "Sberbank",
            "bank_bic": "044525225",
            "bank_account": NEW_ACCOUNT,
        },
    )
    assert response.status_code == 302


def test_a_new_bank_account_is_audited_with_old_and_new_values_and_who(app, login, party, people):
    change_account(login, party)
    with app.app_context():
        event = db.session.query(AuditEvent).filter_by(action="counterparty_updated").one()
        recorded = (event.chain, event.actor_id, event.details)
        db.session.remove()
    assert recorded == (
        "system",
        people["adam"],
        {
            "counterparty_id": party,
            "changes": {"bank_account": {"old": OLD_ACCOUNT, "new": NEW_ACCOUNT}},
        },
    )


def test_every_active_finance_director_gets_a_mail_with_old_and_new_values_and_who(
    app, smtp, login, party, people
):
    change_account(login, party)
    work_once(app)
    assert sorted(to for [to] in smtp.inbox.recipients) == [
        "fedor@example.com",
        "fiona@example.com",
    ]
    [mail] = smtp.inbox.to("fedor@example.com")
    assert mail["Subject"] == "Bank details of Volga Trade changed"
    text = smtp.inbox.text(mail)
    assert "Adam Tester changed the bank details of Volga Trade" in text
    assert f"Account number: {OLD_ACCOUNT} -> {NEW_ACCOUNT}" in text
    assert f"http://127.0.0.1:5000/counterparties/show/{party}" in text
    html = mail.get_body(("html",)).get_content()
    assert OLD_ACCOUNT in html and NEW_ACCOUNT in html


def test_finance_directors_see_the_change_in_the_app(app, login, party, people):
    change_account(login, party)
    page = login("fiona").get("/notifications/").get_data(as_text=True)
    assert "Bank details of Volga Trade changed" in page
    assert f"{OLD_ACCOUNT} &rarr; {NEW_ACCOUNT}" in page
    with app.app_context():
        told = {n.user_id for n in db.session.query(Notification)}
        [notification] = db.session.query(Notification).filter_by(user_id=people["fiona"])
        db.session.remove()
    assert told == {people["fedor"], people["fiona"]}
    opened = login("fiona").post(f"/notifications/{notification.id}/open")
    assert opened.headers["Location"].endswith(f"/counterparties/show/{party}")


def test_the_mail_cannot_be_turned_off(app, smtp, login, party, people):
    login("fedor").post("/notifications/preferences", data={"email_on": []})
    with app.app_context():
        assert db.session.get(UserPreference, people["fedor"]) is not None
        db.session.remove()
    change_account(login, party)
    work_once(app)
    assert len(smtp.inbox.to("fedor@example.com")) == 1


def test_a_rename_tells_them_too_and_a_save_that_changes_nothing_tells_no_one(
    app, smtp, client, api_token, party, people
):
    unchanged = client.put(
        f"/api/v1/counterparty/{party}", json={"name": "Volga Trade"}, headers=api_token("fedor")
    )
    assert unchanged.status_code == 200
    renamed = client.put(
        f"/api/v1/counterparty/{party}", json={"name": "Volga Trading"}, headers=api_token("fedor")
    )
    assert renamed.status_code == 200
    work_once(app)
    [mail] = smtp.inbox.to("fiona@example.com")
    assert mail["Subject"] == "Bank details of Volga Trading changed"
    assert "Name: Volga Trade -> Volga Trading" in smtp.inbox.text(mail)
    with app.app_context():
        updates = db.session.query(AuditEvent).filter_by(action="counterparty_updated").count()
        db.session.remove()
    assert updates == 1
