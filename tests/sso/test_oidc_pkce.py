"""The OpenID Connect sign-in uses PKCE (S256): the code the provider sends back through the
browser is worth nothing without the verifier only the app holds. The provider checks it
(tests/sso/pkce_checking_provider.py), as Keycloak, Azure AD and Google do."""

from __future__ import annotations

import base64
import hashlib
import re
from urllib.parse import parse_qs, urlsplit

import requests

from tests.sso.apps import OIDC_CLIENT_ID, OIDC_CLIENT_SECRET

BASE64URL_43 = re.compile(r"[A-Za-z0-9_-]{43}")  # the S256 of anything, base64url without '='


def _query(url: str) -> dict[str, str]:
    return {key: values[0] for key, values in parse_qs(urlsplit(url).query).items()}


def _to_the_provider(oidc_site):
    browser = requests.Session()
    asked = browser.get(f"{oidc_site}/login/oidc", timeout=10, allow_redirects=False)
    assert asked.status_code == 302
    return browser, asked.headers["Location"]


def _code_sent_back(browser, authorization_url, sub):
    """The person chooses `sub` at the provider; the redirect back, not followed yet."""
    back = browser.post(authorization_url, data={"sub": sub}, timeout=10, allow_redirects=False)
    assert back.status_code == 302
    return back.headers["Location"]


def _token_request(provider, callback_url, **verifier):
    return requests.post(
        f"{provider.issuer}/oauth2/token",
        data={
            "grant_type": "authorization_code",
            "code": _query(callback_url)["code"],
            "redirect_uri": callback_url.split("?")[0],
            **verifier,
        },
        auth=(OIDC_CLIENT_ID, OIDC_CLIENT_SECRET),
        timeout=10,
    )


def test_the_sign_in_asks_the_provider_with_an_s256_code_challenge(oidc_site, provider):
    provider.set_person("sub-pkce-1", "pkce1", ["buyers"])
    browser, authorization_url = _to_the_provider(oidc_site)
    asked = _query(authorization_url)
    assert authorization_url.startswith(f"{provider.issuer}/oauth2/authorize")
    assert asked["code_challenge_method"] == "S256"
    assert BASE64URL_43.fullmatch(asked["code_challenge"])
    landed = browser.get(_code_sent_back(browser, authorization_url, "sub-pkce-1"), timeout=10)
    assert landed.status_code == 200 and "/login" not in landed.url  # the provider checked it
    assert browser.get(f"{oidc_site}/invoices/list/", timeout=10).url.endswith("/invoices/list/")


def test_each_sign_in_gets_a_challenge_of_its_own(oidc_site):
    challenges = {_query(_to_the_provider(oidc_site)[1])["code_challenge"] for _ in range(3)}
    assert len(challenges) == 3


def test_a_code_taken_on_its_way_back_gets_no_token_without_the_apps_verifier(oidc_site, provider):
    provider.set_person("sub-pkce-2", "pkce2", ["buyers"])
    browser, authorization_url = _to_the_provider(oidc_site)
    callback_url = _code_sent_back(browser, authorization_url, "sub-pkce-2")

    guessed = _token_request(provider, callback_url, code_verifier="x" * 64)
    assert guessed.status_code == 400 and guessed.json()["error"] == "invalid_grant"
    missing = _token_request(provider, callback_url)
    assert missing.status_code == 400 and missing.json()["error"] == "invalid_request"

    landed = browser.get(callback_url, timeout=10)  # the app, with its verifier, signs in
    assert landed.status_code == 200 and "/login" not in landed.url


def test_a_verifier_that_does_not_match_fails_the_sign_in_with_a_clear_message(
    oidc_app, oidc_site, provider
):
    provider.set_person("sub-pkce-3", "pkce3", ["buyers"])
    browser, authorization_url = _to_the_provider(oidc_site)
    callback_url = _code_sent_back(browser, authorization_url, "sub-pkce-3")
    _replace_the_apps_verifier(oidc_app, browser, "y" * 64)

    landed = browser.get(callback_url, timeout=10)
    assert landed.status_code == 200 and landed.url.startswith(f"{oidc_site}/login/")
    assert "The identity provider&#39;s answer could not be checked." in landed.text
    assert browser.get(f"{oidc_site}/tasks/", timeout=10, allow_redirects=False).status_code != 200


def test_the_challenge_is_the_s256_of_the_verifier_the_app_keeps(oidc_app, oidc_site):
    browser, authorization_url = _to_the_provider(oidc_site)
    verifier = _apps_verifier(oidc_app, browser)
    digest = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=")
    assert _query(authorization_url)["code_challenge"] == digest.decode()


# The app keeps the verifier in the browser's signed session cookie (Authlib's state data).


def _session_of(app, browser) -> tuple[dict, str]:
    serializer = app.session_interface.get_signing_serializer(app)
    name = app.config["SESSION_COOKIE_NAME"]
    return serializer.loads(browser.cookies[name]), name


def _state_key(session: dict) -> str:
    (key,) = [key for key in session if key.startswith("_state_oidc_")]
    return key


def _apps_verifier(app, browser) -> str:
    session, _name = _session_of(app, browser)
    return session[_state_key(session)]["data"]["code_verifier"]


def _replace_the_apps_verifier(app, browser, verifier: str) -> None:
    session, name = _session_of(app, browser)
    session[_state_key(session)]["data"]["code_verifier"] = verifier
    cookie = app.session_interface.get_signing_serializer(app).dumps(session)
    domain = browser.cookies.list_domains()[0]
    browser.cookies.set(name, cookie, domain=domain, path="/")
