"""Counterparties through FAB's screens, with the service's checks."""

from app import roles
from app.extensions import db
from app.models import AuditEvent, Counterparty


def test_a_counterparty_with_a_valid_inn_and_bank_details_is_saved_and_audited(make, login, app):
    make.user("ivan", roles.INITIATOR)
    response = login("ivan").post(
        "/counterparties/add",
        data={
            "name": "Sberbank",
            "country": "RU",
            "tax_id": "7707083893",
            "bank_bic": "044525225",
            "bank_account": "40702810938000000001",
        },
        follow_redirects=True,
    )
    assert response.status_code == 200
    with app.app_context():
        party = db.session.query(Counterparty).one()
        assert (party.tax_id, party.bank_account) == ("7707083893", "40702810938000000001")
        event = db.session.query(AuditEvent).filter_by(action="counterparty_created").one()
        assert event.chain == "system"


def test_wrong_inn_and_account_are_shown_next_to_their_fields(make, login, app):
    make.user("ivan", roles.INITIATOR)
    response = login("ivan").post(
        "/counterparties/add",
        data={
            "name": "Typo LLC",
            "country": "RU",
            "tax_id": "7707083894",
            "bank_bic": "044525225",
            "bank_account": "40702810938000000002",
        },
    )
    page = response.get_data(as_text=True)
    assert "check digits are wrong" in page
    assert "does not match the BIC" in page
    with app.app_context():
        assert db.session.query(Counterparty).count() == 0


def test_renaming_a_counterparty_renames_it_on_its_invoices(make, login, app):
    initiator = make.user("ivan", roles.INITIATOR)
    party = make.counterparty("Old Name")
    make.invoice(initiator, party)
    client = login("ivan")
    client.post(
        f"/counterparties/edit/{party}",
        data={"name": "New Name", "country": "DE", "tax_id": "DE999999999"},
    )
    assert "New Name" in client.get("/invoices/list/").get_data(as_text=True)


def test_the_invoice_list_searches_by_status_and_amount_range(make, login):
    initiator = make.user("ivan", roles.INITIATOR)
    party = make.counterparty("Range Co")
    small = make.invoice(initiator, party, amount="50")
    middle = make.invoice(initiator, party, amount="500")
    large = make.invoice(initiator, party, amount="5000")
    client = login("ivan")
    page = client.get(
        "/invoices/list/?_flt_1_amount=100&_flt_2_amount=1000&_flt_0_status=draft"
    ).get_data(as_text=True)
    assert f"/invoices/show/{middle}" in page
    assert f"/invoices/show/{small}" not in page and f"/invoices/show/{large}" not in page
    ordered = client.get("/invoices/list/?_oc_InvoiceView=amount&_od_InvoiceView=desc")
    text = ordered.get_data(as_text=True)
    assert text.index(f"/invoices/show/{large}") < text.index(f"/invoices/show/{small}")


def test_a_malformed_search_value_finds_nothing_instead_of_failing(make, login, api_token, client):
    initiator = make.user("ivan", roles.INITIATOR)
    make.invoice(initiator, make.counterparty(), amount="50")
    browser = login("ivan")
    for query in ("_flt_1_amount=abc", "_flt_0_issue_date=2024-02-30", "_flt_0_number=x"):
        assert browser.get(f"/invoices/list/?{query}").status_code == 200
    api = client.get(
        "/api/v1/invoice/?q=(filters:!((col:amount,opr:gt,value:abc)))", headers=api_token("ivan")
    )
    assert api.status_code in (200, 400)
