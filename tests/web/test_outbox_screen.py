"""The outbox and the mail folder show e-mails as a person reads them: subject decoded,
recipients, status, attempts, last error, the text part, and the HTML part in a sandboxed frame
that answers with a strict policy of its own."""

import re
from email.message import EmailMessage

import pytest
from sqlalchemy import select, update

from app import roles
from app.extensions import db
from app.models import OutboxMessage, OutboxStatus, UserPreference
from app.worker import work_once

MAIL_BODY_POLICY = (
    "default-src 'none'; img-src data:; style-src 'unsafe-inline'; sandbox; frame-ancestors 'self'"
)
HOSTILE_HTML = (
    "<p>Pay now</p><script>parent.document.title='owned'</script>"
    "<img src=x onerror=\"parent.document.body.innerHTML='owned'\">"
    '<a href="javascript:alert(1)">click</a>'
)


@pytest.fixture
def people(make):
    return {
        "ivan": make.user("ivan", roles.INITIATOR),
        "anna": make.user("anna", roles.APPROVER),
        "adam": make.user("adam", roles.ADMIN),
        "audra": make.user("audra", roles.AUDITOR),
    }


@pytest.fixture
def russian_mail(app, make, people, client, api_token):
    """anna reads her mail in Russian; ivan submits an invoice she approves."""
    with app.app_context():
        db.session.add(UserPreference(user_id=people["anna"], language="ru"))
        db.session.commit()
        db.session.remove()
    invoice = make.invoice(people["ivan"], make.counterparty("Acme"), approvers=[people["anna"]])
    assert (
        client.post(f"/api/v1/invoices/{invoice}/submit", headers=api_token("ivan")).status_code
        == 200
    )
    return invoice


def outbox_row(app, address: str) -> OutboxMessage:
    with app.app_context():
        row = db.session.scalars(
            select(OutboxMessage).where(OutboxMessage.to_address == address)
        ).one()
        db.session.expunge(row)
        return row


def frame_sources(page: str) -> list[tuple[str, str]]:
    """(attributes before src, src) of each iframe of a page."""
    return re.findall(r'<iframe\s+([^>]*?)src="([^"]+)"', page)


def test_the_outbox_lists_each_mail_with_its_subject_in_the_recipient_s_language(
    app, login, russian_mail
):
    with app.app_context():
        db.session.execute(
            update(OutboxMessage).values(
                status=OutboxStatus.FAILED, attempts=8, last_error="550 Mailbox unavailable"
            )
        )
        db.session.commit()
        db.session.remove()
    page = login("adam").get("/outbox/list/").get_data(as_text=True)
    [row] = page.split('data-test="outbox-row"')[1:]
    assert f">Согласование счёта №{russian_mail}</a>" in row  # anna reads Russian
    assert "Anna Tester" in row and "anna@example.com" in row
    assert "failed" in row and ">8<" in row and "550 Mailbox unavailable" in row
    assert 'name="ids"' in row and 'form="retry-form"' in row
    assert 'id="retry-form"' in page


def test_an_e_mail_shows_its_headers_text_and_html_in_a_sandboxed_frame(app, login, russian_mail):
    row = outbox_row(app, "anna@example.com")
    admin = login("adam")
    page = admin.get(f"/outbox/show/{row.id}").get_data(as_text=True)
    assert "anna@example.com" in page and "Anna Tester" in page
    assert "InvoiceFlow" in page  # the sender
    assert "waiting to be sent" in page and row.message_id.strip("<>") in page
    [(attributes, src)] = frame_sources(page)
    assert re.search(r"\bsandbox(\s|$)", attributes) and "allow-" not in attributes
    assert src == f"/outbox/show/{row.id}/body"
    text = page.split('data-test="mail-text"')[1]
    assert f"/tasks/{row.task_guid}" in text

    body = admin.get(src)
    assert body.status_code == 200 and body.mimetype == "text/html"
    assert body.headers["Content-Security-Policy"] == MAIL_BODY_POLICY
    assert body.headers["X-Frame-Options"] == "SAMEORIGIN"
    assert f"/tasks/{row.task_guid}" in body.get_data(as_text=True)


def test_only_the_mail_body_may_be_framed_and_only_by_the_app_s_own_pages(app, login, russian_mail):
    row = outbox_row(app, "anna@example.com")
    admin = login("adam")
    for url in (f"/outbox/show/{row.id}", "/outbox/list/", "/dev-mail/", "/open-tasks/"):
        headers = admin.get(url).headers
        assert headers["X-Frame-Options"] == "DENY", url
        assert "frame-ancestors 'none'" in headers["Content-Security-Policy"], url


def test_the_mail_folder_decodes_a_non_ascii_subject_and_shows_the_recipients(
    app, client, api_token, login, russian_mail, monkeypatch, tmp_path
):
    folder = tmp_path / "mail"
    monkeypatch.setitem(app.config, "MAIL_SERVER", "")
    monkeypatch.setitem(app.config, "MAIL_FOLDER", str(folder))
    assert work_once(app)["sent"] == 1
    [written] = list(folder.glob("*.eml"))
    raw = written.read_bytes()
    assert b"=?utf-8?" in raw.lower()  # the subject travels encoded
    subject = outbox_subject(app, written)
    assert not subject.isascii()

    admin = login("adam")
    listing = admin.get("/dev-mail/").get_data(as_text=True)
    assert subject in listing and "anna@example.com" in listing and "=?utf-8?" not in listing
    page = admin.get(f"/dev-mail/{written.name}").get_data(as_text=True)
    assert subject in page and "anna@example.com" in page and "invoiceflow@localhost" in page
    assert f"#{russian_mail}" in page.split('data-test="mail-text"')[1]
    [(attributes, src)] = frame_sources(page)
    assert "allow-" not in attributes and src == f"/dev-mail/{written.name}/body"
    body = admin.get(src)
    assert body.headers["Content-Security-Policy"] == MAIL_BODY_POLICY
    assert body.headers["X-Frame-Options"] == "SAMEORIGIN"


def outbox_subject(app, written) -> str:
    """The subject as Python's e-mail parser decodes it: what the screen must show."""
    from email import policy
    from email.parser import BytesParser

    return str(BytesParser(policy=policy.default).parsebytes(written.read_bytes())["Subject"])


def write_eml(folder, name: str, subject: str, html: str, cc: str = "") -> None:
    message = EmailMessage()
    message["Subject"] = subject
    message["From"] = "InvoiceFlow <invoiceflow@localhost>"
    message["To"] = "Анна Тестер <anna@example.com>"
    if cc:
        message["Cc"] = cc
    message.set_content("Plain words.")
    message.add_alternative(html, subtype="html")
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_bytes(message.as_bytes())


def test_hostile_html_in_a_body_cannot_run_script_on_the_app_s_origin(
    app, login, people, monkeypatch, tmp_path
):
    folder = tmp_path / "mail"
    monkeypatch.setitem(app.config, "MAIL_FOLDER", str(folder))
    write_eml(
        folder, "00000001.eml", "Счёт №49 <b>одобрен</b>", HOSTILE_HTML, cc="boss@example.com"
    )
    admin = login("adam")
    page = admin.get("/dev-mail/00000001.eml").get_data(as_text=True)
    # The page itself carries none of the body's markup, and escapes what the headers say.
    assert "<script>parent" not in page and "onerror=" not in page
    assert "Счёт №49 &lt;b&gt;одобрен&lt;/b&gt;" in page and "boss@example.com" in page
    [(attributes, src)] = frame_sources(page)
    assert re.fullmatch(r"sandbox\s*", attributes.split("title=")[0])  # no allow-scripts
    body = admin.get(src)
    policy = body.headers["Content-Security-Policy"]
    # No script may run in the frame (no script-src, default-src 'none'), and the frame's
    # content gets an origin of its own (sandbox): even opened directly it cannot reach the app.
    assert "default-src 'none'" in policy and "script-src" not in policy
    assert re.search(r"(^|; )sandbox(;|$)", policy)
    assert body.headers["X-Content-Type-Options"] == "nosniff"


def test_only_admins_read_mail_and_bad_addresses_are_404(
    app, login, russian_mail, tmp_path, monkeypatch
):
    folder = tmp_path / "mail"
    monkeypatch.setitem(app.config, "MAIL_FOLDER", str(folder))
    write_eml(folder, "00000002.eml", "Hello", "<p>Hello</p>")
    row = outbox_row(app, "anna@example.com")
    urls = (
        "/outbox/list/",
        f"/outbox/show/{row.id}",
        f"/outbox/show/{row.id}/body",
        "/dev-mail/",
        "/dev-mail/00000002.eml",
        "/dev-mail/00000002.eml/body",
    )
    for someone in ("ivan", "anna", "audra"):
        client = login(someone)
        for url in urls:
            assert client.get(url).status_code in (302, 403), (someone, url)
    admin = login("adam")
    for url in (
        "/outbox/show/999999",
        "/outbox/show/999999/body",
        f"/outbox/show/{10**30}/body",
        "/dev-mail/..%2Fsecret_key",
        "/dev-mail/missing.eml",
        "/dev-mail/missing.eml/body",
        "/dev-mail/notes.txt",
    ):
        assert admin.get(url).status_code == 404, url
