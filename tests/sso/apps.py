"""InvoiceFlow apps in each single sign-on mode, on a database of their own."""

from __future__ import annotations

from contextlib import contextmanager

import requests
from flask_appbuilder.const import AUTH_LDAP, AUTH_OAUTH
from sqlalchemy import text

from app import create_app, roles
from app.extensions import db
from app.role_defaults import seed_roles
from tests.databases import temporary_database
from tests.sso.ldap_server import GROUPS, PEOPLE, READER_DN, READER_PASSWORD

BREAK_GLASS = "rescue"
# Directory groups (LDAP) and the provider's group names (OpenID Connect) -> the app's roles.
LDAP_ROLES = {
    f"cn=approvers,{GROUPS}": [roles.APPROVER],
    f"cn=finance,{GROUPS}": [roles.FINANCE_DIRECTOR, roles.APPROVER],
    f"cn=buyers,{GROUPS}": [roles.INITIATOR],
}
OIDC_ROLES = {
    "approvers": [roles.APPROVER],
    "finance": [roles.FINANCE_DIRECTOR],
    "buyers": [roles.INITIATOR],
}


def ldap_settings(ldap_url: str) -> dict:
    return {
        "AUTH_TYPE": AUTH_LDAP,
        "AUTH_LDAP_SERVER": ldap_url,
        "AUTH_LDAP_BIND_USER": READER_DN,
        "AUTH_LDAP_BIND_PASSWORD": READER_PASSWORD,
        "AUTH_LDAP_SEARCH": PEOPLE,
        "AUTH_LDAP_SEARCH_FILTER": "(objectClass=inetOrgPerson)",
        "AUTH_ROLES_MAPPING": LDAP_ROLES,
        "AUTH_LOCAL_LOGIN_USERS": [BREAK_GLASS],
    }


OIDC_CLIENT_ID = "invoiceflow"
OIDC_CLIENT_SECRET = "invoiceflow-secret"  # noqa: S105 - the test provider takes any


def oidc_settings(issuer: str) -> dict:
    return {
        "AUTH_TYPE": AUTH_OAUTH,
        "OIDC_METADATA_URL": f"{issuer}/.well-known/openid-configuration",
        "OIDC_CLIENT_ID": OIDC_CLIENT_ID,
        "OIDC_CLIENT_SECRET": OIDC_CLIENT_SECRET,
        "AUTH_ROLES_MAPPING": OIDC_ROLES,
        "AUTH_LOCAL_LOGIN_USERS": [BREAK_GLASS],
    }


@contextmanager
def sso_app(folder, prefix: str, **settings):
    """An app signing in as `settings` say, with the roles seeded, on a fresh database."""
    with temporary_database(folder, prefix) as url:
        app = create_app("test", SQLALCHEMY_DATABASE_URI=url, **settings)
        with app.app_context():
            db.create_all()
            seed_roles(app.appbuilder)
            db.session.remove()
        try:
            yield app
        finally:
            with app.app_context():
                db.session.remove()
                db.engine.dispose()


# What a test leaves about its users (a second factor set up is audited and mailed).
FORGOTTEN = (
    "audit_event",
    "outbox",
    "notification",
    "user_preference",
    "ab_user_group",
    "ab_user_role",
    "user_security",
    "ab_user",
)


def forget_users(app) -> None:
    """Between tests: no users, no counted failures."""
    with app.app_context():
        for table in FORGOTTEN:
            db.session.execute(text(f"DELETE FROM {table}"))  # noqa: S608 - fixed names
        db.session.commit()
        db.session.remove()
    app.appbuilder.sm.login_attempts.reset()


def through_the_provider(base_url, provider, sub, path="/login/oidc", browser=None):
    """A browser going to the app's sign-in, choosing `sub` at the provider, and back."""
    browser = browser or requests.Session()
    consent = browser.get(f"{base_url}{path}", timeout=10)
    assert consent.status_code == 200 and consent.url.startswith(provider.issuer), consent.url
    landed = browser.post(consent.url, data={"sub": sub}, timeout=10)
    return browser, landed


@contextmanager
def served(app):
    """The app on 127.0.0.1:<free port> in a thread (a real HTTP server): yields its base URL."""
    import threading

    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(5)
