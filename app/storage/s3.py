"""Files in an S3-compatible bucket (MinIO, Ceph, a cloud bucket), under prefix + key[:2]/key:
the layout of the folder, so either can be copied to the other as it is."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import BinaryIO

import boto3
from botocore.config import Config as BotoConfig
from botocore.exceptions import BotoCoreError, ClientError

from app.storage.base import (
    StorageUnavailableError,
    StoredFile,
    StoredFileMissingError,
    as_bytes,
    check_key,
    new_key,
)

NOT_FOUND = frozenset({"404", "NoSuchKey", "NotFound"})


class S3FileStorage:
    name = "s3"

    def __init__(self, bucket: str, prefix: str = "", client=None, **client_options):
        self.bucket = bucket
        self.prefix = prefix
        self.client = client or make_client(**client_options)

    def __repr__(self) -> str:
        return f"bucket {self.bucket}/{self.prefix}"

    def within(self, folder: str) -> S3FileStorage:
        """The same bucket under a sub-prefix (held uploads), sharing the client."""
        return S3FileStorage(self.bucket, f"{self.prefix}{folder}/", client=self.client)

    def save(self, data: bytes | BinaryIO) -> str:
        key = new_key()
        self.put(key, data)
        return key

    def put(self, key: str, data: bytes | BinaryIO) -> None:
        with self._reaching("store"):
            self.client.put_object(
                Bucket=self.bucket, Key=self.object_name(key), Body=as_bytes(data)
            )

    def open(self, key: str) -> StoredFile:
        with self._reaching("read", key):
            answer = self.client.get_object(Bucket=self.bucket, Key=self.object_name(key))
        return StoredFile(_Closing(answer["Body"]), answer["ContentLength"])

    def read(self, key: str) -> bytes:
        stored = self.open(key)
        with self._reaching("read", key):
            return stored.read()

    def exists(self, key: str) -> bool:
        try:
            self.size(key)
        except StoredFileMissingError:
            return False
        return True

    def size(self, key: str) -> int:
        with self._reaching("look up", key):
            answer = self.client.head_object(Bucket=self.bucket, Key=self.object_name(key))
        return answer["ContentLength"]

    def delete(self, key: str) -> None:
        with self._reaching("delete"):
            self.client.delete_object(Bucket=self.bucket, Key=self.object_name(key))

    def remove_older_than(self, timestamp: float) -> int:
        cutoff = datetime.fromtimestamp(timestamp, UTC)
        removed = 0
        with self._reaching("clean up"):
            pages = self.client.get_paginator("list_objects_v2").paginate(
                Bucket=self.bucket, Prefix=self.prefix
            )
            for page in pages:
                for item in page.get("Contents", []):
                    if item["LastModified"] < cutoff:
                        self.client.delete_object(Bucket=self.bucket, Key=item["Key"])
                        removed += 1
        return removed

    def object_name(self, key: str) -> str:
        key = check_key(key)
        return f"{self.prefix}{key[:2]}/{key}"

    def _reaching(self, doing: str, key: str | None = None):
        return _Translated(self, doing, key)


class _Translated:
    """Boto's errors in the storage's terms: not there, or not reachable."""

    def __init__(self, storage: S3FileStorage, doing: str, key: str | None):
        self.storage, self.doing, self.key = storage, doing, key

    def __enter__(self):
        return self

    def __exit__(self, kind, exc, _traceback):
        if isinstance(exc, ClientError) and self.key is not None and _not_found(exc):
            raise StoredFileMissingError(self.key) from exc
        if isinstance(exc, BotoCoreError | ClientError):
            reason = f"{self.storage}: cannot {self.doing}: {exc}"
            raise StorageUnavailableError(reason) from exc
        return False


def _not_found(exc: ClientError) -> bool:
    return exc.response.get("Error", {}).get("Code") in NOT_FOUND


class _Closing:
    """An object's body whose read errors (the server gone mid-file) say so in storage terms."""

    def __init__(self, body):
        self.body = body

    def read(self, size: int = -1) -> bytes:
        try:
            return self.body.read(size if size >= 0 else None)
        except (BotoCoreError, ClientError, OSError) as exc:
            raise StorageUnavailableError(f"reading an object: {exc}") from exc

    def close(self) -> None:
        self.body.close()


def make_client(
    endpoint_url: str | None = None,
    region: str | None = None,
    access_key_id: str | None = None,
    secret_access_key: str | None = None,
    connect_timeout: float = 5,
    read_timeout: float = 60,
    max_attempts: int = 3,
):
    """A client of any S3 API; without keys, boto3 finds credentials as usual (an instance
    role, ~/.aws, AWS_* variables)."""
    return boto3.session.Session().client(
        "s3",
        endpoint_url=endpoint_url or None,
        region_name=region or None,
        aws_access_key_id=access_key_id or None,
        aws_secret_access_key=secret_access_key or None,
        config=BotoConfig(
            connect_timeout=connect_timeout,
            read_timeout=read_timeout,
            retries={"max_attempts": max_attempts, "mode": "standard"},
            s3={"addressing_style": "path"} if endpoint_url else None,
        ),
    )
