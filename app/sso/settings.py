"""The SSO settings of config.py checked, and turned into the ones Flask-AppBuilder reads."""

from __future__ import annotations

from pathlib import Path

from flask import current_app
from flask_appbuilder.const import AUTH_DB, AUTH_LDAP, AUTH_OAUTH
from flask_babel import gettext
from flask_babel.speaklater import LazyString


class SsoSettingError(RuntimeError):
    """A single sign-on setting that cannot work: the app refuses to start."""


def configure(config) -> None:
    """Check the SSO settings of a Flask config and derive FAB's OAUTH_PROVIDERS from the OIDC_*
    ones (unless given). Raises SsoSettingError."""
    mapping = config.get("AUTH_ROLES_MAPPING") or {}
    if not callable(mapping):
        config["AUTH_ROLES_MAPPING"] = roles_mapping(mapping)
    config["AUTH_LOCAL_LOGIN_USERS"] = [str(name) for name in config["AUTH_LOCAL_LOGIN_USERS"]]
    method = config["AUTH_TYPE"]
    if method == AUTH_DB:
        config["AUTH_ROLES_SYNC_AT_LOGIN"] = False  # no directory to take roles from
    if method == AUTH_LDAP and not config["AUTH_LDAP_SERVER"]:
        raise SsoSettingError("AUTH_TYPE=ldap needs LDAP_SERVER (ldap://host:389).")
    if method == AUTH_LDAP and config["AUTH_LDAP_BIND_USER"] and not config["AUTH_LDAP_SEARCH"]:
        raise SsoSettingError("LDAP_BIND_USER needs LDAP_SEARCH (the base DN of the users).")
    if method == AUTH_LDAP:
        _check_ldap_tls(config)
    if method == AUTH_OAUTH and not config.get("OAUTH_PROVIDERS"):
        config["OAUTH_PROVIDERS"] = [oidc_provider(config)]


def roles_mapping(mapping) -> dict[str, list[str]]:
    """{"group": ["Role", ...]}; a single role may be given as a string."""
    if not isinstance(mapping, dict):
        raise SsoSettingError('SSO_ROLES_MAPPING must be a JSON object: {"group": ["Role"]}.')
    result = {}
    for group, roles in mapping.items():
        names = [roles] if isinstance(roles, str) else roles
        if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
            raise SsoSettingError(f"SSO_ROLES_MAPPING: the roles of {group!r} must be names.")
        result[str(group)] = names
    return result


def oidc_provider(config) -> dict:
    """FAB's description of one OpenID Connect provider, read from its discovery document."""
    missing = [key for key in ("OIDC_METADATA_URL", "OIDC_CLIENT_ID") if not config[key]]
    if missing:
        raise SsoSettingError(f"AUTH_TYPE=oidc needs {' and '.join(missing)}.")
    return {
        "name": config["OIDC_PROVIDER_NAME"],
        "label": config["OIDC_PROVIDER_LABEL"],
        "icon": "fa-sign-in",
        "token_key": "access_token",  # noqa: S106 - the name of a field
        "remote_app": {
            "client_id": config["OIDC_CLIENT_ID"],
            "client_secret": config["OIDC_CLIENT_SECRET"],
            "server_metadata_url": config["OIDC_METADATA_URL"],
            # PKCE (RFC 7636): a code stolen on its way back is useless without our verifier.
            "client_kwargs": {"scope": config["OIDC_SCOPES"], "code_challenge_method": "S256"},
        },
    }


def _check_ldap_tls(config) -> None:
    if config["AUTH_LDAP_USE_TLS"] and config["AUTH_LDAP_SERVER"].lower().startswith("ldaps://"):
        raise SsoSettingError("LDAP_USE_TLS (StartTLS) needs an ldap:// LDAP_SERVER, not ldaps://.")
    ca_file = config["AUTH_LDAP_TLS_CACERTFILE"]
    if ca_file and not Path(ca_file).is_file():
        raise SsoSettingError(f"LDAP_TLS_CACERTFILE: no such file {ca_file!r}.")


def is_single_sign_on(config) -> bool:
    return config["AUTH_TYPE"] != AUTH_DB


def is_local_only(config, username) -> bool:
    """Whether this name belongs to a break-glass user: signed in with the password kept here
    only, never through the directory or the provider (which might name someone else so)."""
    typed = username.strip().lower() if isinstance(username, str) else ""
    return bool(typed) and typed in {name.lower() for name in config["AUTH_LOCAL_LOGIN_USERS"]}


def roles_field_description() -> LazyString:
    """The users screen's hint under Roles, in the reader's language when shown."""
    return LazyString(_roles_hint)


def _roles_hint() -> str:
    hint = gettext("The roles decide what the user may see and do.")
    if current_app.config["AUTH_ROLES_SYNC_AT_LOGIN"]:
        hint += " " + gettext(
            "They are set again from the directory groups at each sign-in: change the groups there."
        )
    return hint
