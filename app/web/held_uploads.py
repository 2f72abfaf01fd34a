"""A file chosen in a form that was refused for another reason, kept for the re-rendered form.

A browser cannot refill a file input after a round trip, so the server keeps the file and the
re-rendered form carries a token instead. The token is signed and names the person and the form
it was made for (a payment of one task): nobody can use another person's file, or a file kept for
another task, and it expires after HELD_UPLOAD_SECONDS. The file itself waits in a folder of its
own (`held` inside the file storage, which every web machine sees, or HELD_UPLOAD_DIR) until it
is used, replaced or too old.
"""

from __future__ import annotations

import contextlib
import time
from dataclasses import dataclass

from flask import current_app
from itsdangerous import BadData, URLSafeTimedSerializer

from app.services.attachments import IncomingFile
from app.storage import (
    FileStorage,
    InvalidStorageKeyError,
    StorageUnavailableError,
    StoredFileMissingError,
    configured_storage,
)
from app.storage.base import check_key

SALT = "held-upload"


@dataclass(frozen=True)
class HeldFile:
    token: str
    filename: str


def hold(incoming: IncomingFile, owner_id: int, purpose: str) -> HeldFile:
    """Keep `incoming` for `owner_id`'s next post of the form `purpose`."""
    _forget_old_files()
    key = _storage().save(incoming.data)
    token = _signer().dumps({"k": key, "u": owner_id, "p": purpose, "n": incoming.filename})
    return HeldFile(token, incoming.filename)


def take(token: object, owner_id: int, purpose: str) -> IncomingFile | None:
    """The file kept under `token` for this person and form; None when the token is not theirs,
    has expired, or the file is gone (the form then asks for the file again)."""
    value = _read(token, owner_id, purpose)
    if value is None:
        return None
    try:
        data = _storage().read(value["k"])  # StorageUnavailableError: 503, try again
    except StoredFileMissingError:
        return None
    return IncomingFile(str(value["n"]), data)


def release(token: object, owner_id: int, purpose: str) -> None:
    """The kept file was used (or replaced): remove it."""
    value = _read(token, owner_id, purpose)
    if value is not None:
        with contextlib.suppress(StorageUnavailableError):  # left for _forget_old_files
            _storage().delete(value["k"])


def _read(token: object, owner_id: int, purpose: str) -> dict | None:
    if not isinstance(token, str) or not token:
        return None
    try:
        value = _signer().loads(token, max_age=_max_age())
        if value.get("u") != owner_id or value.get("p") != purpose:
            return None
        check_key(value["k"])  # refuses a key that is not one of ours
    except (BadData, InvalidStorageKeyError, ValueError, AttributeError, KeyError, TypeError):
        return None
    return value


def _forget_old_files() -> None:
    """Files nobody came back for: removed once older than their tokens."""
    _storage().remove_older_than(time.time() - _max_age())


def _storage() -> FileStorage:
    return configured_storage(current_app, held=True)


def _signer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=SALT)


def _max_age() -> int:
    return current_app.config["HELD_UPLOAD_SECONDS"]
