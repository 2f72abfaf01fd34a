"""The connection to the company directory (LDAP / Active Directory) over TLS.

Flask-AppBuilder sets the TLS options of python-ldap for the whole process and starts TLS
before anything can be checked; here each sign-in's own connection gets them (ldaps:// or
StartTLS, the CA file, whether the certificate must be valid), so one process never mixes two
settings. A directory that cannot be reached, or whose certificate is not trusted, is a
DirectoryUnavailableError (503 with a clear message): not a wrong password, so not counted.
"""

from __future__ import annotations

import logging
from contextlib import contextmanager

from flask import current_app

from app.errors import ServiceUnavailableError
from app.i18n import _

log = logging.getLogger(__name__)

# Marks a connection whose TLS this module has set up (FAB binds twice on one connection).
SECURED = "_invoiceflow_tls_ready"


class DirectoryUnavailableError(ServiceUnavailableError):
    """The directory is down, or (over TLS) does not prove who it is with a certificate we
    trust."""

    retry_after = 60

    def __init__(self, over_tls: bool) -> None:
        if over_tls:
            message = _(
                "The company directory cannot be reached securely, so the sign-in cannot be "
                "checked. Try again in a few minutes; if it goes on, tell your administrator."
            )
        else:
            message = _(
                "The company directory cannot be reached, so the sign-in cannot be checked. "
                "Try again in a few minutes; if it goes on, tell your administrator."
            )
        super().__init__(message)


def uses_tls(config) -> bool:
    return config["AUTH_LDAP_SERVER"].lower().startswith("ldaps://") or config["AUTH_LDAP_USE_TLS"]


def secure(ldap, connection, config) -> None:
    """The TLS settings on this connection only; StartTLS when LDAP_USE_TLS says so. Once per
    connection. Raises the ldap module's errors (see reachable)."""
    if getattr(connection, SECURED, False):
        return
    setattr(connection, SECURED, True)
    if not uses_tls(config):
        return
    if config["AUTH_LDAP_TLS_CACERTFILE"]:
        connection.set_option(ldap.OPT_X_TLS_CACERTFILE, config["AUTH_LDAP_TLS_CACERTFILE"])
    demand = ldap.OPT_X_TLS_DEMAND if config["AUTH_LDAP_TLS_DEMAND"] else ldap.OPT_X_TLS_ALLOW
    connection.set_option(ldap.OPT_X_TLS_REQUIRE_CERT, demand)
    connection.set_option(ldap.OPT_X_TLS_NEWCTX, 0)  # a TLS context of this connection's own
    if config["AUTH_LDAP_USE_TLS"]:
        connection.start_tls_s()


@contextmanager
def reachable(ldap, config):
    """Turns "cannot connect" (refused, timed out, TLS handshake or certificate refused) into
    DirectoryUnavailableError, with the details in the operator's log."""
    try:
        yield
    except (ldap.SERVER_DOWN, ldap.CONNECT_ERROR, ldap.TIMEOUT) as exc:
        over_tls = uses_tls(config)
        log.warning(
            "LDAP server %s unreachable%s: %s",
            config["AUTH_LDAP_SERVER"],
            " or its TLS certificate not trusted (LDAP_TLS_CACERTFILE)" if over_tls else "",
            exc,
        )
        raise DirectoryUnavailableError(over_tls) from exc


class DirectoryTlsMixin:
    """For the security manager: FAB's LDAP sign-in, its connection secured here first."""

    # FAB's own TLS steps (process-wide options, StartTLS before any check) stay off.
    auth_ldap_use_tls = False
    auth_ldap_tls_cacertfile = ""
    auth_ldap_tls_demand = False
    auth_ldap_allow_self_signed = False

    def _ldap_bind_indirect(self, ldap, con) -> None:
        config = current_app.config
        with reachable(ldap, config):
            secure(ldap, con, config)
            super()._ldap_bind_indirect(ldap, con)

    def _ldap_bind(self, ldap, con, dn: str, password: str) -> bool:
        config = current_app.config
        with reachable(ldap, config):
            secure(ldap, con, config)
            return super()._ldap_bind(ldap, con, dn, password)
