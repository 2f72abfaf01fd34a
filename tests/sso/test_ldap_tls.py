"""The directory over TLS: ldaps:// or StartTLS, its certificate checked against the CA file
the settings name. A directory whose certificate that CA did not sign refuses the sign-in with
a clear message (503, not counted as a wrong password), never a 500 and never a sign-in."""

from __future__ import annotations

from contextlib import ExitStack

import pytest
from flask_appbuilder.const import AUTH_LDAP

from app import create_app, roles
from app.sso.settings import SsoSettingError
from tests.sso.apps import forget_users, ldap_settings, sso_app
from tests.sso.ldap_server import free_port
from tests.sso.test_ldap_sign_in import PUBLIC, _person, _sign_in, _user

UNTRUSTED = "The company directory cannot be reached securely"
WAYS = ["ldaps", "starttls"]


def _tls_settings(directory, way: str, ca_file) -> dict:
    if way == "ldaps":
        settings = {"AUTH_LDAP_SERVER": directory.ldaps_url}
    else:
        settings = {"AUTH_LDAP_SERVER": directory.url, "AUTH_LDAP_USE_TLS": True}
    return {**settings, "AUTH_LDAP_TLS_CACERTFILE": str(ca_file)}


@pytest.fixture(scope="module")
def tls_app(directory, tmp_path_factory):
    """tls_app(way, trusted=True, **settings): an app reaching the directory over TLS, with
    the directory's CA or with a stranger's; each kind made once for the module."""
    apps, stack = {}, ExitStack()

    def app_for(way: str, trusted: bool = True, **extra):
        key = (way, trusted, tuple(sorted(extra.items())))
        if key not in apps:
            ca = (
                directory.certificates.ca_file
                if trusted
                else directory.certificates.stranger_ca_file
            )
            settings = {
                **ldap_settings(directory.url),
                **_tls_settings(directory, way, ca),
                "LOGIN_FAILURES_PER_MINUTE": 3,
                **extra,
            }
            folder = tmp_path_factory.mktemp("ldap-tls-db")
            apps[key] = stack.enter_context(sso_app(folder, "invoiceflow_ldap_tls", **settings))
        forget_users(apps[key])
        return apps[key]

    with stack:
        yield app_for


@pytest.mark.parametrize("way", WAYS)
def test_a_person_signs_in_over_tls_with_the_directorys_ca(tls_app, directory, way):
    app = tls_app(way)
    uid = _person(directory, "approvers")
    client = app.test_client()
    signed_in = _sign_in(client, uid)
    assert signed_in.status_code == 302 and "/login/" not in signed_in.headers["Location"]
    assert _user(app, uid)["roles"] == [roles.APPROVER, PUBLIC]
    assert client.get("/tasks/").status_code == 200


@pytest.mark.parametrize("way", WAYS)
def test_a_directory_certificate_not_trusted_refuses_the_sign_in_with_a_clear_message(
    tls_app, directory, way
):
    app = tls_app(way, trusted=False)
    uid = _person(directory, "approvers")
    client = app.test_client()
    for _attempt in range(4):  # more than LOGIN_FAILURES_PER_MINUTE: not wrong passwords
        refused = _sign_in(client, uid)
        assert refused.status_code == 503
        assert int(refused.headers["Retry-After"]) > 0
        page = refused.get_data(as_text=True)
        assert UNTRUSTED in page and 'name="password"' in page
    assert _user(app, uid) is None
    assert client.get("/tasks/").status_code != 200


def test_the_api_login_says_the_same_when_the_directory_is_not_trusted(tls_app, directory):
    app = tls_app("ldaps", trusted=False)
    uid = _person(directory, "approvers")
    answer = app.test_client().post(
        "/api/v1/security/login",
        json={"username": uid, "password": "directory-pass-1", "provider": "ldap"},
    )
    assert answer.status_code == 503
    assert UNTRUSTED in answer.get_json()["message"]
    assert int(answer.headers["Retry-After"]) > 0


def test_a_directory_not_answering_on_its_tls_port_gives_the_same_clear_message(tls_app, directory):
    app = tls_app("ldaps", AUTH_LDAP_SERVER=directory.url.replace("ldap://", "ldaps://"))
    refused = _sign_in(app.test_client(), _person(directory, "approvers"))
    assert refused.status_code == 503 and UNTRUSTED in refused.get_data(as_text=True)


def test_a_lab_not_demanding_the_certificate_signs_in_whoever_the_directory_is(tls_app, directory):
    app = tls_app("ldaps", trusted=False, AUTH_LDAP_TLS_DEMAND=False)
    uid = _person(directory, "buyers")
    assert "/login/" not in _sign_in(app.test_client(), uid).headers["Location"]


@pytest.mark.parametrize(
    ("settings", "complaint"),
    [
        ({"AUTH_LDAP_SERVER": "ldaps://127.0.0.1:636", "AUTH_LDAP_USE_TLS": True}, "ldap://"),
        (
            {"AUTH_LDAP_SERVER": "ldaps://127.0.0.1:636", "AUTH_LDAP_TLS_CACERTFILE": "/no/ca.pem"},
            "LDAP_TLS_CACERTFILE",
        ),
    ],
)
def test_the_app_refuses_to_start_with_tls_settings_that_cannot_work(settings, complaint):
    with pytest.raises(SsoSettingError, match=complaint):
        create_app(
            "test",
            SQLALCHEMY_DATABASE_URI="sqlite://",
            AUTH_TYPE=AUTH_LDAP,
            AUTH_LDAP_SEARCH="ou=people,dc=example,dc=org",
            **settings,
        )


def test_the_message_reads_in_russian_for_a_russian_reader(tls_app, directory):
    client = tls_app("starttls", trusted=False).test_client()
    client.get("/lang/ru")
    refused = _sign_in(client, _person(directory, "approvers"))
    assert refused.status_code == 503
    assert "Каталог компании недоступен по защищённому соединению" in refused.get_data(as_text=True)


def test_a_directory_that_does_not_answer_at_all_is_said_to_be_unreachable(tls_app, directory):
    closed = f"ldap://127.0.0.1:{free_port()}"
    app = tls_app("ldaps", AUTH_LDAP_SERVER=closed, AUTH_LDAP_TLS_CACERTFILE="")
    refused = _sign_in(app.test_client(), _person(directory, "approvers"))
    page = refused.get_data(as_text=True)
    assert refused.status_code == 503
    assert "The company directory cannot be reached, so the sign-in cannot be checked" in page
