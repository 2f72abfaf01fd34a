"""Browser tests: the app runs in its own process on a free port; Chromium drives it.

The server (tests/e2e/server.py) gets a database of its own: a temporary SQLite file, or a fresh
PostgreSQL database `invoiceflow_e2e_<random>` when TEST_DATABASE_URL points at PostgreSQL.
Screenshots are saved under test-output/screenshots/; the run prints that folder at the end.
"""

from __future__ import annotations

import subprocess
import sys
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import pytest
from pytest import StashKey
from sqlalchemy import create_engine, text

from tests.databases import temporary_database
from tests.factories import PASSWORD

REPO = Path(__file__).resolve().parents[2]
SCREENSHOTS = REPO / "test-output" / "screenshots"
SERVER_START_SECONDS = 120  # a loaded machine seeding PostgreSQL may take a while
PAGE_TIMEOUT_MS = 30_000  # a step waits this long at most: three test processes load two cores

_screenshots_taken = False
SERVER_LOG = StashKey[Path]()
LIVE_DATABASE = StashKey[str]()
SERVER_DATABASE = StashKey[str]()


def _wait_for_server(process, ready_file: Path, log_file: Path) -> str:
    deadline = time.monotonic() + SERVER_START_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"the app server exited with {process.returncode}:\n{log_file.read_text()}")
        if ready_file.exists():
            base_url = f"http://127.0.0.1:{ready_file.read_text().strip()}"
            try:
                with urllib.request.urlopen(f"{base_url}/login/", timeout=2) as response:
                    if response.status == 200:
                        return base_url
            except (urllib.error.URLError, ConnectionError):
                pass
        time.sleep(0.1)
    pytest.fail(
        f"the app server did not answer in {SERVER_START_SECONDS}s:\n{log_file.read_text()}"
    )


@contextmanager
def served_app(tmp_path_factory, pytestconfig):
    """Base URL of InvoiceFlow served by a separate process on a database of its own, with
    users and two counterparties."""
    with temporary_database(tmp_path_factory.mktemp("e2e-db"), "invoiceflow_e2e") as url:
        workdir = tmp_path_factory.mktemp("e2e-server")
        ready_file = workdir / "port"
        log_file = workdir / "server.log"
        pytestconfig.stash[SERVER_LOG] = log_file
        pytestconfig.stash[SERVER_DATABASE] = url
        command = [
            sys.executable, "-m", "tests.on_test_calendar", "tests.e2e.server",
            "--database-url", url,
            "--files-dir", str(workdir / "files"),
            "--ready-file", str(ready_file),
        ]  # fmt: skip
        with log_file.open("wb") as log:
            process = subprocess.Popen(command, cwd=REPO, stdout=log, stderr=subprocess.STDOUT)
        try:
            yield _wait_for_server(process, ready_file, log_file)
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


@pytest.fixture(scope="session")
def live_server(tmp_path_factory, pytestconfig):
    """The app server the browser tests share."""
    with served_app(tmp_path_factory, pytestconfig) as base_url:
        pytestconfig.stash[LIVE_DATABASE] = pytestconfig.stash[SERVER_DATABASE]
        yield base_url


@pytest.fixture(autouse=True)
def everyone_in_english_again(request):
    """Each person's language is remembered across sign-ins: after a test on the shared server,
    everyone reads English again, so that no test depends on the one before (even a failed
    one that switched someone to Russian)."""
    yield
    url = request.config.stash.get(LIVE_DATABASE, None)
    if url is None or "live_server" not in request.fixturenames:
        return
    engine = create_engine(url)
    try:
        with engine.begin() as connection:
            connection.execute(text("UPDATE user_preference SET language = 'en'"))
    finally:
        engine.dispose()


@contextmanager
def fresh_page(browser, base_url: str, **context_options):
    """A page of a fresh browser context (no cookies); fails if the Content-Security-Policy
    stopped anything. `context_options` go to Playwright's new_context (a phone's viewport...)."""
    context = browser.new_context(base_url=base_url, **context_options)
    context.set_default_timeout(PAGE_TIMEOUT_MS)
    page = context.new_page()
    refused = []  # the Content-Security-Policy must never stop a script or a style of ours
    page.on(
        "console",
        lambda m: refused.append(m.text) if "Content Security Policy" in m.text else None,
    )
    yield page
    context.close()
    assert not refused, refused


@pytest.fixture
def page(browser, live_server):
    """A fresh browser context (no cookies) per test, on a desktop-sized window."""
    with fresh_page(browser, live_server, viewport={"width": 1280, "height": 900}) as page:
        yield page


def sign_out(page):
    """Signing out is the confirmation page's button: /logout/ only asks when signed in."""
    page.goto("/logout/")
    button = page.locator("[data-test=sign-out-page] [data-test=sign-out]")
    if button.count():
        button.click()
        page.wait_for_load_state()


def log_in(page, username: str, password: str = PASSWORD):
    """Log in as `username` (logging out first): one browser context holds one session."""
    sign_out(page)
    page.goto("/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("input[type=submit]")
    page.wait_for_load_state()
    assert "/login/" not in page.url, f"login as {username} failed"
    return page


@pytest.fixture
def log_in_as(page):
    """Log in as `username`, so one test can switch between users."""
    return lambda username, password=PASSWORD: log_in(page, username, password)


@contextmanager
def signed_in(browser, base_url: str, username: str):
    """A page of a context of its own, signed in: for clean-ups that must run after a test."""
    context = browser.new_context(base_url=base_url)
    context.set_default_timeout(PAGE_TIMEOUT_MS)
    try:
        yield log_in(context.new_page(), username)
    finally:
        context.close()


def screenshot(page, name: str, element=None) -> Path:
    """Save a full-page screenshot (or one of `element`, a locator) under
    test-output/screenshots/ and return its path."""
    global _screenshots_taken
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    if element is not None:
        element.screenshot(path=str(path))
    else:
        page.screenshot(path=str(path), full_page=True)
    _screenshots_taken = True
    return path


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    """When a browser test fails: keep a screenshot and show the app server's last log lines."""
    report = yield
    page = getattr(item, "funcargs", {}).get("page")
    if report.when == "call" and report.failed and page is not None and not page.is_closed():
        path = screenshot(page, f"{item.name}-FAILED")
        report.sections.append(("browser", f"screenshot at failure: {path}"))
        log_file = item.config.stash.get(SERVER_LOG, None)
        if log_file is not None and log_file.exists():
            lines = log_file.read_text(errors="replace").splitlines()
            tail = [line for line in lines if "GET /static/" not in line][-40:]
            report.sections.append(("app server log (last lines)", "\n".join(tail)))
    return report


def pytest_terminal_summary(terminalreporter):
    if _screenshots_taken:
        terminalreporter.write_line(f"Browser screenshots: {SCREENSHOTS}")
