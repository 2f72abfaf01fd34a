"""Who an OpenID Connect sign-in is: the user name, e-mail, names and groups from the ID token's
claims (or the provider's userinfo endpoint when the ID token leaves them out); and where to
sign out at the provider afterwards (RP-initiated logout)."""

from __future__ import annotations

import logging
from urllib.parse import urlencode

log = logging.getLogger(__name__)

# What a session signed in through a provider keeps to sign out there: {"provider", "id_token"}.
SIGNED_IN_AT = "oidc_signed_in_at"
ID_TOKEN_HINT_MAX_CHARS = 2000


def user_info(remote, response: dict, config) -> dict:
    """FAB's userinfo for auth_user_oauth: username, email, first_name, last_name, role_keys
    (the groups AUTH_ROLES_MAPPING maps to roles)."""
    username_claim, groups_claim = config["OIDC_USERNAME_CLAIM"], config["OIDC_GROUPS_CLAIM"]
    claims = dict(response.get("userinfo") or {})
    if username_claim not in claims or groups_claim not in claims:
        claims = {**dict(remote.userinfo(token=response)), **claims}
    username = claims.get(username_claim) or claims.get("email") or ""
    return {
        "username": str(username),
        "email": str(claims.get("email") or ""),
        "first_name": str(claims.get("given_name") or ""),
        "last_name": str(claims.get("family_name") or ""),
        "role_keys": _groups(claims.get(groups_claim)),
    }


def _groups(value) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [str(item) for item in value if isinstance(item, str | int)]
    return []


def signed_in_at(provider: str, response: dict) -> dict:
    """What the session keeps of a sign-in at `provider`: its name, and the ID token unless
    it is too large for the session cookie (browsers drop a cookie over about 4 KB)."""
    kept = {"provider": provider}
    id_token = response.get("id_token")
    if isinstance(id_token, str) and 0 < len(id_token) <= ID_TOKEN_HINT_MAX_CHARS:
        kept["id_token"] = id_token
    return {SIGNED_IN_AT: kept}


def end_session_url(remote, id_token: str | None, back_to: str) -> str | None:
    """The provider's end_session_endpoint (from its discovery document) asked to sign the
    user out and send the browser to `back_to`; None when it has none or is unreachable.
    Without the ID token as the hint, the provider may ask the user to confirm."""
    try:
        endpoint = remote.load_server_metadata().get("end_session_endpoint")
    except Exception as exc:  # noqa: BLE001 - the discovery document unreachable: sign out here
        log.warning("OpenID Connect provider unreachable for signing out: %s", exc)
        return None
    if not isinstance(endpoint, str) or not endpoint:
        return None
    asked = {"post_logout_redirect_uri": back_to, "client_id": remote.client_id}
    if id_token:
        asked = {"id_token_hint": id_token, **asked}
    return f"{endpoint}{'&' if '?' in endpoint else '?'}{urlencode(asked)}"
