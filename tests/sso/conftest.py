"""Single sign-on tests: a real slapd and a real OpenID Connect provider on localhost, and the
app in each mode on a database of its own."""

from __future__ import annotations

import pytest

from tests.sso.apps import forget_users, ldap_settings, oidc_settings, served, sso_app
from tests.sso.ldap_server import LdapServer
from tests.sso.oidc_provider import OidcProvider


@pytest.fixture(scope="session")
def directory(tmp_path_factory):
    server = LdapServer(tmp_path_factory.mktemp("slapd")).start()
    server.add_group("approvers")
    server.add_group("finance")
    server.add_group("buyers")
    yield server
    server.stop()


@pytest.fixture(scope="session")
def ldap_app(directory, tmp_path_factory):
    with sso_app(
        tmp_path_factory.mktemp("ldap-db"),
        "invoiceflow_ldap",
        **ldap_settings(directory.url),
        LOGIN_FAILURES_PER_MINUTE=3,
    ) as app:
        yield app


@pytest.fixture
def ldap_client(ldap_app):
    yield ldap_app.test_client()
    forget_users(ldap_app)


@pytest.fixture(scope="session")
def provider():
    server = OidcProvider().start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def oidc_app(provider, tmp_path_factory):
    settings = oidc_settings(provider.issuer)
    with sso_app(tmp_path_factory.mktemp("oidc-db"), "invoiceflow_oidc", **settings) as app:
        yield app


@pytest.fixture(scope="session")
def oidc_server(oidc_app):
    """InvoiceFlow served over real HTTP, so the provider's redirects come back to it."""
    with served(oidc_app) as base_url:
        yield base_url


@pytest.fixture
def oidc_site(oidc_app, oidc_server):
    yield oidc_server
    forget_users(oidc_app)
