"""Every way a file is stored or read works the same on the local folder and on an S3 bucket:
the bytes go to the storage, the database keeps the key and the digest."""

from __future__ import annotations

import hashlib
import io

import pytest
from sqlalchemy import select

from app import roles
from app.extensions import db
from app.models import Attachment, HumanTask, Payment, TaskStatus
from tests import clock
from tests.web.forms import PDF

ORDER = PDF + b"% payment order PP-7\n"


@pytest.fixture
def people(make):
    return {
        "ivan": make.user("ivan", roles.INITIATOR),
        "anna": make.user("anna", roles.APPROVER),
        "fedor": make.user("fedor", roles.FINANCE_DIRECTOR),
    }


@pytest.fixture
def invoice(make, people):
    return make.invoice(
        people["ivan"], make.counterparty(), approvers=[people["anna"]], payment_order_required=True
    )


def upload(client, invoice_id, name="scan.pdf", content=PDF):
    return client.post(
        f"/files/upload/{invoice_id}",
        data={"kind": "invoice", "files": [(io.BytesIO(content), name)]},
        content_type="multipart/form-data",
    )


def attachments(app) -> list[Attachment]:
    with app.app_context():
        rows = list(db.session.scalars(select(Attachment).order_by(Attachment.id)))
        db.session.expunge_all()
        return rows


def test_an_upload_goes_to_the_storage_and_the_database_keeps_its_key_and_digest(
    storage, app, login, invoice
):
    assert upload(login("ivan"), invoice).status_code == 302
    [attachment] = attachments(app)
    assert attachment.sha256 == hashlib.sha256(PDF).hexdigest()
    assert storage.stored_bytes(attachment.storage_key) == PDF


def test_a_download_and_a_preview_stream_the_stored_bytes(storage, app, login, invoice):
    client = login("ivan")
    upload(client, invoice)
    [attachment] = attachments(app)
    download = client.get(f"/files/{attachment.id}/download")
    assert download.status_code == 200
    assert download.data == PDF
    assert download.headers["Content-Length"] == str(len(PDF))
    assert download.headers["Content-Disposition"].startswith("attachment;")
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    preview = login("anna").get(f"/files/{attachment.id}/preview")
    assert (preview.status_code, preview.data) == (200, PDF)
    assert preview.headers["Content-Type"] == "application/pdf"
    assert preview.headers["Content-Disposition"].startswith("inline")
    assert "sandbox" in preview.headers["Content-Security-Policy"]


def test_the_api_uploads_and_downloads_through_the_storage(
    storage, app, client, api_token, invoice
):
    headers = api_token("ivan")
    created = client.post(
        f"/api/v1/invoice/{invoice}/attachments",
        headers=headers,
        data={"kind": "contract", "files": [(io.BytesIO(PDF + b"%c"), "contract.pdf")]},
        content_type="multipart/form-data",
    )
    assert created.status_code == 201, created.json
    key = attachments(app)[0].storage_key
    assert storage.stored_bytes(key) == PDF + b"%c"
    file_id = created.json["result"][0]["id"]
    download = client.get(f"/api/v1/invoice/{invoice}/attachments/{file_id}", headers=headers)
    assert (download.status_code, download.data) == (200, PDF + b"%c")


def test_the_payment_order_is_stored_and_kept_across_a_refused_form(
    storage, app, client, login, api_token, invoice
):
    assert (
        client.post(f"/api/v1/invoices/{invoice}/submit", headers=api_token("ivan")).status_code
        == 200
    )
    guid = _open_task(app, invoice)
    assert (
        login("anna").post(f"/tasks/{guid}/decision", data={"decision": "approve"}).status_code
        == 302
    )
    fedor, guid = login("fedor"), _open_task(app, invoice)
    refused = fedor.post(
        f"/tasks/{guid}/pay",
        data={"paid_on": clock.iso_days_from_today(1), "reference": "PP-7",
              "payment_order": (io.BytesIO(ORDER), "order.pdf")},
        content_type="multipart/form-data",
    )  # fmt: skip
    assert refused.status_code == 422  # a future date; the order waits in the storage
    token = _held_token(refused.get_data(as_text=True))
    paid = fedor.post(
        f"/tasks/{guid}/pay",
        data={"paid_on": clock.iso_days_from_today(-1), "reference": "PP-7",
              "payment_order_token": token},
        content_type="multipart/form-data",
    )  # fmt: skip
    assert paid.status_code == 302
    with app.app_context():
        payment = db.session.scalars(select(Payment).where(Payment.invoice_id == invoice)).one()
        order = db.session.get(Attachment, payment.payment_order_id)
        assert storage.stored_bytes(order.storage_key) == ORDER
        order_id = order.id
    assert fedor.get(f"/files/{order_id}/download").data == ORDER


def test_a_discussion_file_is_stored_and_served(storage, app, login, invoice):
    client = login("ivan")
    posted = client.post(
        f"/discussion/{invoice}/post",
        data={"text": "The signed act", "files": [(io.BytesIO(PDF + b"%act"), "act.pdf")]},
        content_type="multipart/form-data",
    )
    assert posted.status_code == 302
    [attachment] = attachments(app)
    assert storage.stored_bytes(attachment.storage_key) == PDF + b"%act"
    assert client.get(f"/files/{attachment.id}/download").data == PDF + b"%act"


def test_audit_verify_rehashes_the_stored_files(storage, app, login, invoice):
    client = login("ivan")
    upload(client, invoice, "scan.pdf", PDF + b"%1")
    upload(client, invoice, "act.pdf", PDF + b"%2")
    scan, act = attachments(app)
    cli = app.test_cli_runner()
    result = cli.invoke(args=["audit", "verify"])
    assert result.exit_code == 0, result.output
    assert "2 stored files re-hashed, 0 with problems." in result.output

    storage.overwrite(scan.storage_key, PDF + b"% edited")
    storage.remove(act.storage_key)
    result = cli.invoke(args=["audit", "verify"])
    assert result.exit_code == 1
    assert f"'scan.pdf' (storage key {scan.storage_key}): it changed" in result.output
    assert f"'act.pdf' (storage key {act.storage_key}): it vanished" in result.output


def test_a_file_missing_from_the_storage_is_a_404_that_says_so(
    storage, app, login, client, api_token, invoice
):
    upload(login("ivan"), invoice)
    [attachment] = attachments(app)
    storage.remove(attachment.storage_key)
    page = login("ivan").get(f"/files/{attachment.id}/download")
    assert page.status_code == 404
    assert "missing from the file storage" in page.get_data(as_text=True)
    api = client.get(
        f"/api/v1/invoice/{invoice}/attachments/{attachment.id}", headers=api_token("ivan")
    )
    assert api.status_code == 404
    assert "missing from the file storage" in api.json["message"]


def _open_task(app, invoice: int) -> str:
    with app.app_context():
        return db.session.scalars(
            select(HumanTask.task_guid).where(
                HumanTask.invoice_id == invoice, HumanTask.status == TaskStatus.OPEN
            )
        ).one()


def _held_token(page: str) -> str:
    import re

    return re.search(r'name="payment_order_token" value="([^"]+)"', page).group(1)
