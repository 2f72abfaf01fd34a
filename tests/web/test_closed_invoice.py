"""Over HTTP: a paid, rejected or cancelled invoice is closed. Nobody edits it or changes its
files, except closing documents (an act, a payment order) that a finance director adds,
audited and told to the initiator. People may still discuss it, without files."""

import hashlib
import io
import re

import pytest

from app import roles
from app.extensions import db
from app.models import Attachment, AuditEvent, Invoice, Notification
from app.models.audit import invoice_chain
from app.services import audit
from app.worker import work_once
from tests.web.forms import PDF, card_form, post_card

CLOSED = ("paid", "rejected", "cancelled")
EVERYONE = ("ivan", "anna", "fedor", "adam")  # initiator, approver, finance director, admin
NOT_FINANCE_DIRECTORS = ("ivan", "anna", "adam")
EDITORS = ("ivan", "adam")  # who may edit a card at all: its initiator, an admin
ACT = PDF + b"% act of completion\n"
ORDER = PDF + b"% payment order, bank stamp\n"


@pytest.fixture
def people(make):
    return {
        "ivan": make.user("ivan", roles.INITIATOR),
        "anna": make.user("anna", roles.APPROVER),
        "fedor": make.user("fedor", roles.FINANCE_DIRECTOR),
        "adam": make.user("adam", roles.ADMIN),
    }


@pytest.fixture
def tokens(api_token):
    known = {}

    def token(username):
        if username not in known:
            known[username] = api_token(username)
        return known[username]

    return token


@pytest.fixture
def close(make, people, client, tokens):
    """An invoice with the initiator's file, taken over the API to the status asked for."""

    def _close(status: str) -> int:
        invoice = make.invoice(
            people["ivan"], make.counterparty("Acme"), approvers=[people["anna"]]
        )
        assert api_upload(client, tokens("ivan"), invoice, "invoice.pdf", PDF).status_code == 201
        expect_ok(client.post(f"/api/v1/invoices/{invoice}/submit", headers=tokens("ivan")))
        if status == "cancelled":
            expect_ok(
                client.post(
                    f"/api/v1/invoices/{invoice}/withdraw",
                    headers=tokens("ivan"),
                    json={"reason": "Ordered twice"},
                )
            )
        else:
            decision = "approve" if status == "paid" else "reject"
            decide(client, tokens("anna"), {"decision": decision, "comment": "Checked"})
        if status == "paid":
            expect_ok(
                client.post(
                    f"/api/v1/invoices/{invoice}/pay",
                    headers=tokens("fedor"),
                    data={"payment_order": (io.BytesIO(ORDER), "order-at-payment.pdf")},
                    content_type="multipart/form-data",
                )
            )
        assert stored_invoice(client.application, invoice).status == status
        return invoice

    return _close


def expect_ok(response):
    assert response.status_code == 200, response.json


def decide(client, headers, body):
    [task] = client.get("/api/v1/tasks/mine", headers=headers).json["result"]
    expect_ok(client.post(f"/api/v1/tasks/{task['id']}/decision", headers=headers, json=body))


def api_upload(client, headers, invoice_id, name, content, kind="invoice"):
    data = {"kind": kind}
    if content is not None:
        data["files"] = [(io.BytesIO(content), name)]
    return client.post(
        f"/api/v1/invoice/{invoice_id}/attachments",
        headers=headers,
        data=data,
        content_type="multipart/form-data",
    )


def ui_upload(client, invoice_id, name, content, kind, **extra):
    data = {"kind": kind, **extra}
    if content is not None:
        data["files"] = [(io.BytesIO(content), name)]
    return client.post(
        f"/files/upload/{invoice_id}",
        data=data,
        content_type="multipart/form-data",
        follow_redirects=True,
    )


def stored_invoice(app, invoice_id) -> Invoice:
    with app.app_context():
        invoice = db.session.get(Invoice, invoice_id)
        db.session.expunge(invoice)
        db.session.remove()
        return invoice


def files_of(app, invoice_id) -> list[Attachment]:
    with app.app_context():
        rows = db.session.query(Attachment).filter_by(invoice_id=invoice_id).all()
        for row in rows:
            db.session.expunge(row)
        db.session.remove()
        return sorted(rows, key=lambda a: a.id)


def actions_of(app, invoice_id) -> list[str]:
    with app.app_context():
        events = db.session.query(AuditEvent).filter_by(invoice_id=invoice_id)
        actions = [e.action for e in events.order_by(AuditEvent.sequence)]
        db.session.remove()
        return actions


def card_page(client, invoice_id) -> str:
    response = client.get(f"/invoices/show/{invoice_id}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


@pytest.mark.parametrize("actor", EDITORS)
@pytest.mark.parametrize("status", CLOSED)
def test_nobody_edits_the_fields_of_a_closed_invoice(
    app, close, login, client, tokens, status, actor
):
    invoice = close(status)
    before = stored_invoice(app, invoice)
    api = client.put(f"/api/v1/invoice/{invoice}", headers=tokens(actor), json={"amount": "9.99"})
    assert api.status_code == 409
    assert "can no longer be changed" in api.json["message"]
    browser = login(actor)
    form = browser.get(f"/invoices/edit/{invoice}")
    assert form.status_code == 409
    assert "can no longer be changed" in form.get_data(as_text=True)
    data = card_form(before.counterparty_id, amount="9,99", lock_version=str(before.lock_version))
    assert post_card(browser, f"/invoices/edit/{invoice}", data, follow=False).status_code == 409
    assert_unchanged(app, invoice, before)


@pytest.mark.parametrize("actor", ("anna", "fedor"))
def test_those_who_edit_no_card_are_refused_on_a_closed_one_too(
    app, close, login, client, tokens, actor
):
    invoice = close("paid")
    before = stored_invoice(app, invoice)
    api = client.put(f"/api/v1/invoice/{invoice}", headers=tokens(actor), json={"amount": "9.99"})
    assert api.status_code == 403
    browser = login(actor)
    data = card_form(before.counterparty_id, amount="9,99", lock_version=str(before.lock_version))
    assert post_card(browser, f"/invoices/edit/{invoice}", data, follow=False).status_code == 403
    assert_unchanged(app, invoice, before)


def assert_unchanged(app, invoice, before):
    after = stored_invoice(app, invoice)
    assert (str(after.amount), after.lock_version) == ("1000.00", before.lock_version)
    assert "edited" not in actions_of(app, invoice)


@pytest.mark.parametrize("actor", EVERYONE)
@pytest.mark.parametrize("status", CLOSED)
def test_nobody_removes_a_file_of_a_closed_invoice(app, close, login, status, actor):
    invoice = close(status)
    browser = login(actor)
    for attachment in files_of(app, invoice):  # the initiator's file, and a payment order
        refused = browser.post(f"/files/{attachment.id}/remove")
        assert refused.status_code == 409
        assert "can no longer be changed" in refused.get_data(as_text=True)
    assert all(a.removed_at is None for a in files_of(app, invoice))
    assert "file_removed" not in actions_of(app, invoice)


@pytest.mark.parametrize("actor", EVERYONE)
@pytest.mark.parametrize("status", CLOSED)
def test_a_closed_invoice_takes_no_ordinary_file_from_anyone(
    app, close, login, client, tokens, status, actor
):
    invoice = close(status)
    before = files_of(app, invoice)
    page = ui_upload(login(actor), invoice, "more.pdf", PDF + b"2", "invoice")
    assert page.status_code == 409
    assert "except closing documents" in page.get_data(as_text=True)
    api = api_upload(client, tokens(actor), invoice, "more.pdf", PDF + b"3", "other")
    assert api.status_code == 409
    assert "except closing documents" in api.json["message"]
    assert len(files_of(app, invoice)) == len(before)


@pytest.mark.parametrize("actor", NOT_FINANCE_DIRECTORS)
@pytest.mark.parametrize("status", CLOSED)
def test_only_a_finance_director_adds_closing_documents(
    app, close, login, client, tokens, status, actor
):
    invoice = close(status)
    before = files_of(app, invoice)
    page = ui_upload(login(actor), invoice, "act.pdf", ACT, "act")
    assert page.status_code == 403
    assert "Only a finance director may add closing documents" in page.get_data(as_text=True)
    api = api_upload(client, tokens(actor), invoice, "order.pdf", ORDER, "payment_order")
    assert api.status_code == 403
    assert len(files_of(app, invoice)) == len(before)
    assert "closing_document_added" not in actions_of(app, invoice)


@pytest.mark.parametrize("status", CLOSED)
def test_a_finance_director_adds_closing_documents_audited_and_the_initiator_is_told(
    app, close, login, client, tokens, smtp, monkeypatch, status
):
    invoice = close(status)
    browser = login("fedor")
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    form = re.search(
        r'data-test="closing-document-form">\s*<input type="hidden" name="csrf_token" '
        r'value="([^"]+)"',
        card_page(browser, invoice),
    )
    assert form, "the card offers the finance director the closing-document form"
    assert ui_upload(browser, invoice, "act.pdf", ACT, "act").status_code == 400  # no token
    added = ui_upload(browser, invoice, "act.pdf", ACT, "act", csrf_token=form.group(1))
    assert added.status_code == 200
    assert "1 file(s) added." in added.get_data(as_text=True)
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", False)  # the sign-ins below post bare
    api = api_upload(client, tokens("fedor"), invoice, "bank-order.pdf", ORDER, "payment_order")
    assert api.status_code == 201
    assert api.json["result"][0]["kind"] == "payment_order"

    with app.app_context():
        events = (
            db.session.query(AuditEvent)
            .filter_by(chain=invoice_chain(invoice), action="closing_document_added")
            .order_by(AuditEvent.sequence)
            .all()
        )
        fedor = app.appbuilder.sm.find_user("fedor")
        assert [(e.actor_id, e.details["kind"], e.details["filename"]) for e in events] == [
            (fedor.id, "act", "act.pdf"),
            (fedor.id, "payment_order", "bank-order.pdf"),
        ]
        assert [e.details["sha256"] for e in events] == [
            hashlib.sha256(ACT).hexdigest(),
            hashlib.sha256(ORDER).hexdigest(),
        ]
        assert all(e.created_at is not None for e in events)
        [chain] = [r for r in audit.verify(db.session) if r.chain == invoice_chain(invoice)]
        assert chain.broken_at is None
        told = db.session.query(Notification).filter_by(kind="closing_document").all()
        assert [n.user_id for n in told] == [app.appbuilder.sm.find_user("ivan").id] * 2
        db.session.remove()

    history = card_page(login("ivan"), invoice)
    assert history.count('data-action="closing_document_added"') == 2
    assert "added a closing document" in history and "bank-order.pdf" in history
    work_once(app)
    subjects = [m["Subject"] for m in smtp.inbox.to("ivan@example.com")]
    assert subjects.count(f"Closing document added to invoice #{invoice}") == 2


def test_bad_closing_document_input_is_a_clear_4xx(app, close, login, client, tokens):
    invoice = close("paid")
    browser = login("fedor")
    unknown_kind = ui_upload(browser, invoice, "act.pdf", ACT, "receipt")
    assert unknown_kind.status_code == 422
    assert "Unknown file kind: receipt." in unknown_kind.get_data(as_text=True)
    no_file = ui_upload(browser, invoice, None, None, "act")
    assert no_file.status_code == 422
    assert "Choose a file to upload." in no_file.get_data(as_text=True)
    headers = tokens("fedor")
    assert api_upload(client, headers, invoice, "act.pdf", ACT, "receipt").status_code == 422
    assert api_upload(client, headers, invoice, None, None, "act").status_code == 422
    not_a_document = api_upload(client, headers, invoice, "act.pdf", b"\x7fELF" + bytes(64), "act")
    assert not_a_document.status_code == 422
    assert "closing_document_added" not in actions_of(app, invoice)


def test_the_payment_order_attached_at_payment_still_joins_the_card(app, close):
    invoice = close("paid")
    [initiators_file, order] = files_of(app, invoice)
    assert (initiators_file.kind, order.kind) == ("invoice", "payment_order")
    assert order.filename == "order-at-payment.pdf"
    assert actions_of(app, invoice).count("file_added") == 2


@pytest.mark.parametrize("actor", EVERYONE)
@pytest.mark.parametrize("status", CLOSED)
def test_the_card_of_a_closed_invoice_offers_only_what_is_allowed(app, close, login, status, actor):
    invoice = close(status)
    page = card_page(login(actor), invoice)
    assert f"/invoices/edit/{invoice}" not in page
    assert "/remove" not in page
    assert 'name="files" multiple' not in page  # neither the files form nor the discussion's
    assert 'data-test="closed-note"' in page
    offered = 'data-test="closing-document-form"' in page
    assert offered == (actor == "fedor")
    if offered:
        assert 'value="act"' in page and 'value="payment_order"' in page
        assert 'value="invoice"' not in page


@pytest.mark.parametrize("actor", EVERYONE)
def test_the_card_of_a_draft_still_offers_its_controls(make, people, login, actor):
    invoice = make.invoice(people["ivan"], make.counterparty(), approvers=[people["anna"]])
    page = card_page(login(actor), invoice)
    assert 'name="files" multiple' in page
    assert (f"/invoices/edit/{invoice}" in page) == (actor in ("ivan", "adam"))
    assert 'data-test="closing-document-form"' not in page
    assert 'data-test="closed-note"' not in page


@pytest.mark.parametrize("status", CLOSED)
def test_people_still_discuss_a_closed_invoice_but_bring_no_files(
    app, close, login, client, tokens, status
):
    invoice = close(status)
    browser = login("anna")
    said = browser.post(
        f"/discussion/{invoice}/post", data={"text": "Archived on our side."}, follow_redirects=True
    )
    assert said.status_code == 200 and "Archived on our side." in said.get_data(as_text=True)
    with_file = browser.post(
        f"/discussion/{invoice}/post",
        data={"text": "And the scan", "files": [(io.BytesIO(PDF + b"9"), "scan.pdf")]},
        content_type="multipart/form-data",
    )
    assert with_file.status_code == 409
    over_api = client.post(
        f"/api/v1/discussion/{invoice}/messages",
        headers=tokens("ivan"),
        data={"text": "Over the API", "files": [(io.BytesIO(PDF + b"8"), "scan.pdf")]},
        content_type="multipart/form-data",
    )
    assert over_api.status_code == 409
    assert "scan.pdf" not in {a.filename for a in files_of(app, invoice)}
    assert actions_of(app, invoice).count("message_posted") == 1
