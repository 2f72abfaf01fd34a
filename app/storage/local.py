"""Files in a local folder (or one mounted from a file server), under key[:2]/key."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path
from typing import BinaryIO

from app.storage.base import (
    StorageUnavailableError,
    StoredFile,
    StoredFileMissingError,
    as_bytes,
    check_key,
    new_key,
)


class LocalFileStorage:
    name = "local"

    def __init__(self, root: str | os.PathLike):
        self.root = Path(root)

    def __repr__(self) -> str:
        return f"folder {self.root}"

    def save(self, data: bytes | BinaryIO) -> str:
        key = new_key()
        self.put(key, data)
        return key

    def put(self, key: str, data: bytes | BinaryIO) -> None:
        path = self.path_for(key)
        tmp = path.with_suffix(".part")
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp.write_bytes(as_bytes(data))
            os.replace(tmp, path)
        except OSError as exc:
            _forget(tmp)
            raise StorageUnavailableError(f"{self}: {exc}") from exc

    def open(self, key: str) -> StoredFile:
        path = self.path_for(key)
        try:
            stream = path.open("rb")
            return StoredFile(stream, os.fstat(stream.fileno()).st_size)
        except FileNotFoundError as exc:
            self._check_reachable(exc)
            raise StoredFileMissingError(key) from exc
        except OSError as exc:
            raise StorageUnavailableError(f"{self}: {exc}") from exc

    def read(self, key: str) -> bytes:
        return self.open(key).read()

    def exists(self, key: str) -> bool:
        return self._stat(key) is not None

    def size(self, key: str) -> int:
        stat = self._stat(key)
        if stat is None:
            raise StoredFileMissingError(key)
        return stat.st_size

    def delete(self, key: str) -> None:
        try:
            self.path_for(key).unlink(missing_ok=True)
        except OSError as exc:
            raise StorageUnavailableError(f"{self}: {exc}") from exc

    def remove_older_than(self, timestamp: float) -> int:
        if not self.root.is_dir():
            return 0
        removed = 0
        for path in self.root.glob("*/*"):
            if path.is_file() and path.stat().st_mtime < timestamp:
                path.unlink(missing_ok=True)
                removed += 1
        return removed

    def keys(self):
        """Every key in the folder (what `flask storage migrate` may find beyond the database)."""
        for path in self.root.glob("*/*"):
            if path.is_file() and path.suffix != ".part":
                yield path.name

    def path_for(self, key: str) -> Path:
        """The file's path in the folder; InvalidStorageKeyError for a key not of ours."""
        key = check_key(key)
        return self.root / key[:2] / key

    def _stat(self, key: str):
        try:
            return self.path_for(key).stat()
        except FileNotFoundError as exc:
            self._check_reachable(exc)
            return None
        except OSError as exc:
            raise StorageUnavailableError(f"{self}: {exc}") from exc

    def _check_reachable(self, cause: OSError) -> None:
        """A missing root is a storage not mounted (or misconfigured), not a missing file."""
        if not self.root.is_dir():
            raise StorageUnavailableError(f"{self}: the folder is not there") from cause


def _forget(path: Path) -> None:
    with contextlib.suppress(OSError):  # the folder itself is what failed
        path.unlink(missing_ok=True)
