"""The same tests over both file storages: the local folder and an S3 bucket served by a real S3
API server on localhost (moto in server mode). `storage` names the backend a test runs on and
reaches its bytes directly (what an operator or an intruder could do to them)."""

from __future__ import annotations

import logging
import shutil
import uuid
from pathlib import Path

import boto3
import pytest
from moto.server import ThreadedMotoServer

from app.storage import LocalFileStorage

KEYS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}
REGION = "us-east-1"


class S3Server:
    """moto's S3 API on a free localhost port, in a thread; `stop()` makes it unreachable."""

    def __init__(self):
        logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no line per S3 request
        self.server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        self.server.start()
        self.running = True
        host, port = self.server.get_host_and_port()
        self.url = f"http://{host}:{port}"
        self.client = boto3.session.Session().client(
            "s3", endpoint_url=self.url, region_name=REGION, **KEYS
        )

    def new_bucket(self) -> str:
        name = f"invoiceflow-{uuid.uuid4().hex[:12]}"
        self.client.create_bucket(Bucket=name)
        return name

    def stop(self) -> None:
        if self.running:
            self.running = False
            self.server.stop()


def bucket_settings(server: S3Server, bucket: str, prefix: str = "files/") -> dict:
    return {
        "FILE_STORAGE": "s3",
        "S3_BUCKET": bucket,
        "S3_PREFIX": prefix,
        "S3_ENDPOINT_URL": server.url,
        "S3_REGION": REGION,
        "S3_ACCESS_KEY_ID": KEYS["aws_access_key_id"],
        "S3_SECRET_ACCESS_KEY": KEYS["aws_secret_access_key"],
        "S3_CONNECT_TIMEOUT_SECONDS": 2,
        "S3_READ_TIMEOUT_SECONDS": 5,
        "S3_MAX_ATTEMPTS": 1,
    }


@pytest.fixture(scope="session")
def s3_server():
    server = S3Server()
    yield server
    server.stop()


class LocalBackend:
    name = "local"

    def __init__(self, folder: Path):
        self.folder = folder
        self.settings = {"FILE_STORAGE": "local", "FILE_STORAGE_DIR": str(folder)}

    def stored_bytes(self, key: str) -> bytes:
        return LocalFileStorage(self.folder).path_for(key).read_bytes()

    def overwrite(self, key: str, data: bytes) -> None:
        LocalFileStorage(self.folder).path_for(key).write_bytes(data)

    def remove(self, key: str) -> None:
        LocalFileStorage(self.folder).path_for(key).unlink()

    def break_down(self) -> None:
        """The folder cannot be written or read: a file where the folder was."""
        shutil.move(self.folder, self.folder.with_name(self.folder.name + "-away"))
        self.folder.write_text("not a folder")

    def repair(self) -> None:
        self.folder.unlink()
        shutil.move(self.folder.with_name(self.folder.name + "-away"), self.folder)


class BucketBackend:
    name = "s3"
    prefix = "files/"

    def __init__(self, server: S3Server):
        self.server = server
        self.bucket = server.new_bucket()
        self.settings = bucket_settings(server, self.bucket, self.prefix)

    def object_name(self, key: str) -> str:
        return f"{self.prefix}{key[:2]}/{key}"

    def stored_bytes(self, key: str) -> bytes:
        answer = self.server.client.get_object(Bucket=self.bucket, Key=self.object_name(key))
        return answer["Body"].read()

    def overwrite(self, key: str, data: bytes) -> None:
        self.server.client.put_object(Bucket=self.bucket, Key=self.object_name(key), Body=data)

    def remove(self, key: str) -> None:
        self.server.client.delete_object(Bucket=self.bucket, Key=self.object_name(key))

    def break_down(self) -> None:
        self.server.stop()

    def repair(self) -> None:  # pragma: no cover - each outage test has a server of its own
        raise NotImplementedError


@pytest.fixture(params=["local", "s3"])
def storage(request, app, tmp_path, monkeypatch):
    """The app's files on the local folder, then (same test) on a bucket of the S3 server."""
    if request.param == "local":
        backend = LocalBackend(tmp_path / "files")
    else:
        backend = BucketBackend(request.getfixturevalue("s3_server"))
    for name, value in backend.settings.items():
        monkeypatch.setitem(app.config, name, value)
    return backend


@pytest.fixture(params=["local", "s3"])
def breakable_storage(request, app, tmp_path, monkeypatch):
    """Like `storage`, on a folder or an S3 server of the test's own: break_down() makes it
    unreachable (the S3 server stopped, the folder gone)."""
    if request.param == "local":
        backend = LocalBackend(tmp_path / "files")
        backend.folder.mkdir()
    else:
        server = S3Server()
        request.addfinalizer(server.stop)
        backend = BucketBackend(server)
    for name, value in backend.settings.items():
        monkeypatch.setitem(app.config, name, value)
    return backend
