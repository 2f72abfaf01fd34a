"""Process pages: analysts manage versions and drafts; everyone sees an invoice's path."""

import json
from pathlib import Path

import pytest
from lxml import html

from app import roles
from app.extensions import db
from app.models import ProcessVersion

DEFAULT = (Path(__file__).parents[2] / "processes" / "invoice_approval.bpmn").read_text()


@pytest.fixture
def people(make):
    return {
        "alla": make.user("alla", roles.ANALYST),
        "ivan": make.user("ivan", roles.INITIATOR),
        "anna": make.user("anna", roles.APPROVER),
    }


def test_only_analysts_and_admins_open_the_process_section(people, login):
    assert login("alla").get("/process/").status_code == 200
    assert login("ivan").get("/process/").status_code == 403


def test_an_analyst_drafts_checks_and_publishes_and_can_go_back(app, people, login):
    client = login("alla")
    with app.app_context():
        v1 = db.session.query(ProcessVersion).filter_by(version=1).one().id
    draft_url = client.post("/process/drafts", data={"version_id": v1}).headers["Location"]
    draft_id = int(draft_url.rstrip("/").rsplit("/", 1)[1])
    assert 'data-test="editor"' in client.get(draft_url).get_data(as_text=True)
    broken = client.post(
        f"/process/drafts/{draft_id}/save",
        json={"xml": DEFAULT.replace('"Finance director"', '"Treasury"')},
    )
    assert broken.json["problems"][0]["element_id"] == "pay"
    refused = client.post(
        f"/process/drafts/{draft_id}/publish", data={"note": "treasury"}, follow_redirects=True
    )
    assert "neither `Initiator`" in refused.get_data(as_text=True)
    # Payment due after 4 days, its escalation timer still at 5: a warning, which does not
    # block publishing.
    fixed = client.post(
        f"/process/drafts/{draft_id}/save",
        json={"xml": DEFAULT.replace('value="P5D"', 'value="P4D"')},
    )
    assert fixed.json["saved"] is True
    assert [(p["severity"], p["element_id"]) for p in fixed.json["problems"]] == [
        ("warning", "pay")
    ]
    assert "escalation timer fires after P5D" in fixed.json["problems"][0]["message"]
    published = client.post(
        f"/process/drafts/{draft_id}/publish", data={"note": "Pay in 4 days"}, follow_redirects=True
    )
    assert "Published as version 2" in published.get_data(as_text=True)
    client.post(f"/process/version/{v1}/make-current")
    with app.app_context():
        current = db.session.query(ProcessVersion).filter_by(is_current=True).one()
        assert current.version == 1


def test_an_imported_file_becomes_a_draft_and_the_diagram_downloads(app, people, login):
    import io

    client = login("alla")
    response = client.post(
        "/process/drafts",
        data={"diagram": (io.BytesIO(DEFAULT.encode()), "mine.bpmn")},
        content_type="multipart/form-data",
    )
    draft_url = response.headers["Location"]
    download = client.get(draft_url + "/bpmn")
    assert download.headers["Content-Disposition"].startswith("attachment")
    assert b"invoice_approval" in download.data


def test_the_card_shows_the_path_taken_and_who_holds_the_task(
    app, people, login, make, client, api_token
):
    invoice = make.invoice(people["ivan"], make.counterparty(), approvers=[people["anna"]])
    client.post(f"/api/v1/invoices/{invoice}/submit", headers=api_token("ivan"))
    browser = login("ivan")
    assert 'data-test="diagram"' in browser.get(f"/invoices/show/{invoice}").get_data(as_text=True)
    diagram = browser.get(f"/diagram/invoice/{invoice}").json
    assert diagram["waiting"] == ["approve"]
    assert "start" in diagram["done"]
    assert "f_start" in diagram["done"]  # the flows passed are marked too
    assert diagram["holders"]["approve"].startswith("Anna Tester")
    assert login("alla").get(f"/diagram/invoice/{invoice}").status_code == 404


def test_the_editor_s_change_element_menu_reads_russian_to_a_russian_analyst(app, people, login):
    client = login("alla")
    client.get("/lang/ru")
    with app.app_context():
        v1 = db.session.query(ProcessVersion).filter_by(version=1).one().id
    draft_url = client.post("/process/drafts", data={"version_id": v1}).headers["Location"]
    page = html.fromstring(client.get(draft_url).get_data(as_text=True))
    words = json.loads(page.xpath('//*[@id="editor"]/@data-lint-messages')[0])
    assert (words["User task"], words["Exclusive gateway"], words["Timer boundary event"]) == (
        "Пользовательская задача",
        "Исключающий шлюз",
        "Граничное событие таймера",
    )
