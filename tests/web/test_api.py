"""The REST API: JWT only, same rules and same visibility as the screens."""

import io

import pytest

from app import roles
from app.extensions import db
from app.models import AuditEvent, Invoice
from tests import clock
from tests.web.forms import PDF


@pytest.fixture
def setup(make, api_token):
    ids = {
        "ivan": make.user("ivan", roles.INITIATOR),
        "olga": make.user("olga", roles.INITIATOR),
        "anna": make.user("anna", roles.APPROVER),
        "boris": make.user("boris", roles.APPROVER),
        "audra": make.user("audra", roles.AUDITOR),
    }
    ids["party"] = make.counterparty("Acme")
    return ids


def new_invoice(party, **fields):
    return {
        "amount": "1 234,56",
        "counterparty_id": party,
        "issue_date": clock.iso_days_from_today(-7),
        **fields,
    }


def test_create_and_read_an_invoice_with_a_token(client, setup, api_token, app):
    headers = api_token("ivan")
    response = client.post(
        "/api/v1/invoice/",
        headers=headers,
        json=new_invoice(
            setup["party"], approvers=[setup["anna"], setup["boris"]], vendor_invoice_no="V-1"
        ),
    )
    assert response.status_code == 201, response.json
    pk = response.json["id"]
    body = client.get(f"/api/v1/invoice/{pk}", headers=headers).json["result"]
    assert body["amount"] == "1234.56"
    assert body["status"] == "draft"
    assert body["counterparty_name"] == "Acme"
    assert body["initiator"]["username"] == "ivan"
    with app.app_context():
        invoice = db.session.get(Invoice, pk)
        assert [a.user_id for a in invoice.approvers] == [setup["anna"], setup["boris"]]


def test_invalid_input_gets_422_with_a_message_per_field(client, setup, api_token, app):
    response = client.post(
        "/api/v1/invoice/",
        headers=api_token("ivan"),
        json={"amount": "NaN", "issue_date": "2024-02-30", "approvers": [setup["ivan"]] * 4},
    )
    assert response.status_code == 422
    messages = response.json["message"]
    assert set(messages) == {"amount", "issue_date", "counterparty_id", "approvers"}
    assert "like 1234.56" in messages["amount"][0]
    assert "at most 3 approvers" in " ".join(messages["approvers"])
    with app.app_context():
        assert db.session.query(Invoice).count() == 0


@pytest.mark.parametrize("body", ["not json", "[1, 2]", "null"])
def test_a_body_that_is_not_a_json_object_is_400(client, setup, api_token, body):
    response = client.post(
        "/api/v1/invoice/",
        headers={**api_token("ivan"), "Content-Type": "application/json"},
        data=body,
    )
    assert response.status_code == 400


def test_update_honours_the_lock_version(client, setup, api_token, make):
    pk = make.invoice(setup["ivan"], setup["party"], amount="100")
    headers = api_token("ivan")
    version = client.get(f"/api/v1/invoice/{pk}", headers=headers).json["result"]["lock_version"]
    first = client.put(
        f"/api/v1/invoice/{pk}", headers=headers, json={"amount": "200", "lock_version": version}
    )
    assert first.status_code == 200, first.json
    assert first.json["result"]["amount"] == "200.00"
    second = client.put(
        f"/api/v1/invoice/{pk}", headers=headers, json={"amount": "300", "lock_version": version}
    )
    assert second.status_code == 409
    assert "Someone else saved" in second.json["message"]


def test_invoices_you_cannot_see_are_404_everywhere(client, setup, api_token, make):
    pk = make.invoice(setup["ivan"], setup["party"])
    headers = api_token("olga")
    assert client.get(f"/api/v1/invoice/{pk}", headers=headers).status_code == 404
    assert (
        client.put(f"/api/v1/invoice/{pk}", headers=headers, json={"amount": "1"}).status_code
        == 404
    )
    assert client.get(f"/api/v1/invoice/{pk}/attachments", headers=headers).status_code == 404
    upload = client.post(
        f"/api/v1/invoice/{pk}/attachments",
        headers=headers,
        data={"files": [(io.BytesIO(PDF), "a.pdf")]},
        content_type="multipart/form-data",
    )
    assert upload.status_code == 404


def test_auditors_cannot_write_through_the_api(client, setup, api_token, make):
    pk = make.invoice(setup["ivan"], setup["party"])
    headers = api_token("audra")
    assert client.get(f"/api/v1/invoice/{pk}", headers=headers).status_code == 200
    assert (
        client.post(
            "/api/v1/invoice/", headers=headers, json=new_invoice(setup["party"])
        ).status_code
        == 403
    )
    assert (
        client.put(f"/api/v1/invoice/{pk}", headers=headers, json={"amount": "1"}).status_code
        == 403
    )


def test_files_upload_as_multipart_and_download_as_attachments(client, setup, api_token, make, app):
    pk = make.invoice(setup["ivan"], setup["party"])
    headers = api_token("ivan")
    response = client.post(
        f"/api/v1/invoice/{pk}/attachments",
        headers=headers,
        data={"kind": "invoice", "files": [(io.BytesIO(PDF), "inv.pdf")]},
        content_type="multipart/form-data",
    )
    assert response.status_code == 201, response.json
    attachment = response.json["result"][0]
    assert attachment["content_type"] == "application/pdf" and attachment["kind"] == "invoice"
    listed = client.get(f"/api/v1/invoice/{pk}/attachments", headers=headers).json["result"]
    assert [a["id"] for a in listed] == [attachment["id"]]
    download = client.get(f"/api/v1/invoice/{pk}/attachments/{attachment['id']}", headers=headers)
    assert download.data == PDF
    assert download.headers["Content-Disposition"].startswith("attachment;")
    with app.app_context():
        assert db.session.query(AuditEvent).filter_by(action="file_added").count() == 1


def test_a_disguised_executable_is_refused_with_422(client, setup, api_token, make):
    pk = make.invoice(setup["ivan"], setup["party"])
    response = client.post(
        f"/api/v1/invoice/{pk}/attachments",
        headers=api_token("ivan"),
        data={"files": [(io.BytesIO(b"MZ\x90\x00" + b"\x00" * 64), "x.pdf")]},
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    assert "not accepted" in response.json["message"]["file"][0]


def test_the_browser_session_cookie_does_not_open_the_api(client, setup, login):
    browser = login("ivan")
    assert browser.get("/invoices/list/").status_code == 200
    assert browser.get("/api/v1/invoice/").status_code == 401


def test_counterparties_are_validated_the_same_way(client, setup, api_token):
    headers = api_token("ivan")
    bad = client.post(
        "/api/v1/counterparty/",
        headers=headers,
        json={"name": "Bad INN", "country": "RU", "tax_id": "7707083894"},
    )
    assert bad.status_code == 422
    assert "check digits" in bad.json["message"]["tax_id"][0]
    good = client.post(
        "/api/v1/counterparty/",
        headers=headers,
        json={
            "name": "Sber",
            "country": "RU",
            "tax_id": "7707083893",
            "bank_bic": "044525225",
            "bank_account": "40702810938000000001",
        },
    )
    assert good.status_code == 201, good.json
    again = client.post(
        "/api/v1/counterparty/",
        headers=headers,
        json={"name": "Sber again", "country": "RU", "tax_id": "7707083893"},
    )
    assert again.status_code == 422
    assert "Another counterparty" in again.json["message"]["tax_id"][0]


def test_openapi_and_swagger_are_there_for_signed_in_users(client, setup, api_token, login):
    spec = client.get("/api/v1/_openapi", headers=api_token("ivan"))
    assert spec.status_code == 200
    assert "/api/v1/invoice/" in spec.json["paths"]
    assert login("ivan").get("/swagger/v1").status_code == 200


def test_the_approval_data_comes_with_the_invoice(client, setup, api_token, make):
    pk = make.invoice(setup["ivan"], setup["party"], approvers=[setup["boris"], setup["anna"]])
    body = client.get(f"/api/v1/invoice/{pk}", headers=api_token("ivan")).json["result"]
    assert [(a["position"], a["user_id"], a["approved_at"]) for a in body["approvers"]] == [
        (1, setup["boris"], None),
        (2, setup["anna"], None),
    ]


def test_possible_duplicates_are_told_on_every_door(client, setup, api_token, make, app, login):
    """Saved anyway, told to the client, kept in the audit: the same vendor number from the
    same counterparty, or a file already attached to another invoice."""
    headers = api_token("ivan")
    first = client.post(
        "/api/v1/invoice/",
        headers=headers,
        json=new_invoice(setup["party"], vendor_invoice_no="A-1"),
    )
    assert first.status_code == 201 and first.json["warnings"] == []
    again = client.post(
        "/api/v1/invoice/",
        headers=headers,
        json=new_invoice(setup["party"], vendor_invoice_no="A-1"),
    )
    assert again.status_code == 201
    assert [(w["reason"], w["other_invoice_id"]) for w in again.json["warnings"]] == [
        ("vendor_invoice_no", first.json["id"])
    ]
    upload = {"kind": "invoice", "files": [(io.BytesIO(PDF), "inv.pdf")]}
    client.post(
        f"/api/v1/invoice/{first.json['id']}/attachments",
        headers=headers,
        data=upload,
        content_type="multipart/form-data",
    )
    copy = {"kind": "invoice", "files": [(io.BytesIO(PDF), "copy.pdf")]}
    told = client.post(
        f"/api/v1/invoice/{again.json['id']}/attachments",
        headers=headers,
        data=copy,
        content_type="multipart/form-data",
    )
    assert told.status_code == 201
    assert [(w["reason"], w["other_invoice_id"]) for w in told.json["warnings"]] == [
        ("file", first.json["id"])
    ]
    third = make.invoice(setup["ivan"], setup["party"])
    page = (
        login("ivan")
        .post(
            f"/files/upload/{third}",
            data={"kind": "invoice", "files": [(io.BytesIO(PDF), "again.pdf")]},
            content_type="multipart/form-data",
            follow_redirects=True,
        )
        .get_data(as_text=True)
    )
    assert "Possible duplicate: the file" in page
    with app.app_context():
        warned = db.session.query(AuditEvent.invoice_id).filter_by(action="duplicate_warning").all()
        assert sorted(i for (i,) in warned) == sorted([again.json["id"], again.json["id"], third])
