"""Signing out of InvoiceFlow after an OpenID Connect sign-in also signs out at the provider
(RP-initiated logout: its end_session_endpoint, with the ID token as the hint), which sends
the browser back to the login page. Turned off by a setting, or for a provider without the
endpoint, signing out stays here. Either way the session here has ended."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import jwt
import pyotp
import pytest
import requests
import time_machine

from app import roles
from tests.factories import PASSWORD, Factories
from tests.sso.apps import (
    BREAK_GLASS,
    OIDC_CLIENT_ID,
    forget_users,
    oidc_settings,
    served,
    sso_app,
    through_the_provider,
)
from tests.sso.test_ldap_sign_in import SECRET

DISCOVERY = "/.well-known/openid-configuration"


@pytest.fixture(scope="module")
def quiet_provider_discovery(provider):
    """The provider's discovery document without end_session_endpoint, served on its own."""
    document = requests.get(f"{provider.issuer}{DISCOVERY}", timeout=10).json()
    del document["end_session_endpoint"]
    body = json.dumps(document).encode()

    def discovery(_environ, start_response):
        start_response("200 OK", [("Content-Type", "application/json")])
        return [body]

    with served(discovery) as base_url:
        yield f"{base_url}{DISCOVERY}"


@pytest.fixture(scope="module", params=["logout turned off", "provider without end_session"])
def local_only_site(request, provider, quiet_provider_discovery, tmp_path_factory):
    """An app whose sign-out stays here: the setting off, or a provider that cannot."""
    settings = oidc_settings(provider.issuer)
    if request.param == "logout turned off":
        settings["OIDC_PROVIDER_LOGOUT"] = False
    else:
        settings["OIDC_METADATA_URL"] = quiet_provider_discovery
    folder = tmp_path_factory.mktemp("oidc-local-logout-db")
    with sso_app(folder, "invoiceflow_oidc_local", **settings) as app, served(app) as site:
        yield site
        forget_users(app)


def _signed_in(site, provider, number, group="buyers"):
    sub, username = f"sub-out-{number}", f"leaving{number}"
    provider.set_person(sub, username, [group])
    browser, landed = through_the_provider(site, provider, sub)
    assert "/login" not in landed.url
    return browser, sub


def _sign_out(browser, site):
    page = browser.get(f"{site}/logout/", timeout=10).text
    csrf = page.split('name="csrf_token" value="')[1].split('"')[0]
    return browser.post(
        f"{site}/logout/", data={"csrf_token": csrf}, timeout=10, allow_redirects=False
    )


def _provider_key(provider):
    (key,) = jwt.PyJWKSet.from_dict(requests.get(f"{provider.issuer}/jwks", timeout=10).json()).keys
    return key


def _signed_in_still(browser, site) -> bool:
    page = browser.get(f"{site}/tasks/", timeout=10, allow_redirects=False)
    return page.status_code == 200


def test_signing_out_signs_out_at_the_provider_too_and_comes_back_to_the_login_page(
    oidc_site, provider
):
    browser, sub = _signed_in(oidc_site, provider, 1)
    signed_out = _sign_out(browser, oidc_site)

    assert signed_out.status_code == 302
    at_provider = signed_out.headers["Location"]
    assert at_provider.startswith(f"{provider.issuer}/oauth2/end_session?")
    asked = {key: values[0] for key, values in parse_qs(urlsplit(at_provider).query).items()}
    assert asked["post_logout_redirect_uri"] == f"{oidc_site}/login/"
    assert asked["client_id"] == OIDC_CLIENT_ID
    hint = jwt.decode(  # the ID token the provider gave for this person, signed by it
        asked["id_token_hint"],
        _provider_key(provider),
        algorithms=["RS256"],
        audience=OIDC_CLIENT_ID,
        issuer=provider.issuer,
    )
    assert hint["sub"] == sub
    assert not _signed_in_still(browser, oidc_site)  # ended here before leaving

    confirm = browser.get(at_provider, timeout=10)  # the provider's "End session" page
    assert confirm.status_code == 200 and 'name="redirect_uri"' in confirm.text
    back = browser.post(
        f"{provider.issuer}/oauth2/end_session/confirm",
        data={"redirect_uri": asked["post_logout_redirect_uri"]},
        timeout=10,
    )
    assert back.status_code == 200 and back.url == f"{oidc_site}/login/"
    assert 'data-test="sign-in-oidc"' in back.text
    assert not _signed_in_still(browser, oidc_site)


def test_a_copy_of_the_session_cookie_no_longer_works_after_signing_out(oidc_site, provider):
    browser, _sub = _signed_in(oidc_site, provider, 2)
    copy = requests.Session()
    copy.cookies.update(browser.cookies)
    assert _signed_in_still(copy, oidc_site)
    _sign_out(browser, oidc_site)
    assert not _signed_in_still(copy, oidc_site)


def test_signing_out_stays_here_when_the_setting_or_the_provider_says_so(local_only_site, provider):
    browser, _sub = _signed_in(local_only_site, provider, 3)
    signed_out = _sign_out(browser, local_only_site)
    assert signed_out.status_code == 302
    assert not signed_out.headers["Location"].startswith(provider.issuer)
    assert not _signed_in_still(browser, local_only_site)


def test_the_break_glass_admin_signing_out_is_not_sent_to_the_provider(
    oidc_app, oidc_site, provider
):
    Factories(oidc_app).user(BREAK_GLASS, roles.ADMIN)
    browser = requests.Session()
    credentials = {"username": BREAK_GLASS, "password": PASSWORD}
    browser.post(f"{oidc_site}/login/local/", data=credentials, timeout=10)
    assert _users_screen(browser, oidc_site) == 200
    signed_out = _sign_out(browser, oidc_site)
    assert signed_out.status_code == 302
    assert not signed_out.headers["Location"].startswith(provider.issuer)
    assert _users_screen(browser, oidc_site) != 200


def _users_screen(browser, site) -> int:
    return browser.get(f"{site}/users/list/", timeout=10, allow_redirects=False).status_code


def test_a_user_with_a_second_factor_is_signed_out_at_the_provider_too(oidc_site, provider):
    now = datetime.now(UTC).replace(microsecond=0)
    # At the start of a code's 30 s, ahead of the provider's clock (its tokens stay good).
    with time_machine.travel(now + timedelta(seconds=30 - now.second % 30), tick=False) as clock:
        browser, _sub = _signed_in(oidc_site, provider, 4, group="approvers")
        page = browser.get(f"{oidc_site}/account/second-factor/", timeout=10).text
        totp = pyotp.TOTP(SECRET.search(page).group(1).replace(" ", ""))
        csrf = page.split('name="csrf_token" value="')[1].split('"')[0]
        browser.post(
            f"{oidc_site}/account/second-factor/confirm",
            data={"code": totp.now(), "csrf_token": csrf},
            timeout=10,
        )
        _sign_out(browser, oidc_site)
        clock.shift(timedelta(seconds=30))  # a code is good once: the next one

        _browser, asked = through_the_provider(oidc_site, provider, "sub-out-4", browser=browser)
        assert asked.url.endswith("/sign-in/code")
        csrf = asked.text.split('name="csrf_token" value="')[1].split('"')[0]
        browser.post(
            f"{oidc_site}/sign-in/code", data={"code": totp.now(), "csrf_token": csrf}, timeout=10
        )
        assert _signed_in_still(browser, oidc_site)
        signed_out = _sign_out(browser, oidc_site)
    assert signed_out.headers["Location"].startswith(f"{provider.issuer}/oauth2/end_session?")
    assert "id_token_hint=" in signed_out.headers["Location"]


def test_an_id_token_too_large_for_the_session_cookie_signs_out_with_the_client_only(
    oidc_site, provider
):
    groups = ["buyers", *(f"department-{number:04d}-of-a-large-company" for number in range(80))]
    provider.set_person("sub-out-5", "leaving5", groups)
    browser, landed = through_the_provider(oidc_site, provider, "sub-out-5")
    assert "/login" not in landed.url  # the cookie still fits: the sign-in holds
    at_provider = _sign_out(browser, oidc_site).headers["Location"]
    asked = parse_qs(urlsplit(at_provider).query)
    assert at_provider.startswith(f"{provider.issuer}/oauth2/end_session?")
    assert "id_token_hint" not in asked and asked["client_id"] == [OIDC_CLIENT_ID]
    assert not _signed_in_still(browser, oidc_site)
