"""A user sets up a second factor from their menu (QR code and key), then signs in with a code
from an authenticator app (pyotp, as a phone computes it)."""

from __future__ import annotations

import time

import pyotp
from playwright.sync_api import expect

from tests.e2e.conftest import screenshot, sign_out
from tests.factories import PASSWORD

USER = "auditor"


def test_a_user_sets_up_a_second_factor_and_signs_in_with_a_code(page, log_in_as):
    log_in_as(USER)
    page.locator("a.dropdown-toggle", has=page.locator(".fa-user")).click()
    page.click("[data-test=second-factor]")
    expect(page.locator("[data-test=qr] svg")).to_be_visible()
    screenshot(page, "second-factor-1-set-up")

    secret = page.locator("[data-test=secret]").inner_text().replace(" ", "")
    app = pyotp.TOTP(secret)
    page.fill("[data-test=confirm-second-factor] input[name=code]", app.now())
    page.click("[data-test=confirm-second-factor] button[type=submit]")
    expect(page.locator(".alert-success")).to_contain_text("Second factor set up")

    sign_out(page)
    page.goto("/login/")
    page.fill("input[name=username]", USER)
    page.fill("input[name=password]", PASSWORD)
    page.click("input[type=submit]")
    expect(page.locator("[data-test=second-factor-code]")).to_be_visible()
    assert page.url.endswith("/sign-in/code")
    screenshot(page, "second-factor-2-code-page")

    # The code set-up used is good once; a phone a little ahead already shows the next one.
    page.fill("input[name=code]", app.at(time.time() + app.interval))
    page.click("button[type=submit]")
    expect(page.locator(".navbar")).to_contain_text("Auditor Tester")
    assert "/login/" not in page.url and "/sign-in/" not in page.url
    screenshot(page, "second-factor-3-signed-in")
