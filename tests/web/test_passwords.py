"""Passwords: the rules, one's own change, an admin's forced reset or new password; each ends the
user's other sessions at once, is audited and mailed."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app import roles
from app.extensions import db
from app.models import AuditEvent
from app.models.audit import SYSTEM_CHAIN
from app.models.user_security import UserSecurity
from app.worker import work_once
from tests.factories import PASSWORD

CHANGE = "/resetmypassword/form"
PAGE = "/invoices/list/"
NEW = "a-long-new-passphrase"


@pytest.fixture
def people(make):
    return {
        "ivan": make.user("ivan", roles.INITIATOR),
        "adam": make.user("adam", roles.ADMIN),
    }


def browser(app, username: str, password: str = PASSWORD):
    """A browser of its own, signed in."""
    client = app.test_client()
    response = client.post("/login/", data={"username": username, "password": password})
    assert response.status_code == 302 and "/login/" not in response.location
    return client


def can_sign_in(app, username: str, password: str) -> bool:
    response = app.test_client().post("/login/", data={"username": username, "password": password})
    return "/login/" not in response.location


def signed_in(client) -> bool:
    return client.get(PAGE).status_code == 200


def change(client, new: str, current: str = PASSWORD, confirm: str | None = None):
    return client.post(
        CHANGE,
        data={"current_password": current, "password": new, "conf_password": confirm or new},
    )


def system_events(app, action: str) -> list[AuditEvent]:
    with app.app_context():
        events = list(
            db.session.scalars(
                select(AuditEvent).where(
                    AuditEvent.chain == SYSTEM_CHAIN, AuditEvent.action == action
                )
            )
        )
        db.session.remove()
        return events


def must_change(app, user_id: int) -> bool:
    with app.app_context():
        row = db.session.get(UserSecurity, user_id)
        answer = bool(row and row.must_change_password)
        db.session.remove()
        return answer


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("short-pass1", "Use at least 12 characters."),
        ("my-IVAN-passphrase", "The password must not contain the user name."),
        ("Qwerty123456", "This password is too common: choose another."),
        ("x" * 129, "Use at most 128 characters."),
    ],
)
def test_each_password_rule_refuses_with_its_message(app, people, password, message):
    ivan = browser(app, "ivan")

    response = change(ivan, password)

    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert can_sign_in(app, "ivan", PASSWORD)


def test_a_password_equal_to_a_short_user_name_is_refused_but_may_contain_it(app, make):
    make.user("al", roles.INITIATOR)
    al = browser(app, "al")

    assert change(al, "AL", confirm="AL").status_code == 422
    assert change(al, "always-a-long-passphrase").status_code == 302


def test_a_list_of_common_passwords_from_a_file_adds_to_the_built_in_one(
    app, people, tmp_path, monkeypatch
):
    listed = tmp_path / "common.txt"
    listed.write_text("correct horse battery staple\n", encoding="utf-8")
    monkeypatch.setitem(app.config, "PASSWORD_COMMON_LIST_FILE", str(listed))
    ivan = browser(app, "ivan")

    response = change(ivan, "Correct Horse Battery Staple")

    assert response.status_code == 422
    assert "This password is too common" in response.get_data(as_text=True)


def test_the_minimum_length_is_a_setting(app, people, monkeypatch):
    monkeypatch.setitem(app.config, "PASSWORD_MIN_LENGTH", 24)
    ivan = browser(app, "ivan")

    response = change(ivan, NEW)

    assert response.status_code == 422
    assert "Use at least 24 characters." in response.get_data(as_text=True)


def test_changing_the_password_needs_the_current_one(app, people):
    ivan = browser(app, "ivan")

    response = change(ivan, NEW, current="not-my-password")

    assert response.status_code == 422
    assert "The current password is wrong." in response.get_data(as_text=True)
    assert can_sign_in(app, "ivan", PASSWORD)
    assert not can_sign_in(app, "ivan", NEW)


def test_the_new_password_must_be_confirmed(app, people):
    ivan = browser(app, "ivan")

    response = change(ivan, NEW, confirm=NEW + "!")

    assert "Passwords must match" in response.get_data(as_text=True)
    assert can_sign_in(app, "ivan", PASSWORD)


def test_a_change_signs_out_every_other_browser_and_keeps_this_one(app, people):
    mine, other = browser(app, "ivan"), browser(app, "ivan")

    response = change(mine, NEW)

    assert response.status_code == 302
    assert signed_in(mine)
    refused = other.get(PAGE)
    assert refused.status_code == 302 and "/login/" in refused.location
    assert not can_sign_in(app, "ivan", PASSWORD)
    assert can_sign_in(app, "ivan", NEW)


def test_a_change_ends_the_users_api_tokens(app, people, api_token):
    headers = api_token("ivan")
    assert app.test_client().get("/api/v1/tasks/mine", headers=headers).status_code == 200

    change(browser(app, "ivan"), NEW)

    assert app.test_client().get("/api/v1/tasks/mine", headers=headers).status_code == 401


def test_a_change_is_audited_and_mailed_to_the_user(app, people, smtp):
    change(browser(app, "ivan"), NEW)

    [event] = system_events(app, "password_changed")
    assert event.actor_id == people["ivan"] and event.details == {"user_id": people["ivan"]}
    work_once(app)
    [mail] = smtp.inbox.to("ivan@example.com")
    assert mail["Subject"] == "Your password was changed"
    assert "every other session was signed out" in smtp.inbox.text(mail)


def test_an_admin_forces_a_reset_the_user_is_signed_out_and_must_choose_a_new_password(app, people):
    ivan_browser = browser(app, "ivan")
    admin = browser(app, "adam")

    response = admin.post(f"/users/action/forcepasswordreset/{people['ivan']}")

    assert response.status_code == 302
    assert not signed_in(ivan_browser)
    assert must_change(app, people["ivan"])
    [event] = system_events(app, "password_reset_forced")
    assert event.actor_id == people["adam"] and event.details["user_id"] == people["ivan"]

    # At the next sign-in every page leads to the new-password form, until it is chosen.
    ivan = browser(app, "ivan")
    for page in (PAGE, "/tasks/", "/users/userinfo/"):
        sent = ivan.get(page)
        assert sent.status_code == 302 and sent.location.endswith(CHANGE)
    assert ivan.get(CHANGE).status_code == 200
    assert change(ivan, NEW).status_code == 302
    assert signed_in(ivan)
    assert not must_change(app, people["ivan"])


def test_the_api_refuses_a_user_who_must_choose_a_new_password(app, people):
    admin = browser(app, "adam")
    admin.post(f"/users/action/forcepasswordreset/{people['ivan']}")

    response = app.test_client().post(
        "/api/v1/security/login",
        json={"username": "ivan", "password": PASSWORD, "provider": "db"},
    )

    assert response.status_code == 403
    assert response.json["message"] == "Choose a new password first: sign in on the web page."
    assert "access_token" not in response.json


def test_only_an_admin_may_force_a_reset(app, people, make):
    make.user("olga", roles.INITIATOR)
    olga = browser(app, "olga")

    olga.post(f"/users/action/forcepasswordreset/{people['ivan']}")

    assert not must_change(app, people["ivan"])
    assert system_events(app, "password_reset_forced") == []


def test_an_admin_sets_a_password_the_user_is_signed_out_and_chooses_their_own(app, people, smtp):
    ivan_browser = browser(app, "ivan")
    admin = browser(app, "adam")

    response = admin.post(
        f"/resetpassword/form?pk={people['ivan']}",
        data={"password": "set-by-the-admin-1", "conf_password": "set-by-the-admin-1"},
    )

    assert response.status_code == 302
    assert not signed_in(ivan_browser)
    assert must_change(app, people["ivan"])
    ivan = browser(app, "ivan", "set-by-the-admin-1")
    assert ivan.get(PAGE).location.endswith(CHANGE)
    [event] = system_events(app, "password_set_by_admin")
    assert event.actor_id == people["adam"]
    work_once(app)
    [mail] = smtp.inbox.to("ivan@example.com")
    assert "Adam Tester set a new password for your account" in smtp.inbox.text(mail)


def test_an_admin_set_password_follows_the_rules_too(app, people):
    admin = browser(app, "adam")

    response = admin.post(
        f"/resetpassword/form?pk={people['ivan']}",
        data={"password": "ivan-is-my-name", "conf_password": "ivan-is-my-name"},
    )

    assert response.status_code == 422
    assert "must not contain the user name" in response.get_data(as_text=True)
    assert can_sign_in(app, "ivan", PASSWORD)


def test_a_password_for_no_user_is_a_404(app, people):
    admin = browser(app, "adam")

    response = admin.post(
        "/resetpassword/form?pk=999999",
        data={"password": "set-by-the-admin-1", "conf_password": "set-by-the-admin-1"},
    )

    assert response.status_code == 404


def new_user_form(role_id: int, password: str) -> dict:
    return {
        "first_name": "Lena",
        "last_name": "Lawyer",
        "username": "lena",
        "email": "lena@example.com",
        "active": "y",
        "roles": [role_id],
        "password": password,
        "conf_password": password,
    }


def test_a_new_user_on_the_users_screen_gets_a_password_that_follows_the_rules(app, people):
    with app.app_context():
        role_id = app.appbuilder.sm.find_role(roles.APPROVER).id
    admin = browser(app, "adam")

    refused = admin.post("/users/add", data=new_user_form(role_id, "lena-passphrase-2024"))
    assert "must not contain the user name" in refused.get_data(as_text=True)
    assert not can_sign_in(app, "lena", "lena-passphrase-2024")

    admin.post("/users/add", data=new_user_form(role_id, "first-passphrase-2024"))
    lena = browser(app, "lena", "first-passphrase-2024")
    assert lena.get(PAGE).location.endswith(CHANGE)  # the admin knows this one
    assert change(lena, NEW, current="first-passphrase-2024").status_code == 302
    assert signed_in(lena)


def test_the_command_line_sets_a_password_under_the_same_rules(app, people):
    from app.cli_users import user_group

    runner = app.test_cli_runner()
    refused = runner.invoke(
        user_group, ["set-password", "--username", "ivan", "--password", "qwerty123456"]
    )
    assert refused.exit_code != 0 and "too common" in refused.output

    done = runner.invoke(
        user_group, ["set-password", "--username", "ivan", "--keep", "--password", NEW]
    )
    assert done.exit_code == 0, done.output
    assert can_sign_in(app, "ivan", NEW)
    assert not must_change(app, people["ivan"])


def test_the_command_line_creates_a_user_under_the_same_rules(app, people):
    from app.cli_users import user_group

    runner = app.test_cli_runner()
    base = ["create", "--username", "petr", "--first-name", "Petr", "--last-name", "P"]
    base += ["--email", "petr@example.com", "--role", roles.APPROVER]

    refused = runner.invoke(user_group, [*base, "--password", "short"])
    assert refused.exit_code != 0 and "Use at least 12 characters." in refused.output
    done = runner.invoke(user_group, [*base, "--password", NEW])
    assert done.exit_code == 0, done.output
    assert can_sign_in(app, "petr", NEW)


def test_wrong_current_passwords_count_as_failed_logins_of_the_user(app, people):
    ivan = browser(app, "ivan")
    for attempt in range(10):
        assert change(ivan, NEW, current=f"guess-{attempt}").status_code == 422

    refused = change(ivan, NEW)

    assert refused.status_code == 429
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    assert "Too many failed logins" in refused.get_data(as_text=True)
    assert not system_events(app, "password_changed")
    elsewhere = app.test_client().post(
        "/login/",
        data={"username": "ivan", "password": PASSWORD},
        environ_base={"REMOTE_ADDR": "203.0.113.9"},
    )
    assert elsewhere.status_code == 429  # the same budget as the login form's


# The users screen's actions: one user each, never an error inside the framework.


def test_a_one_user_action_sent_from_the_list_acts_on_the_one_user_chosen(app, people):
    admin = browser(app, "adam")

    response = admin.post(
        "/users/action_post", data={"action": "forcepasswordreset", "rowid": [people["ivan"]]}
    )

    assert response.status_code == 302
    assert must_change(app, people["ivan"])


@pytest.mark.parametrize("action", ["forcepasswordreset", "resetsecondfactor", "resetpasswords"])
def test_a_one_user_action_sent_for_several_users_or_none_is_refused(app, people, action):
    admin = browser(app, "adam")

    several = admin.post(
        "/users/action_post", data={"action": action, "rowid": [people["ivan"], people["adam"]]}
    )
    none = admin.post("/users/action_post", data={"action": action})

    for response in (several, none):
        assert response.status_code == 400
        assert "Choose one user for this action." in response.get_data(as_text=True)
    assert not must_change(app, people["ivan"]) and not must_change(app, people["adam"])


@pytest.mark.parametrize(
    "url",
    [
        "/users/action/nosuch/1",
        "/users/action/forcepasswordreset/999999",
        "/users/action/resetpasswords/999999",
        "/users/action/resetsecondfactor/x",
    ],
)
def test_an_unknown_action_or_user_is_a_404(app, people, url):
    admin = browser(app, "adam")

    assert admin.post(url).status_code == 404
    assert admin.post("/users/action_post", data={"action": "nosuch"}).status_code == 404
    assert (
        admin.post(
            "/users/action_post", data={"action": "forcepasswordreset", "rowid": ["999999"]}
        ).status_code
        == 404
    )
