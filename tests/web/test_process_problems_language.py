"""A draft's problems are shown in the language of whoever reads them, whoever saved it."""

from __future__ import annotations

import html
from pathlib import Path

import pytest

from app import roles
from app.extensions import db
from app.models import ProcessVersion

DEFAULT = (Path(__file__).parents[2] / "processes" / "invoice_approval.bpmn").read_text()
TWICE = DEFAULT.replace(
    "</bpmn:process>",
    '<bpmn:sequenceFlow id="f_paid_again" sourceRef="pay" targetRef="end_paid"/></bpmn:process>',
    1,
)


@pytest.fixture
def analyst_client(make, login):
    make.user("alla", roles.ANALYST)
    return login("alla")


def test_a_draft_saved_in_english_is_read_in_russian(app, analyst_client):
    with app.app_context():
        v1 = db.session.query(ProcessVersion).filter_by(version=1).one().id
    client = analyst_client
    editor = client.post("/process/drafts", data={"version_id": v1}).headers["Location"]
    draft_id = int(editor.rstrip("/").rsplit("/", 1)[1])
    saved = client.post(f"/process/drafts/{draft_id}/save", json={"xml": TWICE})
    [english] = [p for p in saved.json["problems"] if p["rule"] == "duplicate-flow"]
    assert english["element_id"] == "f_paid_again"
    assert english["message"].startswith("One flow between two elements")

    assert client.get("/lang/ru").status_code == 302
    page = html.unescape(client.get(editor).get_data(as_text=True))
    assert "Между двумя элементами — один поток: f_paid_again повторяет" in page
    assert "One flow between two elements" not in page
    again = client.post(f"/process/drafts/{draft_id}/save", json={"xml": TWICE})
    [russian] = [p for p in again.json["problems"] if p["rule"] == "duplicate-flow"]
    assert russian["message"].startswith("Между двумя элементами — один поток")
