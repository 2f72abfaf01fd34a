"""Failed logins are limited per account and per address, on the login form and the API."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest
import time_machine

from app import create_app
from app.extensions import db
from tests.factories import PASSWORD

ALICE_PC = "198.51.100.7"
BOB_PC = "203.0.113.9"


def form_login(client, username, password, address=ALICE_PC):
    return client.post(
        "/login/",
        data={"username": username, "password": password},
        environ_base={"REMOTE_ADDR": address},
    )


def api_login(client, username, password, address=ALICE_PC):
    return client.post(
        "/api/v1/security/login",
        json={"username": username, "password": password, "provider": "db"},
        environ_base={"REMOTE_ADDR": address},
    )


def fail(times, login, client, username, address=ALICE_PC):
    for _ in range(times):
        assert login(client, username, "wrong-password", address).status_code in (302, 401)


@pytest.fixture
def clock():
    with time_machine.travel(datetime.now(UTC).replace(microsecond=0), tick=False) as traveller:
        yield traveller


def retry_after(response) -> int:
    return int(response.headers["Retry-After"])


def test_the_form_refuses_the_eleventh_login_after_ten_wrong_passwords_even_a_right_one(
    make, client
):
    make.user("ivan")
    fail(10, form_login, client, "ivan")

    response = form_login(client, "ivan", PASSWORD)

    assert response.status_code == 429
    assert 1 <= retry_after(response) <= 60
    assert "Too many failed logins" in response.get_data(as_text=True)
    assert client.get("/invoices/list/").status_code == 302  # still signed out


def test_the_api_refuses_the_eleventh_login_after_ten_wrong_passwords_even_a_right_one(
    make, client
):
    make.user("ivan")
    fail(10, api_login, client, "ivan")

    response = api_login(client, "ivan", PASSWORD)

    assert response.status_code == 429
    assert 1 <= retry_after(response) <= 60
    assert "access_token" not in response.json


def test_failures_on_the_form_and_the_api_add_up_for_the_account(make, client):
    make.user("ivan")
    fail(5, form_login, client, "ivan")
    fail(5, api_login, client, "ivan", BOB_PC)

    assert api_login(client, "ivan", PASSWORD, "192.0.2.1").status_code == 429


def test_another_account_from_another_address_still_signs_in(make, client):
    make.user("ivan")
    make.user("olga")
    fail(10, api_login, client, "ivan")

    assert api_login(client, "olga", PASSWORD, BOB_PC).status_code == 200
    assert form_login(client, "olga", PASSWORD, BOB_PC).status_code == 302


def test_ten_failures_from_one_address_over_several_accounts_refuse_that_address(make, client):
    make.user("olga")
    for number in range(10):
        fail(1, form_login, client, f"guess{number}")

    refused = form_login(client, "olga", PASSWORD)

    assert refused.status_code == 429
    assert 1 <= retry_after(refused) <= 60
    assert api_login(client, "olga", PASSWORD).status_code == 429
    assert api_login(client, "olga", PASSWORD, BOB_PC).status_code == 200


def test_successful_logins_do_not_count_and_do_not_wipe_failures(make, client):
    make.user("ivan")
    for _ in range(15):
        assert api_login(client, "ivan", PASSWORD).status_code == 200
    fail(9, api_login, client, "ivan")
    assert api_login(client, "ivan", PASSWORD).status_code == 200
    fail(1, api_login, client, "ivan")

    assert api_login(client, "ivan", PASSWORD).status_code == 429


def test_a_minute_later_the_account_may_try_again(make, client, clock):
    make.user("ivan")
    fail(10, api_login, client, "ivan")
    assert api_login(client, "ivan", PASSWORD).status_code == 429

    clock.shift(61)

    assert api_login(client, "ivan", PASSWORD).status_code == 200
    assert form_login(client, "ivan", PASSWORD).status_code == 302


def test_the_retry_after_counts_down_to_when_the_oldest_failure_leaves_the_minute(
    make, client, clock
):
    make.user("ivan")
    fail(10, api_login, client, "ivan")
    clock.shift(45)

    assert retry_after(api_login(client, "ivan", PASSWORD)) == 15


def test_a_hundred_failures_an_hour_lock_the_account_across_minutes_and_addresses(
    make, client, clock
):
    make.user("ivan")
    for minute in range(10):
        fail(10, api_login, client, "ivan", f"192.0.2.{minute + 1}")
        clock.shift(61)

    refused = api_login(client, "ivan", PASSWORD, BOB_PC)
    assert refused.status_code == 429
    assert retry_after(refused) > 60
    assert form_login(client, "ivan", PASSWORD, BOB_PC).status_code == 429

    clock.shift(retry_after(refused))

    assert api_login(client, "ivan", PASSWORD, BOB_PC).status_code == 200


@pytest.fixture
def two_web_processes(database_url, tmp_path):
    """Two app instances counting in the real Redis, under a key prefix of this run only."""
    settings = {
        "SQLALCHEMY_DATABASE_URI": database_url,
        "FILE_STORAGE_DIR": str(tmp_path),
        "LOGIN_LIMIT_STORAGE_URL": "redis://127.0.0.1:6379",
        "LOGIN_LIMIT_KEY_PREFIX": f"invoiceflow-test-{uuid.uuid4().hex}",
    }
    apps = [create_app("test", **settings) for _ in range(2)]
    yield apps
    apps[0].appbuilder.sm.login_attempts.reset()
    for app in apps:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


def test_web_processes_sharing_redis_share_the_counters(make, two_web_processes):
    first, second = (app.test_client() for app in two_web_processes)
    make.user("ivan")
    fail(10, api_login, first, "ivan")

    refused = api_login(second, "ivan", PASSWORD, BOB_PC)

    assert refused.status_code == 429
    assert 1 <= retry_after(refused) <= 60


def test_the_refusal_is_in_the_reader_s_language(make, client):
    make.user("ivan")
    client.get("/lang/ru")
    fail(10, form_login, client, "ivan")

    page = form_login(client, "ivan", PASSWORD).get_data(as_text=True)

    assert "Слишком много неудачных попыток входа" in page


def test_without_its_counters_a_login_waits_it_is_never_let_through(make, database_url, tmp_path):
    """The counters' Redis is down (nothing listens on the port): 503 with Retry-After."""
    app = create_app(
        "test",
        SQLALCHEMY_DATABASE_URI=database_url,
        FILE_STORAGE_DIR=str(tmp_path),
        LOGIN_LIMIT_STORAGE_URL="redis://127.0.0.1:9",
    )
    make.user("ivan")
    try:
        client = app.test_client()
        for answer in (
            api_login(client, "ivan", PASSWORD, BOB_PC),
            form_login(client, "ivan", PASSWORD, BOB_PC),
        ):
            assert answer.status_code == 503
            assert int(answer.headers["Retry-After"]) > 0
    finally:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


def test_the_user_name_and_the_e_mail_of_one_user_are_one_account(make, client):
    make.user("ivan")
    for number in range(10):
        assert (
            form_login(client, "ivan", "wrong-password", f"192.0.2.{number + 1}").status_code == 302
        )

    by_mail = form_login(client, "ivan@example.com", PASSWORD, BOB_PC)

    assert by_mail.status_code == 429
    assert api_login(client, "ivan@example.com", PASSWORD, BOB_PC).status_code == 429
    assert client.get("/invoices/list/").status_code == 302  # still signed out


def test_failures_typed_by_e_mail_count_for_the_user_name_too(make, client):
    make.user("ivan")
    fail(5, api_login, client, "ivan@example.com")
    fail(5, form_login, client, "Ivan", BOB_PC)

    assert api_login(client, "ivan", PASSWORD, "192.0.2.1").status_code == 429


def test_a_name_no_user_has_is_counted_by_itself(make, client):
    make.user("ivan")
    for number in range(10):
        form_login(client, "nobody", "wrong-password", f"192.0.2.{number + 1}")

    assert form_login(client, "nobody", "wrong-password", BOB_PC).status_code == 429
    assert form_login(client, "ivan", PASSWORD, BOB_PC).status_code == 302
