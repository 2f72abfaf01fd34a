"""File storage: a local folder (default) or an S3-compatible bucket, chosen by FILE_STORAGE.

The database keeps only each file's key and SHA-256; the bytes live here. Everything that stores
or reads a file (uploads, downloads, previews, the payment order, the discussion's files, the
audit's re-hash, held uploads) goes through one FileStorage.
"""

from __future__ import annotations

from pathlib import Path

from app.storage.base import (
    FileStorage,
    InvalidStorageKeyError,
    StorageUnavailableError,
    StoredFile,
    StoredFileMissingError,
)
from app.storage.local import LocalFileStorage

BACKENDS = ("local", "s3")

__all__ = [
    "BACKENDS",
    "FileStorage",
    "InvalidStorageKeyError",
    "LocalFileStorage",
    "StorageUnavailableError",
    "StoredFile",
    "StoredFileMissingError",
    "bucket_from_config",
    "configured_storage",
    "held_storage_from_config",
    "storage_from_config",
]


SETTINGS = (
    "FILE_STORAGE",
    "FILE_STORAGE_DIR",
    "HELD_UPLOAD_DIR",
    "S3_BUCKET",
    "S3_PREFIX",
    "S3_ENDPOINT_URL",
    "S3_REGION",
    "S3_ACCESS_KEY_ID",
    "S3_SECRET_ACCESS_KEY",
    "S3_CONNECT_TIMEOUT_SECONDS",
    "S3_READ_TIMEOUT_SECONDS",
    "S3_MAX_ATTEMPTS",
)


def configured_storage(app, held: bool = False) -> FileStorage:
    """The application's storage (or its held-uploads part), made once per application and its
    settings: an S3 client is costly to make and safe to share between threads."""
    wanted = tuple(app.config.get(name) for name in SETTINGS)
    made = app.extensions.get("file_storage")
    if made is None or made[0] != wanted:
        storage = storage_from_config(app.config)
        made = (wanted, storage, held_storage_from_config(app.config, storage))
        app.extensions["file_storage"] = made
    return made[2] if held else made[1]


def storage_from_config(config) -> FileStorage:
    """The storage FILE_STORAGE names; ValueError for an unknown name or a bucket not set."""
    backend = config.get("FILE_STORAGE", "local")
    if backend == "local":
        return LocalFileStorage(config["FILE_STORAGE_DIR"])
    if backend == "s3":
        return bucket_from_config(config)
    raise ValueError(f"FILE_STORAGE must be one of {', '.join(BACKENDS)}, not {backend!r}")


def bucket_from_config(config):
    """The S3 bucket the S3_* settings name (also the target of `flask storage migrate`)."""
    from app.storage.s3 import S3FileStorage  # noqa: PLC0415 - boto3 only when a bucket is used

    if not config.get("S3_BUCKET"):
        raise ValueError("FILE_STORAGE=s3 needs S3_BUCKET")
    return S3FileStorage(
        config["S3_BUCKET"],
        config.get("S3_PREFIX", ""),
        endpoint_url=config.get("S3_ENDPOINT_URL"),
        region=config.get("S3_REGION"),
        access_key_id=config.get("S3_ACCESS_KEY_ID"),
        secret_access_key=config.get("S3_SECRET_ACCESS_KEY"),
        connect_timeout=config.get("S3_CONNECT_TIMEOUT_SECONDS", 5),
        read_timeout=config.get("S3_READ_TIMEOUT_SECONDS", 60),
        max_attempts=config.get("S3_MAX_ATTEMPTS", 3),
    )


def held_storage_from_config(config, storage: FileStorage) -> FileStorage:
    """Where a form's refused upload waits (app/web/held_uploads.py): HELD_UPLOAD_DIR when set,
    else `held` inside the main storage, which every web machine sees."""
    if config.get("HELD_UPLOAD_DIR"):
        return LocalFileStorage(config["HELD_UPLOAD_DIR"])
    if isinstance(storage, LocalFileStorage):
        return LocalFileStorage(Path(storage.root) / "held")
    return storage.within("held")
