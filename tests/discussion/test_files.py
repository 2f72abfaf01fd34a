"""Files posted with a message join the invoice card's files."""

import io

from app.extensions import db
from app.models import Attachment, AuditEvent, DiscussionMessage
from tests.web.forms import PDF


def test_files_posted_in_the_thread_appear_on_the_card_and_in_the_message(app, login, invoice):
    anna = login("anna")
    response = anna.post(
        f"/discussion/{invoice}/post",
        data={
            "text": "The signed act is attached.",
            "files": [(io.BytesIO(PDF), "act.pdf"), (io.BytesIO(b"Plain notes"), "notes.txt")],
            "next": f"/invoices/show/{invoice}",
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    with app.app_context():
        message = db.session.query(DiscussionMessage).one()
        files = db.session.query(Attachment).order_by(Attachment.id).all()
        assert [(f.filename, f.kind, f.content_type, f.message_id) for f in files] == [
            ("act.pdf", "other", "application/pdf", message.id),
            ("notes.txt", "other", "text/plain", message.id),
        ]
        act_id = files[0].id
        added = db.session.query(AuditEvent).filter_by(action="file_added").count()
        assert added == 2
    page = login("ivan").get(f"/invoices/show/{invoice}").get_data(as_text=True)
    files_table = page[page.index('data-test="files"') : page.index('id="discussion"')]
    assert "act.pdf" in files_table and "notes.txt" in files_table
    thread = page[page.index('id="discussion"') :]
    assert f'href="/files/{act_id}/download">act.pdf</a>' in thread
    download = login("ivan").get(f"/files/{act_id}/download")
    assert download.status_code == 200 and download.data == PDF


def test_the_api_takes_files_with_the_message(client, api_token, invoice, read):
    response = client.post(
        f"/api/v1/discussion/{invoice}/messages",
        headers=api_token("ivan"),
        data={"text": "Order attached", "files": [(io.BytesIO(PDF), "order.pdf")]},
        content_type="multipart/form-data",
    )
    assert response.status_code == 201
    assert [f["filename"] for f in response.json["result"]["files"]] == ["order.pdf"]
    [message] = read("boris", invoice).json["result"]["messages"]
    assert message["files"][0]["content_type"] == "application/pdf"


def test_a_refused_file_posts_nothing(app, login, invoice):
    response = login("ivan").post(
        f"/discussion/{invoice}/post",
        data={"text": "Here", "files": [(io.BytesIO(b"MZ\x90\x00binary"), "tool.exe")]},
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    with app.app_context():
        assert db.session.query(DiscussionMessage).count() == 0
        assert db.session.query(Attachment).count() == 0


def test_a_file_over_the_limit_is_refused_and_its_name_shown_as_text(
    app, login, invoice, monkeypatch
):
    monkeypatch.setitem(app.config, "MAX_FILE_SIZE", 10)
    response = login("ivan").post(
        f"/discussion/{invoice}/post",
        data={
            "text": "Big one",
            "files": [(io.BytesIO(PDF * 10), "<img src=x onerror=alert(1)>.pdf")],
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 413
    page = response.get_data(as_text=True)
    assert "&lt;img src=x onerror=alert(1)&gt;.pdf is larger than" in page
    with app.app_context():
        assert db.session.query(DiscussionMessage).count() == 0
