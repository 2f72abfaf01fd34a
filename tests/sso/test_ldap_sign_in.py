"""Staff sign in with their directory account (OpenLDAP here, Active Directory alike): the
roles come from their groups and follow them at every sign-in."""

from __future__ import annotations

import itertools
import re
from datetime import UTC, datetime, timedelta

import pyotp
import time_machine

from app import roles
from app.extensions import db

_people = itertools.count(1)
PUBLIC = "Public"  # SSO_REGISTRATION_ROLE
SECRET = re.compile(r'data-test="secret">([A-Z2-7 ]+)<')


def _person(directory, *groups, password="directory-pass-1"):
    uid = f"person{next(_people)}"
    directory.add_person(uid, password, "Olga", "Ivanova", groups)
    return uid


def _sign_in(client, username, password="directory-pass-1"):
    return client.post("/login/", data={"username": username, "password": password})


def _user(app, username):
    with app.app_context():
        user = app.appbuilder.sm.find_user(username=username)
        found = None
        if user is not None:
            found = {
                "roles": sorted(role.name for role in user.roles),
                "email": user.email,
                "name": f"{user.first_name} {user.last_name}",
                "active": user.active,
            }
        db.session.remove()
        return found


def test_the_login_page_asks_for_the_company_account(ldap_client):
    page = ldap_client.get("/login/")
    assert page.status_code == 200
    assert b'data-test="ldap-login"' in page.data
    assert b"company account" in page.data


def test_a_person_signs_in_with_the_directory_password_and_gets_the_roles_of_their_groups(
    ldap_app, ldap_client, directory
):
    uid = _person(directory, "approvers")
    response = _sign_in(ldap_client, uid)
    assert response.status_code == 302
    assert "/login/" not in response.headers["Location"]
    assert _user(ldap_app, uid) == {
        "roles": [roles.APPROVER, PUBLIC],  # Public: what every SSO user gets, no rights
        "email": f"{uid}@example.org",
        "name": "Olga Ivanova",
        "active": True,
    }
    assert ldap_client.get("/tasks/").status_code == 200  # My tasks: an approver's page


def test_a_group_change_in_the_directory_applies_at_the_next_sign_in(
    ldap_app, ldap_client, directory
):
    uid = _person(directory, "buyers")
    _sign_in(ldap_client, uid)
    assert _user(ldap_app, uid)["roles"] == [roles.INITIATOR, PUBLIC]
    directory.remove_from_group("buyers", uid)
    directory.add_to_group("finance", uid)
    ldap_client.post("/logout/")
    _sign_in(ldap_client, uid)
    assert _user(ldap_app, uid)["roles"] == [roles.APPROVER, roles.FINANCE_DIRECTOR, PUBLIC]


def test_a_wrong_password_is_refused_and_counted_until_the_login_waits(ldap_client, directory):
    uid = _person(directory, "approvers")
    for _attempt in range(3):  # LOGIN_FAILURES_PER_MINUTE=3 in this app
        refused = _sign_in(ldap_client, uid, "not-the-password")
        assert refused.status_code == 302 and "/login/" in refused.headers["Location"]
    waiting = _sign_in(ldap_client, uid)  # even the right password waits now
    assert waiting.status_code == 429
    assert int(waiting.headers["Retry-After"]) > 0
    assert "Too many failed logins" in waiting.get_data(as_text=True)


def test_someone_removed_from_the_directory_cannot_sign_in_any_more(
    ldap_app, ldap_client, directory
):
    uid = _person(directory, "approvers")
    assert _sign_in(ldap_client, uid).status_code == 302
    ldap_client.post("/logout/")
    directory.remove_person(uid)
    refused = _sign_in(ldap_client, uid)
    assert "/login/" in refused.headers["Location"]
    assert ldap_client.get("/tasks/").status_code in (302, 401)
    assert _user(ldap_app, uid)["active"]  # still there: their audit events keep their actor


def test_a_deactivated_user_cannot_sign_in_with_the_directory_password(
    ldap_app, ldap_client, directory
):
    uid = _person(directory, "approvers")
    _sign_in(ldap_client, uid)
    ldap_client.post("/logout/")
    with ldap_app.app_context():
        sm = ldap_app.appbuilder.sm
        user = sm.find_user(username=uid)
        user.active = False
        sm.update_user(user)
        db.session.remove()
    refused = _sign_in(ldap_client, uid)
    assert "/login/" in refused.headers["Location"]


def test_a_directory_sign_in_starts_a_fresh_session_stamped_with_the_generation(
    ldap_client, directory
):
    uid = _person(directory, "approvers")
    with ldap_client.session_transaction() as before:
        before["planted"] = "by someone before the sign-in"
    _sign_in(ldap_client, uid)
    with ldap_client.session_transaction() as after:
        assert "planted" not in after
        assert isinstance(after.get("_generation"), int) and after.get("_signed_in_at")


def test_a_directory_user_with_a_second_factor_gives_a_code_after_the_password(
    ldap_client, directory
):
    uid = _person(directory, "approvers")
    now = datetime.now(UTC).replace(microsecond=0)
    with time_machine.travel(now - timedelta(seconds=now.second % 30), tick=False) as clock:
        _sign_in(ldap_client, uid)
        page = ldap_client.get("/account/second-factor/").get_data(as_text=True)
        totp = pyotp.TOTP(SECRET.search(page).group(1).replace(" ", ""))
        confirm = ldap_client.post("/account/second-factor/confirm", data={"code": totp.now()})
        assert confirm.status_code == 302
        ldap_client.post("/logout/")
        clock.shift(timedelta(seconds=30))  # a code is good once: the next one

        asked = _sign_in(ldap_client, uid)
        assert asked.headers["Location"].endswith("/sign-in/code")
        assert ldap_client.get("/tasks/").status_code != 200
        assert ldap_client.post("/sign-in/code", data={"code": totp.now()}).status_code == 302
        assert ldap_client.get("/tasks/").status_code == 200
