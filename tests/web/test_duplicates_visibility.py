"""A duplicate warning names only invoices the user may open; of the others it says one exists."""

import io

import pytest

from app import roles
from app.extensions import db
from app.models import AuditEvent
from app.models.audit import invoice_chain
from tests import clock
from tests.web.forms import PDF, card_form, created_invoice_id, post_card

VENDOR_NO = "VX-2041"
IVANS_FILE = "ivan-scan-of-acme-contract.pdf"
CANNOT_OPEN = "which you cannot open"


@pytest.fixture
def world(make, client, api_token):
    people = {
        "ivan": make.user("ivan", roles.INITIATOR),
        "olga": make.user("olga", roles.INITIATOR),
        "fedor": make.user("fedor", roles.FINANCE_DIRECTOR),
        "fiona": make.user("fiona", roles.INITIATOR, roles.FINANCE_DIRECTOR),
    }
    party = make.counterparty("Acme Supplies")
    ivans = make.invoice(people["ivan"], party, vendor_invoice_no=VENDOR_NO)
    upload(client, api_token("ivan"), ivans, IVANS_FILE)
    return {**people, "party": party, "ivans": ivans}


def upload(client, headers, invoice: int, name: str):
    answer = client.post(
        f"/api/v1/invoice/{invoice}/attachments",
        headers=headers,
        data={"kind": "invoice", "files": [(io.BytesIO(PDF), name)]},
        content_type="multipart/form-data",
    )
    assert answer.status_code == 201, answer.json
    return answer


def create_over_api(client, headers, party: int, **fields):
    answer = client.post(
        "/api/v1/invoice/",
        headers=headers,
        json={
            "amount": "100.00",
            "counterparty_id": party,
            "issue_date": clock.today().isoformat(),
            **fields,
        },
    )
    assert answer.status_code == 201, answer.json
    return answer


def told_of_ivans(text: str, ivans: int) -> bool:
    return f"/invoices/show/{ivans}" in text or f"#{ivans}" in text or IVANS_FILE in text


def audited_duplicates(app, invoice: int) -> list[dict]:
    with app.app_context():
        events = (
            db.session.query(AuditEvent)
            .filter_by(chain=invoice_chain(invoice), action="duplicate_warning")
            .order_by(AuditEvent.sequence)
        )
        warnings = [w for e in events for w in e.details["warnings"]]
        db.session.remove()
        return warnings


def test_over_the_api_olga_hears_of_a_duplicate_she_cannot_open_and_nothing_of_it(
    app, client, api_token, world
):
    olga = api_token("olga")
    created = create_over_api(client, olga, world["party"], vendor_invoice_no=VENDOR_NO)
    [warning] = created.json["warnings"]
    assert warning["reason"] == "vendor_invoice_no" and warning["can_open"] is False
    assert warning["other_invoice_id"] is None and warning["other_invoice_number"] is None
    assert CANNOT_OPEN in warning["message"]
    assert not told_of_ivans(created.get_data(as_text=True), world["ivans"])

    uploaded = upload(client, olga, created.json["id"], "olga.pdf")
    [warning] = uploaded.json["warnings"]
    assert (warning["reason"], warning["can_open"], warning["detail"]) == (
        "file",
        False,
        "olga.pdf",
    )
    assert CANNOT_OPEN in warning["message"]
    assert not told_of_ivans(uploaded.get_data(as_text=True), world["ivans"])

    # The audit keeps what matched: auditors see every invoice.
    assert [
        (w["reason"], w["other_invoice_id"]) for w in audited_duplicates(app, created.json["id"])
    ] == [
        ("vendor_invoice_no", world["ivans"]),
        ("file", world["ivans"]),
    ]


def test_on_the_card_olga_hears_of_a_duplicate_she_cannot_open_and_nothing_of_it(
    client, login, world
):
    browser = login("olga")
    saved = post_card(
        browser,
        "/invoices/add",
        card_form(world["party"], vendor_invoice_no=VENDOR_NO, files=[("olga.pdf", PDF)]),
    )
    page = saved.get_data(as_text=True)
    assert saved.status_code == 200
    assert page.count(CANNOT_OPEN) == 2  # the vendor number and the file
    assert "the file olga.pdf is also attached to another invoice" in page
    assert not told_of_ivans(page, world["ivans"])
    card = browser.get(f"/invoices/show/{created_invoice_id(saved)}").get_data(as_text=True)
    assert "an invoice you cannot open" in card
    assert not told_of_ivans(card, world["ivans"])


def test_a_finance_director_who_sees_every_invoice_is_told_its_number_and_file(
    client, login, api_token, world
):
    fiona = api_token("fiona")
    created = create_over_api(client, fiona, world["party"], vendor_invoice_no=VENDOR_NO)
    [warning] = created.json["warnings"]
    assert (warning["can_open"], warning["other_invoice_id"]) == (True, world["ivans"])
    assert warning["message"].endswith(f"#{world['ivans']}")

    olgas = create_over_api(client, api_token("olga"), world["party"]).json["id"]
    uploaded = upload(client, api_token("fedor"), olgas, "copy.pdf")
    [warning] = uploaded.json["warnings"]
    assert (warning["other_invoice_id"], warning["detail"]) == (world["ivans"], IVANS_FILE)

    page = post_card(
        login("fedor"),
        f"/files/upload/{olgas}",
        {"kind": "invoice", "files": [(io.BytesIO(PDF), "again.pdf")]},
    ).get_data(as_text=True)
    assert f'href="/invoices/show/{world["ivans"]}"' in page and IVANS_FILE in page
    card = login("fedor").get(f"/invoices/show/{olgas}").get_data(as_text=True)
    assert f"#{world['ivans']} ({IVANS_FILE})" in card
