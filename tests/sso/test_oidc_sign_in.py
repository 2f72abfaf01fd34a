"""Staff sign in through an OpenID Connect provider (Keycloak, Azure AD, Google): a real provider
process, a real HTTP client following its redirects to the app served on localhost; the roles
come from the provider's groups claim and follow it at every sign-in."""

from __future__ import annotations

import itertools

import requests

from app import roles
from app.extensions import db
from tests.factories import PASSWORD, Factories
from tests.sso.apps import BREAK_GLASS
from tests.sso.apps import through_the_provider as _through_the_provider

PUBLIC = "Public"  # SSO_REGISTRATION_ROLE
_people = itertools.count(1)


def _user(app, username):
    with app.app_context():
        user = app.appbuilder.sm.find_user(username=username)
        found = None if user is None else (sorted(r.name for r in user.roles), user.email)
        db.session.remove()
        return found


def _person(provider, *groups):
    number = next(_people)
    sub, username = f"sub-{number}", f"pavel{number}"
    provider.set_person(sub, username, groups)
    return sub, username


def test_the_login_page_offers_the_company_account(oidc_site):
    page = requests.get(f"{oidc_site}/login/", timeout=10)
    assert page.status_code == 200
    assert 'data-test="sign-in-oidc"' in page.text
    assert "Sign in with your company account" in page.text


def test_a_person_signs_in_through_the_provider_and_gets_the_roles_of_their_groups(
    oidc_app, oidc_site, provider
):
    sub, username = _person(provider, "approvers", "unknown-group")
    browser, landed = _through_the_provider(oidc_site, provider, sub)
    assert landed.status_code == 200
    assert landed.url.startswith(oidc_site) and "/login" not in landed.url
    assert _user(oidc_app, username) == (
        [roles.APPROVER, PUBLIC],
        f"{username}@example.org",
    )
    assert browser.get(f"{oidc_site}/tasks/", timeout=10, allow_redirects=False).status_code == 200


def test_the_page_asked_for_is_where_the_sign_in_ends(oidc_site, provider):
    sub, _username = _person(provider, "buyers")
    _browser, landed = _through_the_provider(
        oidc_site, provider, sub, path="/login/oidc?next=/invoices/list/"
    )
    assert landed.url == f"{oidc_site}/invoices/list/"


def test_a_group_change_at_the_provider_applies_at_the_next_sign_in(oidc_app, oidc_site, provider):
    sub, username = _person(provider, "buyers")
    browser, _landed = _through_the_provider(oidc_site, provider, sub)
    assert _user(oidc_app, username)[0] == [roles.INITIATOR, PUBLIC]
    provider.set_person(sub, username, ["finance"])
    page = browser.get(f"{oidc_site}/logout/", timeout=10).text
    csrf = page.split('name="csrf_token" value="')[1].split('"')[0]
    browser.post(f"{oidc_site}/logout/", data={"csrf_token": csrf}, timeout=10)
    _through_the_provider(oidc_site, provider, sub, browser=browser)
    assert _user(oidc_app, username)[0] == [roles.FINANCE_DIRECTOR, PUBLIC]


def test_a_deactivated_user_cannot_sign_in_through_the_provider(oidc_app, oidc_site, provider):
    sub, username = _person(provider, "approvers")
    _through_the_provider(oidc_site, provider, sub)
    with oidc_app.app_context():
        sm = oidc_app.appbuilder.sm
        user = sm.find_user(username=username)
        user.active = False
        sm.update_user(user)
        db.session.remove()
    browser, landed = _through_the_provider(oidc_site, provider, sub)
    assert landed.url.startswith(f"{oidc_site}/login/")
    assert "Invalid login" in landed.text
    assert browser.get(f"{oidc_site}/tasks/", timeout=10, allow_redirects=False).status_code != 200


def test_a_provider_naming_the_break_glass_user_is_refused(oidc_app, oidc_site, provider):
    Factories(oidc_app).user(BREAK_GLASS, roles.ADMIN)
    provider.set_person("sub-rescue", BREAK_GLASS, ["finance"])
    _browser, landed = _through_the_provider(oidc_site, provider, "sub-rescue")
    assert landed.url.startswith(f"{oidc_site}/login/")
    assert _user(oidc_app, BREAK_GLASS)[0] == [roles.ADMIN]  # untouched by the provider


def test_the_break_glass_admin_signs_in_locally_while_everyone_uses_the_provider(
    oidc_app, oidc_site
):
    Factories(oidc_app).user(BREAK_GLASS, roles.ADMIN)
    browser = requests.Session()
    assert 'data-test="local-login"' in browser.get(f"{oidc_site}/login/local/", timeout=10).text
    landed = browser.post(
        f"{oidc_site}/login/local/",
        data={"username": BREAK_GLASS, "password": PASSWORD},  # the test apps check no CSRF
        timeout=10,
    )
    assert landed.status_code == 200 and "/login" not in landed.url
    assert browser.get(f"{oidc_site}/users/list/", timeout=10).status_code == 200


def test_an_answer_to_a_sign_in_not_started_here_is_refused(oidc_site):
    landed = requests.get(f"{oidc_site}/oauth-authorized/oidc?code=forged&state=forged", timeout=10)
    assert landed.url.startswith(f"{oidc_site}/login/")
    assert "not started here" in landed.text


def test_an_unknown_provider_is_not_found(oidc_site):
    assert requests.get(f"{oidc_site}/login/github", timeout=10).status_code == 404
