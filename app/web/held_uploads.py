"""A file chosen in a form that was refused for another reason, kept for the re-rendered form.

A browser cannot refill a file input after a round trip, so the server keeps the file and the
re-rendered form carries a token instead. The token is signed and names the person and the form
it was made for (a payment of one task): nobody can use another person's file, or a file kept for
another task, and it expires after HELD_UPLOAD_SECONDS. The file itself waits in a folder of its
own, outside the web root, until it is used, replaced or too old.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from flask import current_app
from itsdangerous import BadData, URLSafeTimedSerializer

from app.services.attachments import IncomingFile
from app.storage import LocalFileStorage

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
    path = _storage().path_for(value["k"])
    if not path.is_file():
        return None
    return IncomingFile(str(value["n"]), path.read_bytes())


def release(token: object, owner_id: int, purpose: str) -> None:
    """The kept file was used (or replaced): remove it."""
    value = _read(token, owner_id, purpose)
    if value is not None:
        _storage().path_for(value["k"]).unlink(missing_ok=True)


def _read(token: object, owner_id: int, purpose: str) -> dict | None:
    if not isinstance(token, str) or not token:
        return None
    try:
        value = _signer().loads(token, max_age=_max_age())
        if value.get("u") != owner_id or value.get("p") != purpose:
            return None
        _storage().path_for(value["k"])  # refuses a key that is not one of ours
    except (BadData, ValueError, AttributeError, KeyError, TypeError):
        return None
    return value


def _forget_old_files() -> None:
    """Files nobody came back for: removed once older than their tokens."""
    cutoff = time.time() - _max_age()
    root = _root()
    if not root.is_dir():
        return
    for path in root.glob("*/*"):
        if path.is_file() and path.stat().st_mtime < cutoff:
            path.unlink(missing_ok=True)


def _root() -> Path:
    config = current_app.config
    return Path(config["HELD_UPLOAD_DIR"] or Path(config["FILE_STORAGE_DIR"]) / "held")


def _storage() -> LocalFileStorage:
    return LocalFileStorage(_root())


def _signer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=SALT)


def _max_age() -> int:
    return current_app.config["HELD_UPLOAD_SECONDS"]
