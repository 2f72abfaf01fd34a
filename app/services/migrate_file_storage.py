"""Moving the stored files from the folder to a bucket, each one's digest checked on arrival.

Idempotent: a file already in the bucket with its recorded SHA-256 is left alone, so a rerun after
an interruption copies only what is still missing. A file missing from the folder, or whose bytes
no longer match their digest (in the folder, or in the bucket after the copy), is a problem: the
move is not finished until there are none. Nothing in the database changes: keys stay the same.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from app.i18n import _
from app.services.audit_files import FileProblem, stored_files
from app.storage import FileStorage, InvalidStorageKeyError, StoredFileMissingError


@dataclass
class FileMove:
    checked: int = 0
    copied: int = 0
    already_there: int = 0
    problems: list[FileProblem] = field(default_factory=list)

    @property
    def finished(self) -> bool:
        return not self.problems


def migrate_file_storage(session: Session, source: FileStorage, target: FileStorage) -> FileMove:
    """Copy every attachment's bytes (removed ones included) from `source` to `target` under the
    same key. Raises StorageUnavailableError when either cannot be reached."""
    move = FileMove()
    rows = stored_files(session)
    for row in rows:
        move.checked += 1
        outcome = _move_one(source, target, row.storage_key, row.sha256)
        if outcome == "copied":
            move.copied += 1
        elif outcome == "there":
            move.already_there += 1
        else:
            move.problems.append(
                FileProblem(row.invoice_id, row.number, row.filename, row.storage_key, outcome)
            )
    return move


def _move_one(source: FileStorage, target: FileStorage, key: str, recorded: str) -> str:
    """'copied', 'there', or what is wrong with this file."""
    try:
        if _digest(target, key) == recorded:
            return "there"
        data = source.read(key)
    except InvalidStorageKeyError:
        return str(_("its storage key is not valid, so its bytes cannot be found"))
    except StoredFileMissingError:
        return str(_("it is missing from the folder; nothing was copied"))
    if hashlib.sha256(data).hexdigest() != recorded:
        return str(_("its bytes in the folder do not match the recorded SHA-256; not copied"))
    target.put(key, data)
    if _digest(target, key) != recorded:
        return str(_("its copy in the bucket does not match the recorded SHA-256"))
    return "copied"


def _digest(storage: FileStorage, key: str) -> str | None:
    """The SHA-256 of the bytes stored under key; None when there are none."""
    try:
        stored = storage.open(key)
    except StoredFileMissingError:
        return None
    digest = hashlib.sha256()
    for chunk in stored.chunks():
        digest.update(chunk)
    return digest.hexdigest()
