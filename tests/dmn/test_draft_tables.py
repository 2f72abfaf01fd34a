"""A draft keeps its decision tables: the editor saves them with the diagram, reopens with
them, the check reads them and publishing publishes them. Input that is no decision table is
refused with a message, and what the draft had saved stays."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from lxml import html
from sqlalchemy import select

from app import roles
from app.extensions import db
from app.models import AuditEvent, ProcessVersion
from app.models.process import ProcessDraft
from app.services.publish_process import publish_process
from app.workflow.dmn import decision_files_beside

VARIANT = Path(__file__).parents[2] / "processes" / "variants" / "invoice_with_rules.bpmn"
XML = VARIANT.read_text()
TABLES = decision_files_beside(VARIANT)
NAME = "invoice_with_rules.approval_rules.dmn"
OVER_150000 = {NAME: TABLES[NAME].replace("100000", "150000")}


@pytest.fixture
def editor(app, make, login):
    """An analyst's draft of version 2, the rules variant with its table: the editor's URL."""
    make.lane_role("Legal")
    make.user("alla", roles.ANALYST)
    with app.app_context():
        v2 = publish_process(db.session, None, XML, "With rules", decision_tables=TABLES).id
        db.session.remove()
    analyst = login("alla")
    url = analyst.post("/process/drafts", data={"version_id": v2}).headers["Location"]
    return analyst, url.rstrip("/")


def tables_on(client, url: str) -> dict[str, str]:
    """The tables the editor page opens with (what dmn-js is given)."""
    page = html.fromstring(client.get(url).get_data(as_text=True))
    return json.loads(page.get_element_by_id("decision-tables").get("data-tables"))


def problems_on(client, url: str) -> set[str]:
    page = html.fromstring(client.get(url).get_data(as_text=True))
    return {p["rule"] for p in json.loads(page.get_element_by_id("problems").get("data-problems"))}


def save(client, url: str, **body):
    return client.post(f"{url}/save", json=body, headers={"Accept": "application/json"})


def versions(app) -> list[ProcessVersion]:
    with app.app_context():
        rows = db.session.scalars(select(ProcessVersion).order_by(ProcessVersion.version)).all()
        found = [(v.version, v.decision_tables) for v in rows]
        db.session.remove()
        return found


def test_an_edited_table_is_there_when_the_editor_reopens_and_is_what_gets_published(app, editor):
    analyst, url = editor
    assert tables_on(analyst, url) == TABLES  # a draft of a version starts with its tables
    saved = save(analyst, url, xml=XML, decision_tables=OVER_150000)
    assert saved.status_code == 200 and saved.json["saved"] is True
    assert tables_on(analyst, url) == OVER_150000
    # The diagram saved alone (as a client that edits only the diagram sends it): the draft
    # keeps its tables, and the check still finds the table its task calls.
    again = save(analyst, url, xml=XML.replace("Legal review", "Review by the lawyers"))
    assert again.status_code == 200, again.json
    assert "dmn-missing-decision" not in {p["rule"] for p in again.json["problems"]}
    assert tables_on(analyst, url) == OVER_150000

    published = analyst.post(f"{url}/publish", data={"note": "Legal review over 150,000"})
    assert published.status_code == 302
    assert versions(app)[-1] == (3, OVER_150000)
    with app.app_context():
        event = db.session.scalars(
            select(AuditEvent)
            .where(AuditEvent.action == "process_published")
            .order_by(AuditEvent.id.desc())
        ).first()
        assert (event.details["version"], event.details["decision_tables"]) == (3, [NAME])
        assert db.session.get(ProcessDraft, int(url.rsplit("/", 1)[1])).published_version_id
        db.session.remove()


def test_the_check_reads_the_saved_tables_and_a_table_with_errors_is_not_published(app, editor):
    analyst, url = editor
    first_hit = {NAME: TABLES[NAME].replace('hitPolicy="UNIQUE"', 'hitPolicy="FIRST"')}
    saved = save(analyst, url, xml=XML, decision_tables=first_hit)
    assert saved.status_code == 200  # a draft may hold errors: the analyst fixes them later
    assert "dmn-hit-policy" in {p["rule"] for p in saved.json["problems"]}
    assert "dmn-hit-policy" in problems_on(analyst, url)  # shown again on reopening
    assert "dmn-hit-policy" in {p["rule"] for p in save(analyst, url, xml=XML).json["problems"]}

    refused = analyst.post(f"{url}/publish", data={"note": "First hit"}, follow_redirects=True)
    assert "hit policy" in refused.get_data(as_text=True)
    assert [v for v, _tables in versions(app)] == [1, 2]


def test_the_table_sent_with_a_publish_form_is_not_what_gets_published(app, editor):
    """The saved draft is what gets published: a table posted with the form is ignored."""
    analyst, url = editor
    save(analyst, url, xml=XML, decision_tables=OVER_150000)
    posted = json.dumps({NAME: TABLES[NAME].replace("100000", "1")})
    analyst.post(f"{url}/publish", data={"note": "Saved tables", "decision_tables": posted})
    assert versions(app)[-1] == (3, OVER_150000)


BILLION_LAUGHS = (
    '<?xml version="1.0"?><!DOCTYPE d [<!ENTITY a "aaaa">]><definitions>&a;</definitions>'
)
HOSTILE_TABLES = {
    "not well-formed": ({NAME: TABLES[NAME][:-40]}, rf"{re.escape(NAME)} cannot be read"),
    "not XML at all": ({NAME: "amount > 100000 then legal"}, rf"{re.escape(NAME)} cannot be read"),
    "XML but no DMN": ({NAME: "<rules><rule/></rules>"}, "is not a DMN decision table"),
    "entities": ({NAME: BILLION_LAUGHS}, "DOCTYPE and ENTITY declarations are not allowed"),
    "larger than 1 MB": ({NAME: TABLES[NAME] + " " * 1024 * 1024}, "larger than 1 MB"),
    "a NUL character": ({NAME: TABLES[NAME].replace("Amount", "Am\x00ount")}, "not allowed"),
    "not a .dmn file": ({"rules.txt": TABLES[NAME]}, "each a .dmn file"),
    "too many": ({f"t{n}.dmn": TABLES[NAME] for n in range(21)}, "Up to 20 decision tables"),
    "a list": ([TABLES[NAME]], "each a .dmn file"),
    "a number for a table": ({NAME: 5}, "each a .dmn file"),
}


@pytest.mark.parametrize("tables, message", HOSTILE_TABLES.values(), ids=HOSTILE_TABLES.keys())
def test_input_that_is_no_decision_table_is_refused_and_the_saved_draft_stays(
    app, editor, tables, message
):
    analyst, url = editor
    assert save(analyst, url, xml=XML, decision_tables=OVER_150000).status_code == 200
    edited = XML.replace("Legal review", "Changed but refused")
    refused = save(analyst, url, xml=edited, decision_tables=tables)
    assert 400 <= refused.status_code < 500
    body = refused.json  # JSON, for the editor to show
    assert body.get("saved") is not True
    said = " ".join([body.get("message", "")] + [p["message"] for p in body.get("problems", [])])
    assert re.search(message, said), said
    assert tables_on(analyst, url) == OVER_150000
    assert "Changed but refused" not in analyst.get(f"{url}/bpmn").get_data(as_text=True)


@pytest.mark.parametrize(
    "body",
    [b"not json at all", b"[1, 2]", b'{"xml": 5}', b'{"xml": ["<x/>"]}', b"{}"],
    ids=["not JSON", "a list", "a number", "a list for the diagram", "nothing"],
)
def test_a_save_that_is_no_diagram_is_refused_with_a_message(app, editor, body):
    analyst, url = editor
    save(analyst, url, xml=XML, decision_tables=OVER_150000)
    refused = analyst.post(
        f"{url}/save",
        data=body,
        content_type="application/json",
        headers={"Accept": "application/json"},
    )
    assert refused.status_code in (400, 422)
    said = refused.json.get("message") or refused.json["problems"][0]["message"]
    assert "diagram" in said or "request" in said
    assert tables_on(analyst, url) == OVER_150000


def test_a_body_over_the_request_limit_is_refused_in_json_and_the_saved_draft_stays(
    app, editor, monkeypatch
):
    analyst, url = editor
    save(analyst, url, xml=XML, decision_tables=OVER_150000)
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 512 * 1024)
    huge = {f"t{n}.dmn": TABLES[NAME] + " " * 100_000 for n in range(10)}
    refused = save(analyst, url, xml=XML, decision_tables=huge)
    assert refused.status_code == 413
    assert "limit" in refused.json["message"]
    monkeypatch.undo()
    assert tables_on(analyst, url) == OVER_150000


def test_only_who_edits_processes_saves_a_draft(app, editor, make, login):
    _analyst, url = editor
    make.user("ivan", roles.INITIATOR)
    refused = save(login("ivan"), url, xml=XML, decision_tables={NAME: "<x/>"})
    assert refused.status_code in (302, 403)
    assert tables_on(login("alla"), url) == TABLES
