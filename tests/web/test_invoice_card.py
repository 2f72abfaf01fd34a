"""The invoice card in the browser's HTML: create, edit, errors next to fields, history."""

import html

from app import roles
from app.extensions import db
from app.models import Attachment, AuditEvent, Invoice
from tests.web.forms import PDF, card_form, created_invoice_id, post_card


def test_initiator_creates_a_card_with_a_file_and_two_approvers(make, login, app):
    make.user("ivan", roles.INITIATOR)
    first, second = make.user("anna", roles.APPROVER), make.user("boris", roles.APPROVER)
    party = make.counterparty("Acme Supplies")
    client = login("ivan")
    response = post_card(
        client,
        "/invoices/add",
        card_form(party, approver_1=first, approver_2=second, files=[("invoice-49.pdf", PDF)]),
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    invoice_id = created_invoice_id(response)
    assert "1\u00a0234.56 RUB" in page
    assert "invoice-49.pdf" in page and "Anna Tester" in page and "Boris Tester" in page
    assert "Draft" in page
    with app.app_context():
        invoice = db.session.get(Invoice, invoice_id)
        assert [a.user_id for a in invoice.approvers] == [first, second]
        actions = [
            e.action
            for e in db.session.query(AuditEvent)
            .filter_by(invoice_id=invoice_id)
            .order_by(AuditEvent.sequence)
        ]
        assert actions == ["created", "approvers_changed", "file_added"]
    listing = client.get("/invoices/list/").get_data(as_text=True)
    assert "Acme Supplies" in listing and f"/invoices/show/{invoice_id}" in listing


def test_invalid_fields_are_refused_with_a_message_next_to_each_and_nothing_is_stored(
    make, login, app
):
    make.user("ivan", roles.INITIATOR)
    party = make.counterparty()
    client = login("ivan")
    response = post_card(
        client, "/invoices/add", card_form(party, amount="abc", justification="x" * 10_000)
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Enter an amount like 1234.56 or 1 234,56." in page
    assert "Use at most 5000 characters (this has 10000)." in page
    assert "Please correct the fields marked below." in page
    with app.app_context():
        assert db.session.query(Invoice).count() == 0
        assert db.session.query(AuditEvent).count() == 0


def test_an_impossible_date_is_refused_next_to_its_field(make, login, app):
    make.user("ivan", roles.INITIATOR)
    party = make.counterparty()
    response = post_card(login("ivan"), "/invoices/add", card_form(party, issue_date="2024-02-30"))
    assert response.status_code == 200
    assert "2024-02-30 is not a valid date" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.query(Invoice).count() == 0


def test_a_refused_file_keeps_the_card_unsaved_and_nothing_on_disk(make, login, app):
    make.user("ivan", roles.INITIATOR)
    party = make.counterparty()
    exe = b"MZ\x90\x00" + b"\x00" * 200
    response = post_card(
        login("ivan"), "/invoices/add", card_form(party, files=[("payment.pdf", exe)])
    )
    assert response.status_code == 200
    assert "payment.pdf: Files of this type" in html.unescape(response.get_data(as_text=True))
    with app.app_context():
        assert db.session.query(Invoice).count() == 0
        assert db.session.query(Attachment).count() == 0


def test_editing_saves_the_diff_and_shows_it_in_the_timeline(make, login, app):
    initiator = make.user("ivan", roles.INITIATOR)
    party = make.counterparty()
    invoice_id = make.invoice(initiator, party, amount="100")
    client = login("ivan")
    form_page = client.get(f"/invoices/edit/{invoice_id}").get_data(as_text=True)
    assert 'name="lock_version"' in form_page
    with app.app_context():
        version = db.session.get(Invoice, invoice_id).lock_version
    response = post_card(
        client,
        f"/invoices/edit/{invoice_id}",
        card_form(party, amount="250,75", lock_version=str(version)),
    )
    page = response.get_data(as_text=True)
    assert "250.75" in page
    assert "edited the card" in page
    assert "<del>100.00</del> → 250.75" in page


def test_a_save_from_a_stale_form_is_refused_with_a_conflict_message(make, login, app):
    initiator = make.user("ivan", roles.INITIATOR)
    party = make.counterparty()
    invoice_id = make.invoice(initiator, party, amount="100")
    client = login("ivan")
    with app.app_context():
        stale = db.session.get(Invoice, invoice_id).lock_version
    post_card(
        client,
        f"/invoices/edit/{invoice_id}",
        card_form(party, amount="200", lock_version=str(stale)),
    )
    response = post_card(
        client,
        f"/invoices/edit/{invoice_id}",
        card_form(party, amount="300", lock_version=str(stale)),
    )
    assert "Someone else saved this invoice after you opened it." in html.unescape(
        response.get_data(as_text=True)
    )
    with app.app_context():
        assert str(db.session.get(Invoice, invoice_id).amount) == "200.00"


HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)>'


def test_html_in_every_text_field_is_rendered_inert(make, login, app):
    make.user("ivan", roles.INITIATOR)
    party = make.counterparty(name=HOSTILE[:60])
    client = login("ivan")
    fields = {
        name: HOSTILE[:64] for name in ("vendor_invoice_no", "contract_no", "client_request_no")
    }
    response = post_card(
        client,
        "/invoices/add",
        card_form(
            party, justification=HOSTILE, **fields, files=[(HOSTILE[:40] + ".txt", b"plain text")]
        ),
    )
    card = response.get_data(as_text=True)
    listing = client.get("/invoices/list/").get_data(as_text=True)
    for page in (card, listing):
        assert "<script>alert" not in page
        assert "<img src=x" not in page
    assert "&lt;script&gt;alert(" in card


def test_a_duplicate_vendor_number_shows_a_warning_with_a_link(make, login, app):
    initiator = make.user("ivan", roles.INITIATOR)
    party = make.counterparty()
    first = make.invoice(initiator, party, vendor_invoice_no="INV-7")
    response = post_card(
        login("ivan"), "/invoices/add", card_form(party, vendor_invoice_no="INV-7")
    )
    page = response.get_data(as_text=True)
    assert "Possible duplicate" in page
    assert f'href="/invoices/show/{first}"' in page
    assert "was warned of a possible duplicate" in page


def test_a_file_already_on_another_invoice_shows_a_warning(make, login, app):
    make.user("ivan", roles.INITIATOR)
    party = make.counterparty()
    client = login("ivan")
    post_card(client, "/invoices/add", card_form(party, files=[("a.pdf", PDF)]))
    response = post_card(client, "/invoices/add", card_form(party, files=[("b.pdf", PDF)]))
    assert "the file a.pdf is also attached to invoice" in response.get_data(as_text=True)


def test_the_card_asks_for_counterparties_and_approvers_as_one_types(make, login, app):
    """No select box on the card carries a whole table: it asks the server, a page at a time."""
    make.user("ivan", roles.INITIATOR)
    make.user("anna", roles.APPROVER)
    make.user("annika", roles.APPROVER)
    make.user("arkady", roles.INITIATOR)  # not an approver
    for n in range(25):
        make.counterparty(f"Supplier {n:02d}")
    make.counterparty("100% Quality_Goods")
    browser = login("ivan")
    page = browser.get("/invoices/add").get_data(as_text=True)
    assert "Supplier 24" not in page and "data-search-url" in page
    first = browser.get("/counterparties/choices?q=supplier").json
    assert len(first["results"]) == 20 and first["more"] is True
    second = browser.get("/counterparties/choices?q=supplier&page=2").json
    assert [r["text"].split(" (")[0] for r in second["results"]] == [
        f"Supplier {n:02d}" for n in range(20, 25)
    ]
    assert second["more"] is False
    assert browser.get(f"/counterparties/choices?page={10**20}").json["results"] == []
    literal = browser.get("/counterparties/choices?q=0% Q").json["results"]
    assert [r["text"].split(" (")[0] for r in literal] == ["100% Quality_Goods"]
    assert browser.get("/counterparties/choices?q=_").json["results"][0]["text"].startswith("100%")
    people = browser.get("/invoices/approver-choices?q=ann").json["results"]
    assert [p["text"] for p in people] == ["Anna Tester (anna)", "Annika Tester (annika)"]
    assert browser.get("/invoices/approver-choices?q=ark").json["results"] == []
    assert login("anna").get("/invoices/approver-choices").status_code in (302, 403)


def test_a_counterparty_that_does_not_exist_is_refused_next_to_its_field(make, login, app):
    make.user("ivan", roles.INITIATOR)
    party = make.counterparty()
    response = post_card(login("ivan"), "/invoices/add", card_form(party, counterparty="999999"))
    assert response.status_code == 200
    assert "Choose an entry from the list." in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.query(Invoice).count() == 0
