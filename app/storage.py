"""File storage: a local folder outside the web root; the database keeps keys and digests."""

from __future__ import annotations

import os
import uuid
from pathlib import Path


class LocalFileStorage:
    def __init__(self, root: str | os.PathLike):
        self.root = Path(root)

    def save(self, data: bytes) -> str:
        key = uuid.uuid4().hex
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".part")
        tmp.write_bytes(data)
        os.replace(tmp, path)
        return key

    def path_for(self, key: str) -> Path:
        return self._path(key)

    def _path(self, key: str) -> Path:
        if len(key) != 32 or not all(c in "0123456789abcdef" for c in key):
            raise ValueError("invalid storage key")
        return self.root / key[:2] / key
