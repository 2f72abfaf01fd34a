"""Stored files against their recorded SHA-256: a file changed or gone is named.

Removed files are checked too: removing only hides a file, its bytes stay for the audit.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.i18n import _
from app.models import Attachment, Invoice
from app.storage import (
    FileStorage,
    InvalidStorageKeyError,
    StorageUnavailableError,
    StoredFile,
    StoredFileMissingError,
)

_ROWS = 1000


@dataclass(frozen=True)
class FileProblem:
    invoice_id: int
    invoice_number: int | None
    filename: str
    storage_key: str
    message: str


@dataclass
class FileCheck:
    checked: int = 0
    problems: list[FileProblem] = field(default_factory=list)


def stored_files(session: Session):
    """Every attachment's invoice, number, name, key and digest (removed ones included), read
    in batches: what the re-hash and the move to another storage go through."""
    return session.execute(
        select(
            Attachment.invoice_id,
            Invoice.number,
            Attachment.filename,
            Attachment.storage_key,
            Attachment.sha256,
        )
        .join(Invoice, Invoice.id == Attachment.invoice_id)
        .order_by(Attachment.id)
        .execution_options(yield_per=_ROWS)
    )


def verify_files(session: Session, storage: FileStorage) -> FileCheck:
    """Re-hash every stored file, removed ones included."""
    check = FileCheck()
    rows = stored_files(session)
    for row in rows:
        check.checked += 1
        problem = _file_problem(storage, row.storage_key, row.sha256)
        if problem is not None:
            check.problems.append(
                FileProblem(row.invoice_id, row.number, row.filename, row.storage_key, str(problem))
            )
    return check


def _file_problem(storage: FileStorage, key: str, recorded: str):
    try:
        digest = _sha256(storage.open(key))
    except InvalidStorageKeyError:
        return _("its storage key is not valid, so its bytes cannot be found")
    except StoredFileMissingError:
        return _("it vanished from the file storage")
    except StorageUnavailableError as exc:
        return _("it cannot be read (%(why)s)", why=exc.reason)
    if digest != recorded:
        return _(
            "it changed: its SHA-256 is %(now)s, the recorded one %(recorded)s",
            now=digest,
            recorded=recorded,
        )
    return None


def _sha256(stored: StoredFile) -> str:
    digest = hashlib.sha256()
    for chunk in stored.chunks():
        digest.update(chunk)
    return digest.hexdigest()
