"""The login page in each sign-in mode, in English and in Russian, as a browser shows it
(Chromium; screenshots under test-output/screenshots/sso-*.png)."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import screenshot
from tests.russian_text import latin_words, visible_text
from tests.sso.apps import served

# What each page must say, by language: (mode, path) -> the words.
EXPECTED = {
    ("ldap", "/login/"): {
        "en": "Enter the user name and password of your company account",
        "ru": "Введите имя пользователя и пароль учётной записи компании",
    },
    ("ldap", "/login/local/"): {
        "en": "Local sign-in for the emergency administrator account",
        "ru": "Локальный вход для аварийной учётной записи администратора",
    },
    ("oidc", "/login/"): {
        "en": "Sign in with your company account",
        "ru": "Войти с учётной записью компании",
    },
    ("oidc", "/login/local/"): {
        "en": "Local sign-in for the emergency administrator account",
        "ru": "Локальный вход для аварийной учётной записи администратора",
    },
}


@pytest.fixture(scope="module")
def sites(ldap_app, oidc_server):
    with served(ldap_app) as ldap_site:
        yield {"ldap": ldap_site, "oidc": oidc_server}


@pytest.mark.parametrize("language", ["en", "ru"])
@pytest.mark.parametrize(("mode", "path"), list(EXPECTED))
def test_the_login_page_reads_right_in_each_mode_and_language(browser, sites, mode, path, language):
    context = browser.new_context(base_url=sites[mode], viewport={"width": 1280, "height": 800})
    try:
        page = context.new_page()
        page.goto(f"/lang/{language}")
        page.goto(path)
        page.wait_for_load_state()
        assert EXPECTED[(mode, path)][language] in page.inner_text("body")
        if language == "ru":
            english = latin_words(visible_text(page.content()))
            assert not english, english
        if "local" not in path and mode == "ldap":
            assert page.locator("input[name=password]").is_visible()
        if mode == "oidc" and "local" not in path:
            assert page.locator("[data-test=sign-in-oidc]").is_visible()
        name = path.strip("/").replace("/", "-")
        screenshot(page, f"sso-{mode}-{name}-{language}")
    finally:
        context.close()
