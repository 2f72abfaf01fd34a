"""Files on the card: stored by content, served safely, hidden not deleted, never leaked."""

import io
import os
from pathlib import Path

import pytest

from app import roles
from app.extensions import db
from app.models import Attachment, AuditEvent
from tests.web.forms import PDF


@pytest.fixture
def card(make):
    ivan = make.user("ivan", roles.INITIATOR)
    make.user("olga", roles.INITIATOR)
    anna = make.user("anna", roles.APPROVER)
    invoice_id = make.invoice(ivan, make.counterparty(), approvers=[anna])
    return invoice_id


def upload(client, invoice_id, name, content, kind="invoice"):
    return client.post(
        f"/files/upload/{invoice_id}",
        data={"kind": kind, "files": [(io.BytesIO(content), name)]},
        content_type="multipart/form-data",
        follow_redirects=True,
    )


def stored_files(app) -> list[Path]:
    root = Path(app.config["FILE_STORAGE_DIR"])
    return [p for p in root.rglob("*") if p.is_file()]


def only_attachment(app) -> Attachment:
    with app.app_context():
        attachment = db.session.query(Attachment).one()
        db.session.expunge(attachment)
        return attachment


def test_an_upload_is_stored_outside_the_web_root_with_its_digest(card, login, app):
    response = upload(login("ivan"), card, "invoice.pdf", PDF)
    assert "1 file(s) added." in response.get_data(as_text=True)
    attachment = only_attachment(app)
    assert attachment.content_type == "application/pdf"
    assert attachment.size == len(PDF)
    import hashlib

    assert attachment.sha256 == hashlib.sha256(PDF).hexdigest()
    path = (
        Path(app.config["FILE_STORAGE_DIR"]) / attachment.storage_key[:2] / attachment.storage_key
    )
    assert path.read_bytes() == PDF
    assert "static" not in str(path)


def test_a_download_is_an_attachment_that_browsers_do_not_sniff(card, login, app):
    client = login("ivan")
    upload(client, card, "invoice.pdf", PDF)
    attachment = only_attachment(app)
    response = client.get(f"/files/{attachment.id}/download")
    assert response.status_code == 200
    assert response.data == PDF
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert "invoice.pdf" in response.headers["Content-Disposition"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_a_pdf_previews_inline_in_a_sandbox(card, login, app):
    client = login("anna")
    upload(login("ivan"), card, "invoice.pdf", PDF)
    attachment = only_attachment(app)
    response = client.get(f"/files/{attachment.id}/preview")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/pdf"
    assert response.headers["Content-Disposition"].startswith("inline")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Content-Security-Policy"].startswith("sandbox")


def test_text_files_are_never_shown_inline(card, login, app):
    client = login("ivan")
    upload(client, card, "notes.txt", b"just text")
    attachment = only_attachment(app)
    assert client.get(f"/files/{attachment.id}/preview").status_code == 404
    assert client.get(f"/files/{attachment.id}/download").headers["Content-Type"] == (
        "application/octet-stream"
    )


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("empty.pdf", b"", "The file is empty."),
        ("report.pdf", b"\x7fELF\x02\x01\x01" + b"\x00" * 64, "are not accepted"),
        ("page.pdf", b"<html><script>alert(1)</script></html>", "HTML, SVG and XML files"),
        ("logo.svg", b'<svg xmlns="http://www.w3.org/2000/svg"/>', "HTML, SVG and XML files"),
    ],
)
def test_refused_files_get_a_clear_message_and_leave_nothing_behind(
    card, login, app, name, content, message
):
    before = stored_files(app)
    response = upload(login("ivan"), card, name, content)
    assert message in response.get_data(as_text=True)
    assert stored_files(app) == before
    with app.app_context():
        assert db.session.query(Attachment).count() == 0


def test_a_path_in_the_file_name_is_dropped(card, login, app):
    upload(login("ivan"), card, "../../etc/passwd", b"root:x:0:0\n")
    assert only_attachment(app).filename == "passwd"


def test_a_file_over_the_limit_gets_413_and_nothing_is_written(card, login, app, monkeypatch):
    monkeypatch.setitem(app.config, "MAX_FILE_SIZE", 1024)
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 4096)
    client = login("ivan")
    before = stored_files(app)
    over_request_limit = upload(client, card, "big.pdf", PDF + b"0" * 8000)
    over_file_limit = upload(client, card, "big.pdf", PDF + b"0" * 2000)
    for response in (over_request_limit, over_file_limit):
        assert response.status_code == 413
        assert "larger than the" in response.get_data(as_text=True)
    assert stored_files(app) == before


def test_files_of_an_invoice_you_cannot_see_are_404(card, login, app):
    upload(login("ivan"), card, "invoice.pdf", PDF)
    attachment = only_attachment(app)
    stranger = login("olga")
    assert stranger.get(f"/files/{attachment.id}/download").status_code == 404
    assert stranger.get(f"/files/{attachment.id}/preview").status_code == 404
    assert stranger.post(f"/files/{attachment.id}/remove").status_code == 404
    assert upload(stranger, card, "x.pdf", PDF).status_code == 404


def test_the_generic_file_route_of_the_list_views_is_closed(card, login, app):
    client = login("olga")
    upload(login("ivan"), card, "invoice.pdf", PDF)
    key = only_attachment(app).storage_key
    assert client.get(f"/invoices/download/{key}").status_code == 404
    assert client.get("/invoices/download/..%2F..%2Fconfig.py").status_code == 404


def test_removing_hides_the_file_but_keeps_bytes_and_record(card, login, app):
    client = login("ivan")
    upload(client, card, "invoice.pdf", PDF)
    attachment = only_attachment(app)
    response = client.post(f"/files/{attachment.id}/remove", follow_redirects=True)
    page = response.get_data(as_text=True)
    assert "Removed files are kept for the audit trail" in page
    assert f"/files/{attachment.id}/download" not in page
    removed = only_attachment(app)
    assert removed.removed_at is not None
    assert os.path.exists(
        Path(app.config["FILE_STORAGE_DIR"]) / removed.storage_key[:2] / removed.storage_key
    )
    with app.app_context():
        actions = [e.action for e in db.session.query(AuditEvent).filter_by(invoice_id=card)]
        assert actions.count("file_added") == 1 and actions.count("file_removed") == 1


def test_an_approver_may_add_a_file_but_not_remove_the_initiators(card, login, app):
    upload(login("ivan"), card, "invoice.pdf", PDF)
    attachment = only_attachment(app)
    approver = login("anna")
    assert "1 file(s) added." in upload(approver, card, "act.pdf", PDF + b"1").get_data(
        as_text=True
    )
    assert approver.post(f"/files/{attachment.id}/remove").status_code == 403


def test_forms_without_the_csrf_token_are_refused(card, login, app, monkeypatch):
    client = login("ivan")
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    assert upload(client, card, "invoice.pdf", PDF).status_code == 400
    response = client.post("/invoices/add", data={"amount": "10"}, follow_redirects=True)
    assert response.status_code == 400
    with app.app_context():
        assert db.session.query(Attachment).count() == 0


def test_hostile_file_names_stay_inert_in_messages_and_error_pages(card, login, app, monkeypatch):
    monkeypatch.setitem(app.config, "MAIL_SERVER", "")
    client = login("ivan")
    name = "<img src=x onerror=alert(1)>.pdf"
    refused = upload(client, card, name, b"\x7fELF" + b"\x00" * 64).get_data(as_text=True)
    monkeypatch.setitem(app.config, "MAX_FILE_SIZE", 100)
    too_large = upload(client, card, name, PDF + b"0" * 200).get_data(as_text=True)
    upload(client, card, name.replace(".pdf", ".txt"), b"text")
    attachment = only_attachment(app)
    removed = client.post(f"/files/{attachment.id}/remove", follow_redirects=True)
    for page in (refused, too_large, removed.get_data(as_text=True)):
        assert "<img src=x" not in page
        assert "&lt;img src=x onerror=alert(1)&gt;" in page
