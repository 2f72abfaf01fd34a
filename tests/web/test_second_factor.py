"""The TOTP second factor: set up from the profile with a real authenticator's codes (pyotp),
asked for after the password on the web and in the API, each code good once; required by role
where an admin says so; turned off or reset."""

from __future__ import annotations

import re
import threading
from datetime import UTC, datetime, timedelta

import pyotp
import pytest
import time_machine
from sqlalchemy import select, text

from app import roles
from app.extensions import db
from app.models import AuditEvent
from app.models.audit import SYSTEM_CHAIN
from app.models.user_security import RolePolicy, UserSecurity
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
    assert "The password or the code is wrong" in no_password.get_data(as_text=True)
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


# Tokens cannot skip the steps the web asks for.


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def tokens_of(app, username: str) -> dict:
    response = api_login(app, username, refresh=True)
    assert response.status_code == 200, response.json
    return response.json


def refresh(app, tokens: dict):
    return app.test_client().post(
        "/api/v1/security/refresh", headers=bearer(tokens["refresh_token"])
    )


def give_role(app, user_id: int, role_name: str) -> None:
    """As the Users screen, a command or a script would: through the ORM."""
    with app.app_context():
        sm = app.appbuilder.sm
        user = sm.get_user_by_id(user_id)
        user.roles.append(sm.find_role(role_name))
        db.session.commit()
        db.session.remove()


def test_a_role_requiring_a_second_factor_given_later_ends_the_users_tokens(app, make, people):
    require_for(browser(app, "adam"), app, roles.FINANCE_DIRECTOR)
    tokens = tokens_of(app, "ivan")  # an initiator needs none
    party = make.counterparty()

    give_role(app, people["ivan"], roles.FINANCE_DIRECTOR)

    assert refresh(app, tokens).status_code == 401
    changed = app.test_client().put(
        f"/api/v1/counterparty/{party}",
        json={"bank_account": "40702810900000000001", "bank_bic": "044525225"},
        headers=bearer(tokens["access_token"]),
    )
    assert changed.status_code == 401
    again = api_login(app, "ivan")
    assert again.status_code == 403 and "set it up on the web page first" in again.json["message"]
    sent = browser(app, "ivan").get(PAGE)
    assert sent.status_code == 302 and sent.location.endswith(SETUP)


@pytest.mark.parametrize("step", ["new password", "second factor"])
def test_a_token_is_refused_while_a_sign_in_step_is_due_whenever_it_was_issued(app, people, step):
    tokens = tokens_of(app, "fedor")
    with app.app_context():  # written straight into the database: no session was ended
        if step == "new password":
            db.session.add(
                UserSecurity(
                    user_id=people["fedor"], session_generation=1, must_change_password=True
                )
            )
        else:
            role = app.appbuilder.sm.find_role(roles.FINANCE_DIRECTOR)
            db.session.add(RolePolicy(role_id=role.id, second_factor_required=True))
        db.session.commit()
        db.session.remove()

    refused = app.test_client().get("/api/v1/tasks/mine", headers=bearer(tokens["access_token"]))

    assert refused.status_code == 403
    expected = {
        "new password": "Choose a new password first: sign in on the web page.",
        "second factor": "Your role requires a second factor: set it up on the web page first.",
    }
    assert refused.json == {"message": expected[step]}
    assert refresh(app, tokens).status_code == 403


def test_the_admin_requiring_a_second_factor_of_their_own_role_keeps_only_this_browser(app, people):
    admin, admins_laptop = browser(app, "adam"), browser(app, "adam")
    tokens = tokens_of(app, "adam")

    assert require_for(admin, app, roles.ADMIN).status_code == 302

    sent = admin.get(PAGE)
    assert sent.status_code == 302 and sent.location.endswith(SETUP)  # signed in, to set it up
    laptop = admins_laptop.get(PAGE)
    assert laptop.status_code == 302 and "/login/" in laptop.location
    assert (
        app.test_client().get("/api/v1/tasks/mine", headers=bearer(tokens["access_token"]))
    ).status_code == 401
    assert refresh(app, tokens).status_code == 401
    set_up(admin)
    assert signed_in(admin)


# The key shown when setting up is the browser's own.


def key_on(client) -> str:
    return SECRET.search(client.get(SETUP).get_data(as_text=True)).group(1).replace(" ", "")


def test_a_key_seen_on_another_browser_before_set_up_opens_nothing(app, people, clock):
    attacker = browser(app, "ivan")  # someone who has ivan's password
    planted = key_on(attacker)

    ivan = browser(app, "ivan")
    seen = key_on(ivan)
    assert seen != planted
    assert ivan.post(SETUP + "confirm", data={"code": pyotp.TOTP(seen).now()}).status_code == 302
    clock.shift(STEP)

    _thief, stolen = sign_in_with_code(app, "ivan", pyotp.TOTP(planted).now())
    assert stolen.status_code == 200
    assert "The code is wrong or was already used" in stolen.get_data(as_text=True)
    late = attacker.post(SETUP + "confirm", data={"code": pyotp.TOTP(planted).now()})
    assert late.status_code == 302 and late.location.endswith(SETUP)  # already set up
    client, signed = sign_in_with_code(app, "ivan", pyotp.TOTP(seen).now())
    assert signed.status_code == 302 and signed_in(client)


def test_no_key_is_kept_in_the_database_before_it_is_confirmed(app, people, clock):
    ivan = browser(app, "ivan")
    key = key_on(ivan)
    assert key_on(ivan) == key  # a reload shows the same one

    with app.app_context():
        row = db.session.get(UserSecurity, people["ivan"])
        assert row is None or row.totp_secret is None
        db.session.remove()
    assert ivan.post(SETUP + "confirm", data={"code": pyotp.TOTP(key).now()}).status_code == 302
    assert is_set_up(app, people["ivan"])


def is_set_up(app, user_id: int) -> bool:
    with app.app_context():
        row = db.session.get(UserSecurity, user_id)
        answer = bool(row and row.totp_secret and row.totp_enrolled_at)
        db.session.remove()
    return answer


def test_a_password_change_forgets_a_key_never_confirmed(app, people):
    attacker = browser(app, "ivan")
    planted = key_on(attacker)
    with app.app_context():  # a key left unconfirmed in the database, as set-up once kept it
        db.session.add(
            UserSecurity(
                user_id=people["ivan"],
                session_generation=1,
                must_change_password=False,
                totp_secret=planted,
            )
        )
        db.session.commit()
        db.session.remove()
    ivan = browser(app, "ivan")
    new = "Zq8!long-new-pass"

    changed = ivan.post(
        "/resetmypassword/form",
        data={"current_password": PASSWORD, "password": new, "conf_password": new},
    )

    assert changed.status_code == 302
    with app.app_context():
        assert db.session.get(UserSecurity, people["ivan"]).totp_secret is None
        db.session.remove()
    assert planted not in ivan.get(SETUP).get_data(as_text=True)
    assert attacker.get(SETUP).status_code == 302  # signed out with the change


# One code, one sign-in: even when requests bring it at the same moment.


@pytest.mark.parametrize("attempt", range(3))
def test_one_code_sent_by_several_browsers_at_once_signs_in_one(app, people, clock, attempt):
    totp = set_up(browser(app, "ivan"))
    clock.shift(STEP)
    browsers = []
    for _ in range(6):
        client, response = password_step(app, "ivan")
        assert response.location.endswith(CODE_PAGE)
        browsers.append(client)
    code = totp.now()
    barrier = threading.Barrier(len(browsers))
    answers = []

    def send(client):
        barrier.wait()
        response = client.post(CODE_PAGE, data={"code": code})
        answers.append((response.status_code, response.headers.get("Location", "")))

    threads = [threading.Thread(target=send, args=(client,)) for client in browsers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    signed = [a for a in answers if a[0] == 302 and CODE_PAGE not in a[1]]
    assert len(signed) == 1, answers
    # The others were told the code was used; SQLite may answer 503 when its lock outlasts
    # the busy timeout.
    assert all(status in (200, 302, 503) for status, _location in answers), answers
    assert sum(signed_in(client) for client in browsers) == 1


# Guessing codes.


def wrong_code(totp) -> str:
    """A code of no step near now."""
    near = {totp.at(datetime.now(UTC) + STEP * k) for k in (-1, 0, 1)}
    return next(c for c in ("000000", "111111", "222222", "333333") if c not in near)


def test_wrong_codes_count_against_the_user_however_the_name_was_typed(
    app, people, clock, monkeypatch
):
    monkeypatch.setitem(app.config, "SECOND_FACTOR_MAX_FAILURES", 100)  # the limiter alone
    totp = set_up(browser(app, "ivan"))
    clock.shift(STEP)
    by_name, _response = password_step(app, "ivan")
    by_mail, response = password_step(app, "ivan@example.com")
    assert response.location.endswith(CODE_PAGE)
    answers = []
    for number, client in enumerate([by_name] * 10 + [by_mail] * 10):
        client.environ_base["REMOTE_ADDR"] = f"192.0.2.{number + 1}"
        answers.append(client.post(CODE_PAGE, data={"code": wrong_code(totp)}).status_code)

    assert answers == [200] * 10 + [429] * 10


def test_ten_wrong_codes_in_a_row_lock_the_second_factor_and_tell_the_user(
    app, people, clock, smtp
):
    totp = set_up(browser(app, "ivan"))
    clock.shift(STEP)
    client, _response = password_step(app, "ivan")
    for attempt in range(9):
        client.environ_base["REMOTE_ADDR"] = f"192.0.2.{attempt + 1}"
        assert client.post(CODE_PAGE, data={"code": wrong_code(totp)}).status_code == 200
    tenth = client.post(CODE_PAGE, data={"code": wrong_code(totp)})
    assert tenth.status_code == 429
    assert "the second factor is locked" in tenth.get_data(as_text=True)

    clock.shift(timedelta(seconds=61))  # past the per-minute limit of failed logins
    right = client.post(CODE_PAGE, data={"code": totp.now()})
    assert right.status_code == 429 and int(right.headers["Retry-After"]) > 60
    assert "the second factor is locked" in right.get_data(as_text=True)
    assert not signed_in(client)
    assert api_login(app, "ivan", totp=totp.now()).status_code == 429
    assert "second_factor_locked" in system_actions(app)
    work_once(app)
    [mail] = [m for m in smtp.inbox.to("ivan@example.com") if "failed" in m["Subject"]]
    assert mail["Subject"] == "Someone failed the second factor of your account"
    assert (
        "Someone entered your password correctly but failed the second factor 10 times"
        in smtp.inbox.text(mail)
    )

    clock.shift(timedelta(minutes=15))  # the lockout is over: a right code opens and clears it
    later, accepted = sign_in_with_code(app, "ivan", totp.now())
    assert accepted.status_code == 302 and signed_in(later)
    assert failures_of(app, people["ivan"]) == (0, None)


def failures_of(app, user_id: int):
    with app.app_context():
        row = db.session.get(UserSecurity, user_id)
        answer = (row.totp_failures, row.totp_locked_until)
        db.session.remove()
    return answer


def test_an_admins_reset_clears_a_lockout(app, people, clock):
    totp = set_up(browser(app, "ivan"))
    with app.app_context():
        db.session.execute(
            text(
                "UPDATE user_security SET totp_failures = 10, totp_locked_until = :until "
                "WHERE user_id = :id"
            ),
            {"until": datetime(2100, 1, 1), "id": people["ivan"]},
        )
        db.session.commit()
        db.session.remove()
    clock.shift(STEP)
    assert sign_in_with_code(app, "ivan", totp.now())[1].status_code == 429

    admin = browser(app, "adam")
    assert admin.post(f"/users/action/resetsecondfactor/{people['ivan']}").status_code == 302

    assert failures_of(app, people["ivan"]) == (0, None)
    assert signed_in(browser(app, "ivan"))  # no factor now: set it up again if wanted


def test_the_turn_off_form_gives_one_answer_for_a_wrong_password_or_code_and_counts_them(
    app, people, clock
):
    ivan = browser(app, "ivan")
    totp = set_up(ivan)
    clock.shift(STEP)
    wrong_password = ivan.post(SETUP + "disable", data={"password": "guess", "code": totp.now()})
    wrong = ivan.post(SETUP + "disable", data={"password": PASSWORD, "code": wrong_code(totp)})
    assert wrong_password.status_code == wrong.status_code == 422
    assert (
        alerts(wrong_password)
        == alerts(wrong)
        == ["The password or the code is wrong (each code is good once)."]
    )
    for attempt in range(8):
        ivan.post(SETUP + "disable", data={"password": f"guess{attempt}", "code": totp.now()})

    refused = ivan.post(SETUP + "disable", data={"password": PASSWORD, "code": totp.now()})

    assert refused.status_code == 429 and "Retry-After" in refused.headers
    assert is_set_up(app, people["ivan"])
    elsewhere = app.test_client().post(
        "/login/",
        data={"username": "ivan", "password": PASSWORD},
        environ_base={"REMOTE_ADDR": "203.0.113.9"},
    )
    assert elsewhere.status_code == 429  # the same budget as the login form's


def alerts(response) -> list[str]:
    return re.findall(
        r'<div class="alert alert-danger">([^<]+)</div>', response.get_data(as_text=True)
    )
