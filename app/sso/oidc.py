"""Who an OpenID Connect sign-in is: the user name, e-mail, names and groups from the ID token's
claims (or the provider's userinfo endpoint when the ID token leaves them out)."""

from __future__ import annotations


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
