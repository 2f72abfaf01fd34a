"""A Russian user meets only Russian: every menu page and the main pages (list, card, task,
My tasks, dashboard, process editor, admin screens, outbox, users, roles, profile, second factor,
time zone), as each role sees them in Chromium. The words a page shows (its text, button values,
placeholders and tooltips) may hold Latin words only from tests/russian_text.py's allowlist and
the data this test typed. The English walk checks the reverse: no Cyrillic on English pages."""

from __future__ import annotations

import re
from urllib.parse import urlparse

import pytest
from playwright.sync_api import expect

from tests import clock
from tests.e2e.conftest import fresh_page, log_in, screenshot, served_app
from tests.e2e.server import COUNTERPARTY, OTHER_COUNTERPARTY, USERS
from tests.e2e.steps import CARD_URL, card_number_and_path, fill_new_invoice, save_card
from tests.russian_text import latin_words

# Logins and the factories' names ("Approver1 Tester"), the counterparties the server made.
TYPED = {
    *USERS,
    *(name.title() for name in USERS),
    "Tester",
    *COUNTERPARTY.split(),
    *OTHER_COUNTERPARTY.split(),
}
CYRILLIC = re.compile(r"[А-Яа-яЁё]+")
NOT_WALKED = ("/lang/", "/logout", "/dev-mail/")  # the mail folder shows earlier runs' mail

# What is data, not the app's words: a second factor's key, an e-mail's subject (written in its
# recipient's language), the diagram an analyst edits (its names are the analyst's), bpmn.io's
# watermark, and what people typed (comments quoted in notifications, by other browser tests too).
DATA = (
    "[data-test=secret], [data-test=subject], #editor .djs-container, .bjs-powered-by,"
    " [data-user-text]"
)
SHOWN_TEXT = """(data) => {
  let text = document.body.innerText;
  for (const e of document.querySelectorAll(data)) {
    if (e.innerText) text = text.split(e.innerText).join(" ");
  }
  const seen = [text];
  const visible = (e) => !!(e.offsetWidth || e.offsetHeight || e.getClientRects().length);
  const shown = "[title], [placeholder], input[type=submit], input[type=button]";
  for (const e of document.querySelectorAll(shown)) {
    if (e.closest(data) || (!visible(e) && !e.closest(".dropdown-menu, .navbar"))) continue;
    seen.push(e.getAttribute("title") || "", e.getAttribute("placeholder") || "");
    if (e.matches("input[type=submit], input[type=button]")) seen.push(e.value);
  }
  return seen.join("\\n");
}"""
MENU_LINKS = """() => [...document.querySelectorAll(".navbar-collapse a[href^='/']")]
  .map((a) => a.getAttribute("href"))"""


def sign_in_as(page, username: str, language: str) -> None:
    page.context.clear_cookies()
    log_in(page, username)
    page.goto(f"/lang/{language}")


def submitted_invoice(page) -> str:
    """As the initiator: an invoice for approver1, submitted; its card's path."""
    sign_in_as(page, "initiator", "ru")
    fill_new_invoice(
        page,
        amount="2 500,00",
        counterparty=COUNTERPARTY,
        issue_date=clock.today().isoformat(),
        approvers=("approver1",),
    )
    save_card(page, "создан")
    _number, card = card_number_and_path(page)
    page.locator("[data-test=submit]").click()
    expect(page).to_have_url(CARD_URL)
    return card


def pages_of(page, extra: list[str]) -> list[str]:
    page.goto("/")
    links = {url.split("?")[0] for url in page.evaluate(MENU_LINKS)}
    return sorted(url for url in links if not url.startswith(NOT_WALKED)) + extra


def walk(page, username: str, language: str, urls: list[str]) -> dict[str, list[str]]:
    """Visit each page; the foreign words found on each, with a screenshot of each such page."""
    found = {}
    for url in urls:
        page.goto(url)
        page.wait_for_load_state("networkidle")
        text = page.evaluate(SHOWN_TEXT, DATA)
        if language == "ru":
            words = latin_words(text, TYPED)
        else:  # a language is named in its own words in the language choice
            words = [w for w in CYRILLIC.findall(text) if w != "Русский"]
        if words:  # a full-page picture of each page walked cost a third of the walk
            name = re.sub(r"[^a-z0-9]+", "-", url.lower()).strip("-") or "home"
            screenshot(page, f"language-{language}-{username}-{name}")
            found[url] = sorted(set(words))
    return found


def report(found: dict[str, list[str]]) -> str:
    return "\n".join(f"  {url}: {words}" for url, words in found.items())


WALKED = ("initiator", "approver1", "finance", "analyst", "admin")


@pytest.fixture(scope="module")
def live_server(tmp_path_factory, pytestconfig):
    """A server of its own: what other browser tests typed (comments, an analyst's English
    stage names) would read as English on these pages."""
    with served_app(tmp_path_factory, pytestconfig) as base_url:
        yield base_url


@pytest.fixture(scope="module")
def card(browser, live_server):
    """The card of an invoice the initiator submitted to approver1, made once for the walks."""
    with fresh_page(browser, live_server) as page:
        path = submitted_invoice(page)
        sign_in_as(page, "initiator", "en")
    return path


@pytest.fixture
def in_russian(page, username):
    """`username` signed in with Russian chosen; English again afterwards (each person's
    language is remembered across sign-ins), for the other browser tests, even after a
    failure."""
    sign_in_as(page, username, "ru")
    yield page
    sign_in_as(page, username, "en")


def pages_of_role(page, username: str, card: str) -> list[str]:
    """The role's menu pages, the card, the profile pages, and what only this role opens."""
    extra = [card, "/users/userinfo/", "/account/second-factor/", "/account/time-zone/"]
    if username == "approver1":
        page.goto("/tasks/")
        task = page.locator("[data-test=my-tasks] a[href^='/tasks/']").first.get_attribute("href")
        assert task is not None, "approver1 has no task to open"
        extra.append(task)
    if username == "analyst":
        page.goto("/process/")
        page.locator("form[action$='/process/drafts'] button[type=submit]").first.click()
        expect(page.locator('#editor[data-rendered="true"]')).to_be_attached()
        extra.append(urlparse(page.url).path)
    if username == "admin":
        extra += ["/users/add", "/roles/add"]
    return pages_of(page, extra)


# One test per role: the whole walk in one test outlasted a test's time limit on a loaded
# machine.
@pytest.mark.parametrize("username", WALKED)
def test_every_page_of_every_role_is_russian_for_a_russian_user(in_russian, username, card):
    page = in_russian
    found = walk(page, username, "ru", pages_of_role(page, username, card))
    assert not found, f"English words on Russian pages of {username}:\n" + report(found)


def test_an_english_admin_meets_no_russian(page):
    sign_in_as(page, "admin", "en")
    found = walk(page, "admin", "en", pages_of(page, ["/users/userinfo/", "/account/time-zone/"]))
    assert not found, "Russian words on English pages:\n" + report(found)
