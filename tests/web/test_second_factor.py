"""The TOTP second factor: set up from the profile with a real authenticator's codes (pyotp),
asked for after the password on the web and in the API, each code good once; required by role
where an admin says so; turned off or reset."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pyotp
import pytest
import time_machine
from sqlalchemy import select, text

from app import roles
from app.extensions import db
from app.models import AuditEvent
from app.models.audit import SYSTEM_CHAIN
from app.worker import work_once
from tests.factories import PASSWORD

SETUP = "/account/second-factor/"
CODE_PAGE = "/sign-in/code"
PAGE = "/invoices/list/"
STEP = timedelta(seconds=30)
SECRET = re.compile(r'data-test="secret">([A-Z2-7 ]+)<')


@pytest.fixture
def clock():
    """Stopped at the start of a 30-second step: a code stays the current one until moved."""
    now = datetime.now(UTC).replace(microsecond=0)
    start = now - timedelta(seconds=now.second % 30)
    with time_machine.travel(start, tick=False) as traveller:
        yield traveller


@pytest.fixture
def people(make):
    return {
        "ivan": make.user("ivan", roles.INITIATOR),
        "fedor": make.user("fedor", roles.FINANCE_DIRECTOR),
        "adam": make.user("adam", roles.ADMIN),
    }


def password_step(app, username: str, password: str = PASSWORD):
    client = app.test_client()
    response = client.post("/login/", data={"username": username, "password": password})
    return client, response


def browser(app, username: str):
    client, response = password_step(app, username)
    assert response.status_code == 302 and "/login/" not in response.location
    return client


def signed_in(client) -> bool:
    return client.get(PAGE).status_code == 200


def set_up(client) -> pyotp.TOTP:
    """Open the set-up page, read the key as a person would type it into an app, confirm."""
    page = client.get(SETUP).get_data(as_text=True)
    totp = pyotp.TOTP(SECRET.search(page).group(1).replace(" ", ""))
    response = client.post(SETUP + "confirm", data={"code": totp.now()})
    assert response.status_code == 302, response.get_data(as_text=True)
    return totp


def sign_in_with_code(app, username: str, code: str):
    client, response = password_step(app, username)
    assert response.location.endswith(CODE_PAGE)
    return client, client.post(CODE_PAGE, data={"code": code})


def system_actions(app) -> list[str]:
    with app.app_context():
        actions = list(
            db.session.scalars(
                select(AuditEvent.action)
                .where(AuditEvent.chain == SYSTEM_CHAIN)
                .order_by(AuditEvent.sequence)
            )
        )
        db.session.remove()
        return actions


def api_login(app, username: str, **extra):
    body = {"username": username, "password": PASSWORD, "provider": "db", **extra}
    return app.test_client().post("/api/v1/security/login", json=body)


def require_for(admin, app, *role_names: str):
    with app.app_context():
        ids = [str(app.appbuilder.sm.find_role(name).id) for name in role_names]
    return admin.post("/sign-in-rules/", data={"second_factor": ids})


@pytest.fixture(autouse=True)
def _no_role_requires_it(app):
    yield
    with app.app_context():
        db.session.execute(db.text("DELETE FROM role_policy"))
        db.session.commit()
        db.session.remove()


def test_setting_up_shows_a_key_and_a_qr_code_and_needs_a_first_code(app, people, clock, smtp):
    ivan = browser(app, "ivan")
    page = ivan.get(SETUP).get_data(as_text=True)
    assert "<svg" in page and 'data-test="qr"' in page
    key = SECRET.search(page).group(1)
    assert ivan.get(SETUP).get_data(as_text=True).count(key) == 1  # a reload keeps the key

    wrong = ivan.post(SETUP + "confirm", data={"code": "000000"})
    assert wrong.status_code == 422
    assert "The code is wrong or was already used" in wrong.get_data(as_text=True)

    set_up(ivan)
    assert 'data-test="second-factor-on"' in ivan.get(SETUP).get_data(as_text=True)
    assert system_actions(app)[-1] == "second_factor_enrolled"
    work_once(app)
    [mail] = smtp.inbox.to("ivan@example.com")
    assert mail["Subject"] == "Your second factor was changed"


def test_the_key_is_sealed_in_the_database(app, people, clock):
    totp = set_up(browser(app, "ivan"))
    with app.app_context():
        stored = db.session.execute(
            text("SELECT totp_secret FROM user_security WHERE user_id = :id"),
            {"id": people["ivan"]},
        ).scalar_one()
    assert totp.secret not in stored and len(stored) > 100  # a Fernet token, not the key
    clock.shift(STEP)
    client, response = sign_in_with_code(app, "ivan", totp.now())  # and it still opens
    assert response.status_code == 302 and signed_in(client)


def test_after_the_password_a_code_is_needed_before_the_session_is_signed_in(app, people, clock):
    totp = set_up(browser(app, "ivan"))
    clock.shift(STEP)

    client, response = password_step(app, "ivan")

    assert response.location.endswith(CODE_PAGE)
    assert not signed_in(client)
    assert client.get(CODE_PAGE).status_code == 200
    done = client.post(CODE_PAGE, data={"code": totp.now()})
    assert done.status_code == 302
    assert signed_in(client)


def test_a_wrong_code_is_refused_and_a_used_one_is_not_accepted_again(app, people, clock):
    totp = set_up(browser(app, "ivan"))
    clock.shift(STEP)
    code = totp.now()

    wrong_client, wrong = sign_in_with_code(app, "ivan", "123456" if code != "123456" else "654321")
    assert wrong.status_code == 200
    assert "The code is wrong or was already used" in wrong.get_data(as_text=True)
    assert not signed_in(wrong_client)

    first, accepted = sign_in_with_code(app, "ivan", code)
    assert accepted.status_code == 302 and signed_in(first)
    replayed_client, replayed = sign_in_with_code(app, "ivan", code)
    assert "already used" in replayed.get_data(as_text=True)
    assert not signed_in(replayed_client)

    clock.shift(STEP)  # the app shows the next code
    later, accepted_later = sign_in_with_code(app, "ivan", totp.now())
    assert accepted_later.status_code == 302 and signed_in(later)


def test_a_code_of_the_step_before_is_still_accepted_but_not_two_steps_old(app, people, clock):
    totp = set_up(browser(app, "ivan"))
    clock.shift(STEP)
    previous = totp.now()
    clock.shift(STEP)
    _client, accepted = sign_in_with_code(app, "ivan", previous)
    assert accepted.status_code == 302

    old = totp.now()
    clock.shift(STEP * 2)
    _client, refused = sign_in_with_code(app, "ivan", old)
    assert "already used" in refused.get_data(as_text=True)


def test_the_code_page_expires_five_minutes_after_the_password(app, people, clock):
    totp = set_up(browser(app, "ivan"))
    clock.shift(STEP)
    client, _response = password_step(app, "ivan")

    clock.shift(timedelta(minutes=5, seconds=1))
    response = client.post(CODE_PAGE, data={"code": totp.now()}, follow_redirects=True)

    assert "Your sign-in has expired" in response.get_data(as_text=True)
    assert not signed_in(client)


def test_wrong_codes_count_as_failed_logins(app, people, clock):
    totp = set_up(browser(app, "ivan"))
    clock.shift(STEP)
    client, _response = password_step(app, "ivan")
    for _ in range(10):
        client.post(CODE_PAGE, data={"code": "000000" if totp.now() != "000000" else "111111"})

    response = client.post(CODE_PAGE, data={"code": totp.now()})

    assert response.status_code == 429
    assert "Too many failed logins" in response.get_data(as_text=True)
    assert not signed_in(client)


def test_a_role_that_requires_a_second_factor_sends_its_holders_to_set_it_up_first(
    app, people, clock
):
    fedor_before = browser(app, "fedor")
    admin = browser(app, "adam")

    saved = require_for(admin, app, roles.FINANCE_DIRECTOR)

    assert saved.status_code == 302
    assert "sign_in_rules_changed" in system_actions(app)
    assert not signed_in(fedor_before)  # signed out at once, to set it up
    assert signed_in(admin)  # the admin has no such role
    fedor = browser(app, "fedor")
    for page in (PAGE, "/tasks/", "/users/userinfo/"):
        sent = fedor.get(page)
        assert sent.status_code == 302 and sent.location.endswith(SETUP)
    assert "Your role requires a second factor" in fedor.get(SETUP).get_data(as_text=True)
    set_up(fedor)
    assert signed_in(fedor)

    clock.shift(STEP)
    turned_off = fedor.post(SETUP + "disable", data={"password": PASSWORD, "code": "000000"})
    assert turned_off.status_code == 403
    assert "cannot be turned off" in turned_off.get_data(as_text=True)


def test_the_sign_in_rules_screen_is_for_admins(app, people):
    ivan = browser(app, "ivan")

    assert ivan.get("/sign-in-rules/").status_code == 403
    assert require_for(ivan, app, roles.INITIATOR).status_code == 403
    admin = browser(app, "adam")
    assert signed_in(ivan)
    assert "Sign-in rules" in admin.get("/sign-in-rules/").get_data(as_text=True)


def test_turning_it_off_needs_the_password_and_a_code(app, people, clock):
    ivan = browser(app, "ivan")
    totp = set_up(ivan)
    clock.shift(STEP)

    no_password = ivan.post(SETUP + "disable", data={"password": "wrong", "code": totp.now()})
    assert no_password.status_code == 422
    assert "The password is wrong." in no_password.get_data(as_text=True)
    done = ivan.post(SETUP + "disable", data={"password": PASSWORD, "code": totp.now()})
    assert done.status_code == 302

    _client, response = password_step(app, "ivan")
    assert not response.location.endswith(CODE_PAGE)
    assert system_actions(app)[-1] == "second_factor_disabled"


def test_an_admin_resets_a_lost_second_factor_and_the_user_is_signed_out(app, people, clock):
    ivan = browser(app, "ivan")
    set_up(ivan)
    admin = browser(app, "adam")

    response = admin.post(f"/users/action/resetsecondfactor/{people['ivan']}")

    assert response.status_code == 302
    assert not signed_in(ivan)
    _client, again = password_step(app, "ivan")
    assert not again.location.endswith(CODE_PAGE)
    assert system_actions(app)[-1] == "second_factor_reset"


def test_api_login_of_a_user_with_a_second_factor_needs_the_code_as_totp(app, people, clock):
    totp = set_up(browser(app, "ivan"))
    clock.shift(STEP)

    missing = api_login(app, "ivan")
    assert missing.status_code == 401
    assert missing.json["message"] == "This account has a second factor: send its code as totp."
    wrong = api_login(app, "ivan", totp="000000" if totp.now() != "000000" else "111111")
    assert wrong.status_code == 401
    assert wrong.json["message"] == "The totp code is wrong or was already used."
    done = api_login(app, "ivan", totp=totp.now())
    assert done.status_code == 200 and "access_token" in done.json
    replayed = api_login(app, "ivan", totp=totp.now())
    assert replayed.status_code == 401


def test_api_login_without_a_second_factor_is_as_before(app, people):
    response = api_login(app, "ivan")

    assert response.status_code == 200 and "access_token" in response.json


def test_api_login_of_a_user_whose_role_requires_one_not_set_up_is_refused(app, people):
    require_for(browser(app, "adam"), app, roles.FINANCE_DIRECTOR)

    response = api_login(app, "fedor")

    assert response.status_code == 403
    assert "set it up on the web page first" in response.json["message"]
