"""What every file storage offers, and how it fails.

A key is 32 hex digits made at upload; the database keeps it with the file's SHA-256. Backends
raise StoredFileMissingError for a key whose bytes are not there and StorageUnavailableError when
the storage itself cannot be reached (the request answers 503; nothing is recorded as stored).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO, Protocol

from app.errors import NotFoundError, ServiceUnavailableError
from app.i18n import _

HEX = frozenset("0123456789abcdef")
CHUNK = 1024 * 1024


class InvalidStorageKeyError(ValueError):
    """Not a key this app makes: never looked up."""


class StoredFileMissingError(NotFoundError):
    """The storage answers, but holds no bytes under this key."""

    def __init__(self, key: str):
        super().__init__(_("The file's contents are missing from the file storage."))
        self.key = key


class StorageUnavailableError(ServiceUnavailableError):
    """The file storage cannot be reached or written now (a stopped S3 server, a folder that
    cannot be written); `reason` says why, for the log."""

    retry_after = 30

    def __init__(self, reason: str):
        super().__init__(_("The file storage is unavailable. Please try again in a moment."))
        self.reason = reason


@dataclass
class StoredFile:
    """An open stored file: read it in chunks, then close it."""

    stream: BinaryIO
    size: int

    def chunks(self) -> Iterator[bytes]:
        try:
            while chunk := self.stream.read(CHUNK):
                yield chunk
        finally:
            self.stream.close()

    def read(self) -> bytes:
        try:
            return self.stream.read()
        finally:
            self.stream.close()


class FileStorage(Protocol):
    """One interface, two backends (app/storage/local.py, app/storage/s3.py)."""

    name: str

    def save(self, data: bytes | BinaryIO) -> str:
        """Store the bytes under a new key and return it."""

    def put(self, key: str, data: bytes | BinaryIO) -> None:
        """Store the bytes under a given key (a migration keeps the keys)."""

    def open(self, key: str) -> StoredFile: ...

    def read(self, key: str) -> bytes: ...

    def exists(self, key: str) -> bool: ...

    def size(self, key: str) -> int: ...

    def delete(self, key: str) -> None:
        """Remove the bytes (held uploads only: an attachment's bytes stay for the audit)."""

    def remove_older_than(self, timestamp: float) -> int:
        """Remove what was stored before `timestamp` (seconds since the epoch); return how many."""


def new_key() -> str:
    return uuid.uuid4().hex


def check_key(key: object) -> str:
    if not isinstance(key, str) or len(key) != 32 or not HEX.issuperset(key):
        raise InvalidStorageKeyError("invalid storage key")
    return key


def as_bytes(data: bytes | BinaryIO) -> bytes:
    return data if isinstance(data, bytes | bytearray | memoryview) else data.read()
