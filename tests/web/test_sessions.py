"""Sessions and tokens end when they must: at sign-out, on deactivation, when idle or too old,
in every browser and for every token of the user at once."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from flask import session
from sqlalchemy import select

from app import roles
from app.extensions import db
from app.models.user import Group
from app.services.user_sessions import end_sessions
from app.web.sessions import SEEN_KEY, adopt_generation
from config import ProductionConfig
from tests.factories import PASSWORD

PAGE = "/invoices/list/"
API = "/api/v1/tasks/mine"
LOGOUT = "/logout/"
SIGNED_OUT = "You have been signed out; please sign in again."
EXPIRED = "Your session has expired; please sign in again."
CSRF_FIELD = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


@pytest.fixture
def people(make):
    return {
        "ivan": make.user("ivan", roles.INITIATOR),
        "olga": make.user("olga", roles.INITIATOR),
        "root": make.user("root", roles.ADMIN),
    }


@pytest.fixture
def clock():
    with time_machine.travel(datetime.now(UTC).replace(microsecond=0), tick=False) as traveller:
        yield traveller


def browser(app, username: str | None = None):
    """A browser of its own (a test client with its own cookies), signed in if a name is given."""
    client = app.test_client()
    if username is not None:
        response = client.post("/login/", data={"username": username, "password": PASSWORD})
        assert response.status_code == 302 and "/login/" not in response.location
    return client


def signed_in(client) -> bool:
    response = client.get(PAGE)
    assert response.status_code in (200, 302)
    return response.status_code == 200


def refused_with(client, message: str) -> bool:
    """The browser is sent to the login page, which says why."""
    response = client.get(PAGE)
    assert response.status_code == 302 and "/login/" in response.location
    return message in client.get(response.location).get_data(as_text=True)


def tokens(app, username: str) -> dict:
    response = app.test_client().post(
        "/api/v1/security/login",
        json={"username": username, "password": PASSWORD, "provider": "db", "refresh": True},
    )
    assert response.status_code == 200, response.json
    return response.json


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def api_status(app, token: str) -> int:
    return app.test_client().get(API, headers=bearer(token)).status_code


def refresh(app, refresh_token: str):
    return app.test_client().post("/api/v1/security/refresh", headers=bearer(refresh_token))


def session_cookie(app, client) -> str:
    return client.get_cookie(app.config["SESSION_COOKIE_NAME"]).value


def copy_of(app, client):
    """Another browser holding a copy of this one's session cookie."""
    thief = app.test_client()
    thief.set_cookie(app.config["SESSION_COOKIE_NAME"], session_cookie(app, client))
    return thief


def csrf_token(client, url: str) -> str:
    match = CSRF_FIELD.search(client.get(url).get_data(as_text=True))
    assert match, f"no CSRF token on {url}"
    return match.group(1)


def form_login(client, username: str):
    """Signing in on the login form, with its CSRF token, as a browser does."""
    token = csrf_token(client, "/login/")
    response = client.post(
        "/login/", data={"username": username, "password": PASSWORD, "csrf_token": token}
    )
    assert response.status_code == 302 and "/login/" not in response.location
    return token


def sign_out(client) -> None:
    """The menu's Sign out: a POST with the page's CSRF token."""
    response = client.post(LOGOUT, data={"csrf_token": csrf_token(client, LOGOUT)})
    assert response.status_code == 302


def mark_all_read(client, token: str) -> int:
    return client.post("/notifications/read-all", data={"csrf_token": token}).status_code


# Signing out.


def test_a_cookie_copied_before_logout_is_refused_afterwards(app, people):
    ivan = browser(app, "ivan")
    copy = copy_of(app, ivan)
    assert signed_in(copy)

    sign_out(ivan)

    assert refused_with(copy, SIGNED_OUT)
    assert not signed_in(copy)  # the refusal emptied the copy's session too
    assert not signed_in(ivan)


def test_logout_ends_the_users_sessions_in_every_browser_and_no_one_elses(app, people):
    office, laptop, olga = browser(app, "ivan"), browser(app, "ivan"), browser(app, "olga")

    sign_out(office)

    assert refused_with(laptop, SIGNED_OUT)
    assert signed_in(olga)
    assert signed_in(browser(app, "ivan"))  # signing in again works at once


def test_tokens_issued_before_logout_stop_working_refresh_tokens_too(app, people):
    before = tokens(app, "ivan")
    assert api_status(app, before["access_token"]) == 200
    assert refresh(app, before["refresh_token"]).status_code == 200

    sign_out(browser(app, "ivan"))

    refused = app.test_client().get(API, headers=bearer(before["access_token"]))
    assert refused.status_code == 401
    assert refused.json == {"message": SIGNED_OUT}
    assert refresh(app, before["refresh_token"]).status_code == 401
    after = tokens(app, "ivan")
    assert api_status(app, after["access_token"]) == 200
    assert refresh(app, after["refresh_token"]).status_code == 200


def test_a_token_made_from_a_refresh_token_ends_with_the_sign_in_too(app, people):
    renewed = refresh(app, tokens(app, "ivan")["refresh_token"]).json["access_token"]
    assert api_status(app, renewed) == 200

    sign_out(browser(app, "ivan"))

    assert api_status(app, renewed) == 401


def test_a_link_to_logout_from_another_site_signs_no_one_out(app, people, csrf_on):
    phone, laptop = app.test_client(), app.test_client()
    for client in (phone, laptop):
        form_login(client, "ivan")
    tokens_before = tokens(app, "ivan")

    # Followed from another site's page: SameSite=Lax sends the cookie with a top-level GET.
    asked = laptop.get(LOGOUT, headers={"Referer": "https://evil.example/"})

    assert asked.status_code == 200
    assert 'data-test="sign-out-page"' in asked.get_data(as_text=True)
    assert signed_in(phone) and signed_in(laptop)
    assert api_status(app, tokens_before["access_token"]) == 200


def test_a_sign_out_posted_without_the_pages_csrf_token_is_refused(app, people, csrf_on):
    ivan = app.test_client()
    form_login(ivan, "ivan")

    assert ivan.post(LOGOUT).status_code == 400
    assert ivan.post(LOGOUT, data={"csrf_token": "forged"}).status_code == 400

    assert signed_in(ivan)


def test_the_menu_signs_out_with_a_form_that_ends_the_session_and_its_copies(app, people, csrf_on):
    ivan = app.test_client()
    form_login(ivan, "ivan")
    copy = copy_of(app, ivan)
    page = ivan.get("/notifications/").get_data(as_text=True)
    menu = re.search(
        r'<form method="post" action="/logout/" data-test="sign-out-form">.*?</form>', page, re.S
    )
    assert menu and 'href="/logout/"' not in page

    response = ivan.post(LOGOUT, data={"csrf_token": CSRF_FIELD.search(menu.group(0)).group(1)})

    assert response.status_code == 302
    assert not signed_in(ivan)
    assert refused_with(copy, SIGNED_OUT)


# CSRF tokens and session fixation.


@pytest.fixture
def csrf_on(app, monkeypatch):
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)


def test_a_csrf_token_from_before_logout_is_refused_after_signing_in_again(app, people, csrf_on):
    client = app.test_client()
    form_login(client, "ivan")
    old = csrf_token(client, "/notifications/")
    assert mark_all_read(client, old) == 302  # good while the session lasts

    sign_out(client)
    form_login(client, "ivan")

    assert mark_all_read(client, old) == 400
    assert mark_all_read(client, csrf_token(client, "/notifications/")) == 302


def test_a_csrf_token_of_one_user_is_refused_for_the_next_on_the_same_browser(app, people, csrf_on):
    client = app.test_client()
    form_login(client, "ivan")
    ivans = csrf_token(client, "/notifications/")
    sign_out(client)

    form_login(client, "olga")

    assert mark_all_read(client, ivans) == 400


def test_signing_in_starts_a_new_session_the_login_pages_token_is_not_carried_over(
    app, people, csrf_on
):
    client = app.test_client()
    login_page_token = form_login(client, "ivan")

    assert mark_all_read(client, login_page_token) == 400


# Deactivation.


def save_user(app, admin, user_id: int, username: str, *, active: bool, role_names=None):
    with app.app_context():
        sm = app.appbuilder.sm
        if role_names is None:
            role_ids = [r.id for r in sm.get_user_by_id(user_id).roles]
        else:
            role_ids = [sm.find_role(name).id for name in role_names]
        db.session.remove()
    data = {
        "first_name": username.title(),
        "last_name": "Tester",
        "username": username,
        "email": f"{username}@example.com",
        "roles": [str(pk) for pk in role_ids],
    }
    if active:
        data["active"] = "y"
    response = admin.post(f"/users/edit/{user_id}", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]


def test_deactivating_a_user_ends_their_sessions_and_tokens_at_once(app, people):
    ivan, ivans_tokens, admin = browser(app, "ivan"), tokens(app, "ivan"), browser(app, "root")

    save_user(app, admin, people["ivan"], "ivan", active=False)

    assert refused_with(ivan, SIGNED_OUT)
    assert api_status(app, ivans_tokens["access_token"]) == 401
    assert refresh(app, ivans_tokens["refresh_token"]).status_code == 401


def test_a_user_deactivated_any_other_way_loses_their_sessions_too(app, people):
    copy = copy_of(app, browser(app, "ivan"))
    with app.app_context():  # as a command or a script would
        user = app.appbuilder.sm.get_user_by_id(people["ivan"])
        user.active = False
        db.session.commit()
        user.active = True
        db.session.commit()
        db.session.remove()

    assert refused_with(copy, SIGNED_OUT)


def test_reactivating_a_user_does_not_bring_back_their_old_sessions(app, people):
    ivan, ivans_tokens, admin = browser(app, "ivan"), tokens(app, "ivan"), browser(app, "root")
    copy = copy_of(app, ivan)
    save_user(app, admin, people["ivan"], "ivan", active=False)

    save_user(app, admin, people["ivan"], "ivan", active=True)

    assert refused_with(copy, SIGNED_OUT)
    assert api_status(app, ivans_tokens["access_token"]) == 401
    assert signed_in(browser(app, "ivan"))


def test_editing_an_active_user_keeps_their_sessions(app, people):
    ivan, admin = browser(app, "ivan"), browser(app, "root")

    save_user(app, admin, people["ivan"], "ivan", active=True)

    assert signed_in(ivan)


@pytest.mark.parametrize(
    "role_names",
    [[roles.INITIATOR, roles.APPROVER], [roles.APPROVER]],
    ids=["role granted", "role replaced"],
)
def test_changing_a_users_roles_ends_their_sessions_and_tokens(app, people, role_names):
    ivan, ivans_tokens, admin = browser(app, "ivan"), tokens(app, "ivan"), browser(app, "root")

    save_user(app, admin, people["ivan"], "ivan", active=True, role_names=role_names)

    assert refused_with(ivan, SIGNED_OUT)
    assert api_status(app, ivans_tokens["access_token"]) == 401
    assert refresh(app, ivans_tokens["refresh_token"]).status_code == 401
    assert signed_in(browser(app, "ivan"))  # signing in again gets the new rights
    assert signed_in(admin)


def test_joining_a_group_or_a_group_gaining_a_role_ends_the_members_sessions(app, people):
    ivan, olga = browser(app, "ivan"), browser(app, "olga")
    with app.app_context():
        sm = app.appbuilder.sm
        group = Group(name="Treasury")
        db.session.add(group)
        group.users.append(sm.get_user_by_id(people["ivan"]))
        db.session.commit()
        db.session.remove()
    assert refused_with(ivan, SIGNED_OUT)
    assert signed_in(olga)
    ivan = browser(app, "ivan")

    with app.app_context():
        sm = app.appbuilder.sm
        group = db.session.scalars(select(Group).where(Group.name == "Treasury")).one()
        group.roles.append(sm.find_role(roles.FINANCE_DIRECTOR))
        db.session.commit()
        db.session.remove()

    assert refused_with(ivan, SIGNED_OUT)
    assert signed_in(olga)


# Idle and absolute limits.


def test_a_session_idle_longer_than_the_limit_is_signed_out(app, people, clock):
    ivan = browser(app, "ivan")
    for _ in range(3):  # in use every 29 minutes: still signed in after more than an hour
        clock.shift(timedelta(minutes=29))
        assert signed_in(ivan)

    clock.shift(timedelta(minutes=31))

    assert refused_with(ivan, EXPIRED)
    assert signed_in(browser(app, "ivan"))


def test_the_reason_is_given_in_the_readers_language(app, people, clock):
    ivan = browser(app, "ivan")
    ivan.get("/lang/ru")

    clock.shift(timedelta(minutes=31))

    assert refused_with(ivan, "Срок сеанса истёк; войдите снова.")


def test_the_idle_limit_comes_from_the_settings(app, people, clock, monkeypatch):
    monkeypatch.setitem(app.config, "SESSION_IDLE_MINUTES", 5)
    ivan = browser(app, "ivan")

    clock.shift(timedelta(minutes=6))

    assert refused_with(ivan, EXPIRED)


def test_a_session_in_use_ends_at_the_absolute_limit(app, people, clock):
    ivan = browser(app, "ivan")
    for _ in range(28):  # every 25 minutes for 11 h 40 min
        clock.shift(timedelta(minutes=25))
        assert signed_in(ivan)

    clock.shift(timedelta(minutes=25))  # 12 h 5 min after signing in

    assert refused_with(ivan, EXPIRED)


def last_seen(client):
    with client.session_transaction() as stored:
        return stored[SEEN_KEY]


def test_the_last_seen_stamp_is_rewritten_at_most_once_a_minute(app, people, clock):
    ivan = browser(app, "ivan")
    signed_in_at = last_seen(ivan)
    clock.shift(timedelta(seconds=59))
    assert signed_in(ivan)
    assert last_seen(ivan) == signed_in_at

    clock.shift(timedelta(seconds=1))
    assert signed_in(ivan)

    assert last_seen(ivan) == signed_in_at + 60


def test_api_tokens_end_at_the_absolute_limit_even_when_renewed(app, people, clock):
    signed_in_tokens = tokens(app, "ivan")
    clock.shift(timedelta(hours=11, minutes=55))
    renewed = refresh(app, signed_in_tokens["refresh_token"]).json["access_token"]
    assert api_status(app, renewed) == 200

    clock.shift(timedelta(minutes=10))  # the renewed token is 10 minutes old

    refused = app.test_client().get(API, headers=bearer(renewed))
    assert refused.status_code == 401
    assert refused.json == {"message": EXPIRED}
    assert refresh(app, signed_in_tokens["refresh_token"]).status_code == 401


# Cookies.


def test_the_session_cookie_is_http_only_and_same_site_lax(app, people):
    response = app.test_client().post("/login/", data={"username": "ivan", "password": PASSWORD})

    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie
    assert "Secure" not in cookie  # development and tests run over plain HTTP


def test_in_production_the_session_cookie_is_sent_over_https_only(app, people, monkeypatch):
    assert ProductionConfig.SESSION_COOKIE_SECURE is True
    monkeypatch.setitem(app.config, "SESSION_COOKIE_SECURE", ProductionConfig.SESSION_COOKIE_SECURE)

    response = app.test_client().post("/login/", data={"username": "ivan", "password": PASSWORD})

    cookie = response.headers["Set-Cookie"]
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie


# A request that ends its own user's sessions (a password change) may keep its browser.


def test_adopting_the_new_generation_keeps_this_browser_and_no_other(app, people):
    this, other = browser(app, "ivan"), browser(app, "ivan")
    name = app.config["SESSION_COOKIE_NAME"]
    cookie = session_cookie(app, this)

    with app.test_request_context(PAGE, headers={"Cookie": f"{name}={cookie}"}):
        generation = end_sessions(db.session, people["ivan"])
        db.session.commit()
        adopt_generation(generation)
        response = app.make_response("")
        app.session_interface.save_session(app, session, response)
        db.session.remove()
    this.set_cookie(name, response.headers["Set-Cookie"].split(";")[0].split("=", 1)[1])

    assert signed_in(this)
    assert refused_with(other, SIGNED_OUT)


def test_a_page_read_again_sends_no_new_cookie_and_a_new_page_joins_the_back_history(
    app, people, clock
):
    client = browser(app, "ivan")
    first = client.get(PAGE)
    assert first.status_code == 200
    again = client.get(PAGE)
    assert again.status_code == 200
    assert "Set-Cookie" not in again.headers  # nothing changed: the session is not re-sent
    other = client.get(PAGE + "?page_InvoiceView=1")
    assert "session=" in other.headers.get("Set-Cookie", "")
    with client.session_transaction() as kept:
        assert [url.rsplit("/invoices", 1)[-1] for url in kept["page_history"]][-2:] == [
            "/list/",
            "/list/?page_InvoiceView=1",
        ]
