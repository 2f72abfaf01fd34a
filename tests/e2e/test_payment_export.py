"""Export for payment and the bank statement in a real browser, in English and in Russian: the
finance director exports the approved invoices as a 1C file, imports the bank's statement and
confirms the proposed payment in one step; cancels a batch not paid from and exports its invoice
again."""

from __future__ import annotations

import os
from urllib.parse import parse_qs, urlparse

import pytest
import requests
from playwright.sync_api import expect

from tests import clock
from tests.e2e.conftest import fresh_page, log_in, screenshot, served_app
from tests.e2e.server import USERS
from tests.factories import PASSWORD
from tests.payment_export.conftest import COMPANY, LUTIK, ROMASHKA, outgoing, statement_file

VASILEK = {**ROMASHKA, "name": "АО Василёк", "tax_id": "7728168971", "kpp": "772801001"}


@pytest.fixture(scope="module")
def payments_server(tmp_path_factory, pytestconfig):
    """A server of its own: our company's bank details are settings read at start."""
    saved = {key: os.environ.get(key) for key in COMPANY}
    os.environ.update(COMPANY)
    try:
        with served_app(tmp_path_factory, pytestconfig) as base_url:
            yield base_url
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def _token(base: str, username: str) -> dict:
    body = {"username": username, "password": PASSWORD, "provider": "db"}
    answer = requests.post(f"{base}/api/v1/security/login", json=body, timeout=10)
    answer.raise_for_status()
    return {"Authorization": f"Bearer {answer.json()['access_token']}"}


def _approved_invoice(base: str, supplier: dict, amount: str) -> dict:
    """Over the API: the finance director adds the supplier, the initiator's card is approved."""
    finance, initiator = _token(base, "finance"), _token(base, "initiator")
    approver = _token(base, "approver1")
    party = requests.post(
        f"{base}/api/v1/counterparty/", headers=finance, json=supplier, timeout=10
    )
    party.raise_for_status()
    approver_id = _user_id("approver1")
    card = {
        "amount": amount,
        "counterparty_id": party.json()["id"],
        "issue_date": clock.iso_days_from_today(-5),
        "approvers": [approver_id],
        "vendor_invoice_no": "СЧ-101",
    }
    made = requests.post(f"{base}/api/v1/invoice/", headers=initiator, json=card, timeout=10)
    made.raise_for_status()
    pk = made.json()["id"]
    requests.post(
        f"{base}/api/v1/invoices/{pk}/submit", headers=initiator, timeout=10
    ).raise_for_status()
    [task] = requests.get(f"{base}/api/v1/tasks/mine", headers=approver, timeout=10).json()[
        "result"
    ]
    decision = {"decision": "approve", "comment": "ok"}
    requests.post(
        f"{base}/api/v1/tasks/{task['id']}/decision", headers=approver, json=decision, timeout=10
    ).raise_for_status()
    return requests.get(f"{base}/api/v1/invoice/{pk}", headers=initiator, timeout=10).json()[
        "result"
    ] | {"id": pk}


def _user_id(username: str) -> int:
    """The server seeds its users in USERS' order on an empty database."""
    return list(USERS).index(username) + 1


def test_the_finance_director_exports_imports_and_confirms_in_english_and_russian(
    browser, payments_server, tmp_path
):
    first = _approved_invoice(payments_server, ROMASHKA, "125000.50")
    second = _approved_invoice(payments_server, LUTIK, "990.00")
    with fresh_page(browser, payments_server, viewport={"width": 1280, "height": 900}) as page:
        log_in(page, "finance")
        page.goto("/payments/export")
        rows = page.locator("[data-test=awaiting-invoice]")
        expect(rows).to_have_count(2)
        expect(page.locator("[data-test=total-RUB]")).to_contain_text("125")
        screenshot(page, "payment-export-en")
        with page.expect_download() as download_info:
            page.locator("[data-test=export]").click()
            page.wait_for_load_state()
            page.locator("[data-test=batch] [data-test=download]").first.click()
        saved = tmp_path / "orders.txt"
        download_info.value.save_as(saved)
        assert saved.read_bytes().startswith(b"1CClientBankExchange\r\n")
        expect(page.locator("[data-test=exported-invoice]")).to_have_count(2)

        statement = tmp_path / "kl_to_1c.txt"
        statement.write_bytes(statement_file([outgoing(first), outgoing(second, LUTIK)]))
        page.goto("/payments/statements")
        page.set_input_files("[data-test=statement-file]", str(statement))
        page.locator("[data-test=import]").click()
        page.wait_for_load_state()
        expect(page.locator("[data-test=proposal]")).to_have_count(2)
        screenshot(page, "bank-statement-proposals-en")

        page.goto("/lang/ru")
        page.goto("/payments/statements")
        page.locator("[data-test=statement-row] a").first.click()
        page.wait_for_load_state()
        expect(page.locator("h3").first).to_have_text("Предложенные оплаты")
        screenshot(page, "bank-statement-proposals-ru")
        page.locator("[data-test=confirm]").click()
        page.wait_for_load_state()
        expect(page.locator("[data-test=resolved-line][data-status=paid]")).to_have_count(2)
        expect(page.locator("[data-test=no-proposals]")).to_be_visible()
        screenshot(page, "bank-statement-confirmed-ru")
        page.goto("/payments/export")
        expect(page.locator("[data-test=nothing-to-export]")).to_be_visible()
        screenshot(page, "payment-export-ru")
    finance = _token(payments_server, "finance")
    for invoice in (first, second):
        card = requests.get(
            f"{payments_server}/api/v1/invoice/{invoice['id']}", headers=finance, timeout=10
        )
        assert card.json()["result"]["status"] == "paid"


def test_the_finance_director_cancels_a_batch_and_exports_its_invoice_again(
    browser, payments_server, tmp_path
):
    invoice = _approved_invoice(payments_server, VASILEK, "777.00")
    mine = f"[data-test=awaiting-invoice][data-number='{invoice['number']}']"
    with fresh_page(browser, payments_server, viewport={"width": 1280, "height": 900}) as page:
        log_in(page, "finance")
        page.goto("/lang/en")
        page.goto("/payments/export")
        page.locator("[data-test=choose-all]").uncheck()
        page.locator(f"{mine} input[name=invoice]").check()
        page.locator("[data-test=export]").click()
        page.wait_for_load_state()
        batch_id = parse_qs(urlparse(page.url).query)["made"][0]
        row = page.locator(f"[data-test=batch][data-id='{batch_id}']")
        expect(page.locator(mine)).to_have_count(0)

        row.locator("[data-test=cancel-reason-input]").fill("Wrong account in the file")
        screenshot(page, "payment-export-cancel-en")
        row.locator("[data-test=cancel]").click()
        page.wait_for_load_state()
        expect(page.locator(".alert-success")).to_contain_text(f"Batch {batch_id} cancelled")
        expect(row).to_have_attribute("data-status", "cancelled")
        expect(row.locator("[data-test=cancel-reason]")).to_contain_text("Wrong account")
        expect(row.locator("[data-test=cancel-form]")).to_have_count(0)
        expect(page.locator(mine)).to_have_count(1)  # free to export again
        screenshot(page, "payment-export-cancelled-en")
        with page.expect_download() as download_info:
            row.locator("[data-test=download]").click()
        assert download_info.value.suggested_filename.startswith("CANCELLED-")

        page.goto("/lang/ru")
        page.goto("/payments/export")
        expect(row.locator("[data-test=batch-state]")).to_contain_text("отменён")
        expect(row.locator("[data-test=download]")).to_have_text("Скачать файл отменённого пакета")
        screenshot(page, "payment-export-cancelled-ru")
        page.locator("[data-test=choose-all]").uncheck()
        page.locator(f"{mine} input[name=invoice]").check()
        page.locator("[data-test=export]").click()
        page.wait_for_load_state()
        again = parse_qs(urlparse(page.url).query)["made"][0]
        assert again != batch_id
        expect(page.locator(f"[data-test=batch][data-id='{again}']")).to_have_attribute(
            "data-status", "exported"
        )
        screenshot(page, "payment-export-exported-again-ru")
