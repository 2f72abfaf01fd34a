"""oidc-provider-mock, checking PKCE (RFC 7636) as Keycloak, Azure AD and Google do.

    python -m tests.on_test_calendar tests.sso.pkce_checking_provider -H 127.0.0.1 -p PORT

The mock (0.3.4) reads `code_challenge` but never checks it: its authorization-code grant has
no PKCE extension. Here the grant gets Authlib's own (`CodeChallenge`), and the code keeps the
challenge it was issued for, so a token request with a wrong or missing `code_verifier` is
refused with `invalid_grant` / `invalid_request`. Everything else is the mock's.
"""

from __future__ import annotations

import dataclasses

from authlib.oauth2.rfc7636 import CodeChallenge
from oidc_provider_mock import _app as mock
from oidc_provider_mock import _storage
from oidc_provider_mock.__main__ import run


@dataclasses.dataclass(kw_only=True, frozen=True)
class CodeWithChallenge(_storage.AuthorizationCode):
    code_challenge: str | None = None
    code_challenge_method: str | None = None


class PkceCheckingGrant(mock.AuthorizationCodeGrant):
    def __init__(self, request, server) -> None:
        super().__init__(request, server)
        CodeChallenge(required=True)(self)

    def save_authorization_code(self, code: str, request) -> None:
        super().save_authorization_code(code, request)
        issued = _storage.storage.get_authorization_code(code)
        data = request.payload.data
        _storage.storage.store_authorization_code(
            CodeWithChallenge(
                **dataclasses.asdict(issued),
                code_challenge=data.get("code_challenge"),
                code_challenge_method=data.get("code_challenge_method"),
            )
        )


if __name__ == "__main__":
    mock.AuthorizationCodeGrant = PkceCheckingGrant  # the grant the mock's setup registers
    run()
