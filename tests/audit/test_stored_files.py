"""Verify re-hashes every stored file against the SHA-256 recorded at upload."""

from __future__ import annotations

import pytest

from app.extensions import db
from app.models import Attachment
from app.services.attachments import IncomingFile, add_attachments, remove_attachment
from app.storage import LocalFileStorage
from tests.web.forms import PDF

NAMES = ("scan.pdf", "contract.pdf")


@pytest.fixture
def files(app, ivan, invoice_id):
    """Two files on the invoice: {filename: storage path}."""
    storage = LocalFileStorage(app.config["FILE_STORAGE_DIR"])
    incoming = [IncomingFile(name, PDF + name.encode(), "invoice") for name in NAMES]
    with app.app_context():
        actor = app.appbuilder.sm.get_user_by_id(ivan)
        added = add_attachments(db.session, actor, invoice_id, incoming, storage, 1024 * 1024)
        paths = {a.filename: storage.path_for(a.storage_key) for a in added.files}
        db.session.remove()
    return paths


def test_untouched_files_pass(cli, files):
    result = cli("audit", "verify")
    assert result.exit_code == 0, result.output
    assert "2 stored files re-hashed, 0 with problems." in result.output


def test_a_changed_file_and_a_vanished_file_are_named(cli, files, invoice_id):
    files["scan.pdf"].write_bytes(PDF + b"% edited")
    files["contract.pdf"].unlink()
    result = cli("audit", "verify")
    assert result.exit_code == 1
    scan_key, contract_key = files["scan.pdf"].name, files["contract.pdf"].name
    assert (
        f"FILE: invoice #{invoice_id}, 'scan.pdf' (storage key {scan_key}): it changed: its "
        "SHA-256 is" in result.output
    )
    assert (
        f"FILE: invoice #{invoice_id}, 'contract.pdf' (storage key {contract_key}): it vanished "
        "from the file storage." in result.output
    )
    assert "2 stored files re-hashed, 2 with problems." in result.output


def test_a_removed_file_keeps_its_bytes_and_is_checked_too(cli, app, ivan, files):
    with app.app_context():
        scan = db.session.query(Attachment).filter_by(filename="scan.pdf").one()
        remove_attachment(db.session, app.appbuilder.sm.get_user_by_id(ivan), scan.id)
        db.session.remove()
    assert files["scan.pdf"].exists()
    files["scan.pdf"].unlink()
    result = cli("audit", "verify")
    assert result.exit_code == 1
    assert "'scan.pdf'" in result.output and "vanished" in result.output


def test_file_rehashing_can_be_skipped(cli, files):
    files["scan.pdf"].unlink()
    result = cli("audit", "verify", "--skip-files")
    assert result.exit_code == 0
    assert "Stored files not re-hashed (--skip-files)." in result.output
