"""The file storage unreachable (the S3 server stopped, the folder gone): uploads and downloads
answer 503 with Retry-After, a page or JSON that says so, never a 500; nothing is recorded as
attached when its bytes were not stored, and the card keeps what was saved before."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import func, select

from app import roles
from app.extensions import db
from app.models import Attachment, DiscussionMessage, Invoice
from tests import clock
from tests.web.forms import PDF

UNAVAILABLE = "The file storage is unavailable. Please try again in a moment."


@pytest.fixture
def card(make, app, login, breakable_storage):
    """An invoice with one file saved while the storage was up; then the storage goes down."""
    ivan = make.user("ivan", roles.INITIATOR)
    invoice = make.invoice(ivan, make.counterparty())
    saved = login("ivan").post(
        f"/files/upload/{invoice}",
        data={"kind": "invoice", "files": [(io.BytesIO(PDF), "before.pdf")]},
        content_type="multipart/form-data",
    )
    assert saved.status_code == 302
    breakable_storage.break_down()
    return invoice


def count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def only_file_id(app) -> int:
    with app.app_context():
        return db.session.scalars(select(Attachment.id)).one()


def assert_unavailable_page(response):
    assert response.status_code == 503
    assert int(response.headers["Retry-After"]) > 0
    assert UNAVAILABLE in response.get_data(as_text=True)


def test_an_upload_answers_503_and_attaches_nothing(app, login, card):
    client = login("ivan")
    refused = client.post(
        f"/files/upload/{card}",
        data={"kind": "invoice", "files": [(io.BytesIO(PDF + b"%2"), "after.pdf")]},
        content_type="multipart/form-data",
    )
    assert_unavailable_page(refused)
    assert "text/html" in refused.headers["Content-Type"]
    assert count(app, Attachment) == 1
    page = client.get(f"/invoices/show/{card}")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "before.pdf" in text and "after.pdf" not in text


def test_the_api_answers_503_in_json_for_an_upload_and_a_download(app, client, api_token, card):
    headers = api_token("ivan")
    refused = client.post(
        f"/api/v1/invoice/{card}/attachments",
        headers=headers,
        data={"files": [(io.BytesIO(PDF + b"%2"), "after.pdf")]},
        content_type="multipart/form-data",
    )
    assert refused.status_code == 503
    assert refused.json["message"] == UNAVAILABLE
    assert int(refused.headers["Retry-After"]) > 0
    assert count(app, Attachment) == 1
    download = client.get(
        f"/api/v1/invoice/{card}/attachments/{only_file_id(app)}", headers=headers
    )
    assert download.status_code == 503
    assert download.json["message"] == UNAVAILABLE
    assert int(download.headers["Retry-After"]) > 0


def test_a_download_and_a_preview_answer_503(app, login, card):
    client = login("ivan")
    assert_unavailable_page(client.get(f"/files/{only_file_id(app)}/download"))
    assert_unavailable_page(client.get(f"/files/{only_file_id(app)}/preview"))


def test_a_message_with_a_file_is_not_posted_while_the_storage_is_down(app, login, card):
    refused = login("ivan").post(
        f"/discussion/{card}/post",
        data={"text": "The act", "files": [(io.BytesIO(PDF + b"%act"), "act.pdf")]},
        content_type="multipart/form-data",
    )
    assert_unavailable_page(refused)
    assert count(app, DiscussionMessage) == 0
    assert count(app, Attachment) == 1


def test_a_new_card_with_a_file_is_not_created_while_the_storage_is_down(app, login, make, card):
    from tests.web.forms import card_form, post_card

    with app.app_context():
        party = db.session.scalar(select(Invoice.counterparty_id))
    refused = post_card(
        login("ivan"), "/invoices/add", card_form(party, files=[("new.pdf", PDF)]), follow=False
    )
    assert_unavailable_page(refused)
    assert count(app, Invoice) == 1


def test_the_503_page_reads_in_russian(app, login, card):
    from tests.russian_text import latin_words, visible_text

    client = login("ivan")
    client.get("/lang/ru")
    page = client.get(f"/files/{only_file_id(app)}/download")
    assert page.status_code == 503
    text = visible_text(page.get_data(as_text=True))
    assert "Хранилище файлов недоступно" in text
    assert latin_words(text, {"ivan", "Ivan", "Tester"}) == []


def test_a_payment_with_its_order_is_not_recorded_while_the_storage_is_down(
    app, make, login, api_token, client, card
):
    from tests.storage.test_files_on_storage import _open_task

    anna = make.user("anna", roles.APPROVER)
    make.user("fedor", roles.FINANCE_DIRECTOR)
    invoice = make.invoice(
        make.user("olga", roles.INITIATOR), make.counterparty("B"), approvers=[anna]
    )
    assert (
        client.post(f"/api/v1/invoices/{invoice}/submit", headers=api_token("olga")).status_code
        == 200
    )
    decided = login("anna").post(
        f"/tasks/{_open_task(app, invoice)}/decision", data={"decision": "approve"}
    )
    assert decided.status_code == 302
    guid = _open_task(app, invoice)
    refused = login("fedor").post(
        f"/tasks/{guid}/pay",
        data={"paid_on": clock.iso_days_from_today(-1), "reference": "PP-9",
              "payment_order": (io.BytesIO(PDF + b"%order"), "order.pdf")},
        content_type="multipart/form-data",
    )  # fmt: skip
    assert_unavailable_page(refused)
    assert _open_task(app, invoice) == guid  # the payment task is still open
    with app.app_context():
        assert db.session.get(Invoice, invoice).status == "awaiting_payment"
    assert count(app, Attachment) == 1
