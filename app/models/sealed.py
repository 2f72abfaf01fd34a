"""Columns sealed at rest: a copy of the database alone does not reveal them (Fernet, from
the `cryptography` package: AES-128-CBC with an HMAC-SHA256, each value with its own IV).

The key is FIELD_ENCRYPTION_KEY (a Fernet key) or, when unset, derived from SECRET_KEY with
HKDF. Older keys listed in FIELD_ENCRYPTION_OLD_KEYS still open values sealed with them.
"""

from __future__ import annotations

import base64
import logging

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlalchemy import String
from sqlalchemy.types import TypeDecorator

_keys: MultiFernet | None = None


def configure(secret_key: str, field_key: str | None, old_keys: str = "") -> None:
    """Set the keys for this process (the app factory calls it with the settings)."""
    global _keys  # noqa: PLW0603 - one key ring per process, set at start
    current = field_key or _derived(secret_key)
    ring = [current, *(k.strip() for k in old_keys.split(",") if k.strip())]
    _keys = MultiFernet([Fernet(key) for key in ring])


def _derived(secret_key: str) -> bytes:
    hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"invoiceflow sealed")
    return base64.urlsafe_b64encode(hkdf.derive(secret_key.encode()))


def _ring() -> MultiFernet:
    if _keys is None:
        raise RuntimeError("Sealed columns are used before the app configured their key.")
    return _keys


class SealedString(TypeDecorator):
    """A short secret (e.g. a TOTP key) stored sealed; read back as the plain text."""

    impl = String(255)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        return _ring().encrypt(value.encode()).decode("ascii")

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        try:
            return _ring().decrypt(value.encode("ascii")).decode()
        except InvalidToken:
            # Sealed with a key this process no longer has: as if never set (the user sets
            # up again); said loudly, since only a key change explains it.
            logging.getLogger(__name__).error("a sealed value cannot be opened with the keys set")
            return None


def seal(value: str) -> str:
    """A short secret sealed for keeping outside the database (e.g. in the session cookie)."""
    return _ring().encrypt(value.encode()).decode("ascii")


def unseal(token) -> str | None:
    """What `seal` sealed; None for anything else (or for a value of a key no longer set)."""
    if not isinstance(token, str):
        return None
    try:
        return _ring().decrypt(token.encode("ascii")).decode()
    except (InvalidToken, UnicodeError):
        return None
