"""Webhooks in a real browser, in English and in Russian: an admin registers a receiver on the
screen and copies its secret; an invoice is submitted; the delivery log shows the receiver's
refusal (410) and the deliveries it took; "Deliver again" sends the refused event once more. Then
the admin changes the subscription, rotates its secret (the next delivery verifies with the old
secret and the new one, the overlap running) and pauses it."""

from __future__ import annotations

import subprocess
import sys

import pytest
from playwright.sync_api import expect

from tests.databases import temporary_database
from tests.e2e.conftest import REPO, _wait_for_server, fresh_page, log_in, screenshot
from tests.e2e.test_my_tasks import Api, in_language, submitted, user_id
from tests.webhooks.conftest import signature_is_valid, signatures
from tests.webhooks.receiver import Receiver

WORDS = {
    "en": {"given_up": "given up", "delivered": "delivered", "again": "delivered again"},
    "ru": {"given_up": "не доставлено", "delivered": "доставлено", "again": "отправлено снова"},
}
AMOUNTS = {"en": "4101.00", "ru": "4102.00"}
LATER_AMOUNTS = {"en": "4111.00", "ru": "4112.00"}
SAVED = {"en": "saved", "ru": "сохранена"}


@pytest.fixture(scope="module")
def webhook_server(tmp_path_factory):
    """An app server of its own, with a worker and localhost allowed as a receiver."""
    with temporary_database(tmp_path_factory.mktemp("wh-db"), "invoiceflow_e2e_wh") as url:
        workdir = tmp_path_factory.mktemp("wh-server")
        ready, log_file = workdir / "port", workdir / "server.log"
        command = [
            sys.executable, "-m", "tests.on_test_calendar", "tests.e2e.webhook_server",
            "--database-url", url,
            "--files-dir", str(workdir / "files"),
            "--ready-file", str(ready),
        ]  # fmt: skip
        with log_file.open("wb") as log:
            process = subprocess.Popen(command, cwd=REPO, stdout=log, stderr=subprocess.STDOUT)
        try:
            yield _wait_for_server(process, ready, log_file)
        finally:
            process.terminate()
            process.wait(timeout=10)


@pytest.fixture
def receiver():
    server = Receiver().start()
    yield server
    server.stop()


def reload_until(page, condition, seconds: float = 15) -> None:
    """The worker delivers within a second or two: read the log again until it shows it."""
    for _ in range(int(seconds * 2)):
        if condition():
            return
        page.wait_for_timeout(500)
        page.reload()


@pytest.mark.parametrize("language", ["en", "ru"])
def test_an_admin_registers_a_receiver_and_reads_its_delivery_log(
    browser, webhook_server, receiver, language
):
    with fresh_page(browser, webhook_server, viewport={"width": 1280, "height": 900}) as page:
        log_in(page, "admin")
        in_language(page, language)
        page.goto("/webhooks/")
        form = page.locator("[data-test=subscription-form]")
        form.locator("#url").fill(receiver.url)
        for event in ("submitted", "task_assigned"):
            form.locator(f"input[value={event}]").check()
        form.locator("#description").fill("ERP")
        screenshot(page, f"webhooks-1-new-{language}")
        form.locator("[data-test=subscribe]").click()
        secret = page.locator("[data-test=secret]").inner_text()
        assert secret.startswith("whsec_")
        screenshot(page, f"webhooks-2-secret-shown-once-{language}")

        receiver.answer_next(410)  # the receiver refuses the first event for good
        log_in(page, "initiator")
        api = Api(page, "initiator")
        submitted(page, api, AMOUNTS[language], user_id(page, "approver1"))
        log_in(page, "admin")
        in_language(page, language)
        page.goto("/webhooks/")
        page.locator("[data-test=log-link]").last.click()
        rows = page.locator("[data-test=delivery]")
        delivered = page.locator("[data-test=delivery][data-status=delivered]")
        reload_until(page, lambda: delivered.count() == 1)
        expect(delivered.locator("[data-test=status-code]")).to_have_text(["200"])
        expect(rows.filter(has_text="410")).to_contain_text(WORDS[language]["given_up"])
        screenshot(page, f"webhooks-3-delivery-log-{language}")

        rows.filter(has_text="410").locator("[data-test=redeliver]").click()
        expect(page.locator(".alert-success")).to_contain_text(WORDS[language]["again"])
        reload_until(page, lambda: delivered.count() == 2)
        expect(delivered.locator("[data-test=status-code]")).to_have_text(["200", "200"])
        screenshot(page, f"webhooks-4-delivered-again-{language}")
        assert [r.json["event"] for r in receiver.delivered()] == ["task_assigned", "submitted"]
        assert all(signature_is_valid(secret, r) for r in receiver.delivered())

        new_secret = change_and_rotate(page, language)
        log_in(page, "initiator")
        submitted(page, Api(page, "initiator"), LATER_AMOUNTS[language], user_id(page, "approver1"))
        log_in(page, "admin")
        in_language(page, language)
        page.goto("/webhooks/")
        reload_until(page, lambda: len(receiver.delivered()) == 3)
        latest = receiver.delivered()[-1]
        assert latest.json["event"] == "submitted"  # task_assigned is no longer wanted
        assert len(signatures(latest)) == 2  # the overlap runs: old and new secret both sign
        assert signature_is_valid(new_secret, latest) and signature_is_valid(secret, latest)
        pause(page, language)


def change_and_rotate(page, language: str) -> str:
    """Change the newest subscription's events and description, then rotate its secret."""
    page.goto("/webhooks/")
    page.locator("[data-test=subscription]").last.locator("[data-test=edit]").click()
    form = page.locator("[data-test=edit-form]")
    form.locator("input[value=task_assigned]").uncheck()
    form.locator("#description").fill("ERP, invoices")
    screenshot(page, f"webhooks-5-change-{language}")
    form.locator("[data-test=save]").click()
    expect(page.locator(".alert-success")).to_contain_text(SAVED[language])
    row = page.locator("[data-test=subscription]").last
    expect(row).to_contain_text("ERP, invoices")
    row.locator("[data-test=edit]").click()
    page.locator("[data-test=rotate]").click()
    secret = page.locator("[data-test=secret]").inner_text()
    assert secret.startswith("whsec_")
    expect(page.locator("[data-test=overlap]")).to_be_visible()
    screenshot(page, f"webhooks-6-secret-rotated-{language}")
    return secret


def pause(page, language: str) -> None:
    page.goto("/webhooks/")
    page.locator("[data-test=subscription]").last.locator("[data-test=edit]").click()
    page.locator("[data-test=active]").uncheck()
    page.locator("[data-test=save]").click()
    expect(page.locator("[data-test=subscription]").last.locator(".label-warning")).to_be_visible()
    screenshot(page, f"webhooks-7-paused-{language}")
