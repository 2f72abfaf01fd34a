"""`flask storage migrate`: the folder's files move to the bucket, each digest checked after the
copy; a rerun copies nothing twice; a missing or altered file stops it from finishing."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import select

from app import roles
from app.extensions import db
from app.models import Attachment
from tests.storage.conftest import BucketBackend, LocalBackend
from tests.web.forms import PDF


@pytest.fixture
def folder(app, tmp_path, monkeypatch):
    backend = LocalBackend(tmp_path / "files")
    for name, value in backend.settings.items():
        monkeypatch.setitem(app.config, name, value)
    return backend


@pytest.fixture
def bucket(app, s3_server, monkeypatch):
    """The target bucket, named in the S3_* settings while FILE_STORAGE is still `local`."""
    backend = BucketBackend(s3_server)
    for name, value in backend.settings.items():
        if name != "FILE_STORAGE":
            monkeypatch.setitem(app.config, name, value)
    return backend


@pytest.fixture
def three_files(make, login, folder):
    """Three files uploaded to the folder, one of them removed from the card (its bytes stay)."""
    invoice = make.invoice(make.user("olga", roles.INITIATOR), make.counterparty())
    client = login("olga")
    for n in range(3):
        content = PDF + f"% file {n}".encode()
        client.post(
            f"/files/upload/{invoice}",
            data={"kind": "invoice", "files": [(io.BytesIO(content), f"f{n}.pdf")]},
            content_type="multipart/form-data",
        )
    first = keys(client.application)[0]
    with client.application.app_context():
        attachment_id = db.session.scalar(
            select(Attachment.id).where(Attachment.storage_key == first)
        )
    client.post(f"/files/{attachment_id}/remove")
    return invoice


def keys(app) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(select(Attachment.storage_key).order_by(Attachment.id)))


def migrate(app):
    return app.test_cli_runner().invoke(args=["storage", "migrate"])


def test_every_file_moves_to_the_bucket_with_its_digest_checked(app, folder, bucket, three_files):
    result = migrate(app)
    assert result.exit_code == 0, result.output
    assert "3 files: 3 copied, 0 already in the bucket, 0 with problems." in result.output
    assert "Now set FILE_STORAGE=s3." in result.output
    for key in keys(app):
        assert bucket.stored_bytes(key) == folder.stored_bytes(key)


def test_a_rerun_copies_nothing_twice(app, folder, bucket, three_files):
    assert migrate(app).exit_code == 0
    again = migrate(app)
    assert again.exit_code == 0, again.output
    assert "3 files: 0 copied, 3 already in the bucket, 0 with problems." in again.output


def test_after_the_move_the_app_serves_the_files_from_the_bucket(
    app, folder, bucket, three_files, login, monkeypatch
):
    assert migrate(app).exit_code == 0
    monkeypatch.setitem(app.config, "FILE_STORAGE", "s3")
    folder.break_down()  # the folder is gone: only the bucket can answer
    with app.app_context():
        attachment = db.session.scalars(select(Attachment).order_by(Attachment.id.desc())).first()
        attachment_id, key = attachment.id, attachment.storage_key
    download = login("olga").get(f"/files/{attachment_id}/download")
    assert (download.status_code, download.data) == (200, bucket.stored_bytes(key))
    result = app.test_cli_runner().invoke(args=["audit", "verify"])
    assert "3 stored files re-hashed, 0 with problems." in result.output


def test_a_missing_or_altered_file_is_reported_and_the_move_does_not_finish(
    app, folder, bucket, three_files
):
    missing, altered, good = keys(app)
    folder.remove(missing)
    folder.overwrite(altered, PDF + b"% tampered")
    result = migrate(app)
    assert result.exit_code == 1
    assert f"(storage key {missing}): it is missing from the folder; nothing was copied." in (
        result.output
    )
    assert (
        f"(storage key {altered}): its bytes in the folder do not match the recorded SHA-256"
        in (result.output)
    )
    assert "3 files: 1 copied, 0 already in the bucket, 2 with problems." in result.output
    assert "NOT FINISHED" in result.output
    assert bucket.stored_bytes(good) == folder.stored_bytes(good)
    with pytest.raises(bucket.server.client.exceptions.NoSuchKey):
        bucket.stored_bytes(altered)


def test_a_wrong_copy_already_in_the_bucket_is_replaced(app, folder, bucket, three_files):
    first = keys(app)[0]
    bucket.overwrite(first, b"not the file")
    result = migrate(app)
    assert result.exit_code == 0, result.output
    assert "3 files: 3 copied, 0 already in the bucket, 0 with problems." in result.output
    assert bucket.stored_bytes(first) == folder.stored_bytes(first)


def test_an_unreachable_bucket_stops_the_move_with_a_message(app, folder, three_files, monkeypatch):
    from tests.storage.conftest import S3Server, bucket_settings

    server = S3Server()
    for name, value in bucket_settings(server, server.new_bucket()).items():
        if name != "FILE_STORAGE":
            monkeypatch.setitem(app.config, name, value)
    server.stop()
    result = migrate(app)
    assert result.exit_code == 1
    assert "The file storage cannot be reached" in result.output
