"""A draft imported from a .bpmn file has no decision tables: the analyst adds one (the editor's
New decision table starts from a minimal table the check accepts), saves, publishes, and
invoices run through it. Removing a table is saved with the draft too; the check then names
the business-rule task that still calls it."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from lxml import html

from app import roles
from app.workflow.dmn import new_decision_table
from app.workflow.lint import lint
from tests import clock

VARIANT = Path(__file__).parents[2] / "processes" / "variants" / "invoice_with_rules.bpmn"
XML = VARIANT.read_text()  # its business-rule task calls the decision "approval_rules"
ROLES = {"Approver", "Legal", "Finance director"}


@pytest.fixture
def imported(app, make, login):
    """The rules variant imported as a .bpmn file, without its table: the editor's URL."""
    make.lane_role("Legal")
    make.user("alla", roles.ANALYST)
    analyst = login("alla")
    upload = {"diagram": (io.BytesIO(XML.encode()), "invoice_with_rules.bpmn")}
    created = analyst.post("/process/drafts", data=upload, content_type="multipart/form-data")
    assert created.status_code == 302
    return analyst, created.headers["Location"].rstrip("/")


def panel(client, url: str):
    page = html.fromstring(client.get(url).get_data(as_text=True))
    return page.get_element_by_id("decision-tables")


def save(client, url: str, **body):
    return client.post(f"{url}/save", json=body, headers={"Accept": "application/json"})


def rules_of(answer) -> set[str]:
    return {p["rule"] for p in answer.json["problems"]}


def legal_review_table() -> dict[str, str]:
    """A new table as the analyst then edits it in dmn-js: over 100,000 goes to the lawyers."""
    name, xml = new_decision_table("approval_rules", "Legal review?")
    xml = xml.replace('name="outcome" typeRef="string"', 'name="legal_review" typeRef="boolean"')
    first = xml[xml.index("      <rule ") : xml.index("</rule>") + len("</rule>\n")]
    over = first.replace("<text>-</text>", "<text>&gt; 100000</text>").replace(
        '<text>"approve"</text>', "<text>True</text>"
    )
    rest = over.replace("&gt; 100000", "&lt;= 100000").replace("True", "False")
    return {name: xml.replace(first, over + rest.replace("_rule_1", "_rule_2"))}


def test_a_new_table_as_the_editor_makes_it_passes_the_check():
    name, xml = new_decision_table("approval_rules", "Rules <of> “Anna & Co”")
    assert name == "approval_rules.dmn"
    assert lint(XML, ROLES, "invoice_approval", {name: xml}) == []


def test_a_draft_without_tables_says_so_and_offers_a_new_one(imported):
    analyst, url = imported
    tables = panel(analyst, url)
    assert json.loads(tables.get("data-tables")) == {}
    none = tables.get_element_by_id("no-decision-tables")
    assert none.text_content().strip() == "This draft has no decision tables."
    assert none.get("hidden") is None
    assert tables.get_element_by_id("new-decision-table").text_content() == "New decision table"
    assert "This version has no decision tables" not in tables.text_content()
    # What the editor starts a new table from: a minimal DMN table the check accepts.
    template = json.loads(tables.get("data-new-table"))
    assert 'hitPolicy="UNIQUE"' in template and template.count("<rule ") == 1
    assert "dmn-missing-decision" in rules_of(save(analyst, url, xml=XML))


def test_a_russian_analyst_reads_the_empty_panel_in_russian(imported):
    analyst, url = imported
    assert analyst.get("/lang/ru").status_code == 302
    tables = panel(analyst, url)
    assert "В этом черновике нет таблиц решений." in tables.text_content()
    assert "Новая таблица решений" in tables.text_content()
    assert "Сумма" in json.loads(tables.get("data-new-table"))  # the column's label


def test_a_table_added_to_a_draft_is_saved_published_and_decides_invoices(
    app, make, client, api_token, imported
):
    analyst, url = imported
    saved = save(analyst, url, xml=XML, decision_tables=legal_review_table())
    assert saved.status_code == 200 and saved.json["saved"] is True
    assert not {rule for rule in rules_of(saved) if rule.startswith("dmn")}
    assert json.loads(panel(analyst, url).get("data-tables")) == legal_review_table()
    published = analyst.post(f"{url}/publish", data={"note": "A legal review over 100,000"})
    assert published.status_code == 302
    make.user("ivan", roles.INITIATOR)
    anna = make.user("anna", roles.APPROVER)
    make.user("lena", "Legal")
    party = make.counterparty("Acme")
    ivan, lena = api_token("ivan"), api_token("lena")
    large, small = (submitted(client, ivan, party, anna, amount) for amount in ("150000", "5000"))
    for pk in (large, small):
        approve(client, api_token("anna"), f"Approval of invoice #{pk}")
    legal = {t["title"] for t in client.get("/api/v1/tasks/mine", headers=lena).json["result"]}
    assert legal == {f"Legal review of invoice #{large}"}


def test_a_removed_table_is_saved_and_the_check_names_the_task_that_calls_it(imported):
    analyst, url = imported
    assert save(analyst, url, xml=XML, decision_tables=legal_review_table()).status_code == 200
    removed = save(analyst, url, xml=XML, decision_tables={})
    assert removed.status_code == 200 and removed.json["saved"] is True
    [missing] = [p for p in removed.json["problems"] if p["rule"] == "dmn-missing-decision"]
    assert "approval_rules" in missing["message"] and missing["element_id"] == "rules"
    assert json.loads(panel(analyst, url).get("data-tables")) == {}
    refused = analyst.post(f"{url}/publish", data={"note": "No table"}, follow_redirects=True)
    assert "approval_rules" in refused.get_data(as_text=True)


def submitted(client, headers, party: int, approver: int, amount: str) -> int:
    body = {
        "amount": amount,
        "counterparty_id": party,
        "issue_date": clock.today().isoformat(),
        "approvers": [approver],
    }
    created = client.post("/api/v1/invoice/", headers=headers, json=body)
    assert created.status_code == 201, created.json
    pk = created.json["id"]
    assert client.post(f"/api/v1/invoices/{pk}/submit", headers=headers).status_code == 200
    return pk


def approve(client, headers, title: str) -> None:
    tasks = client.get("/api/v1/tasks/mine", headers=headers).json["result"]
    task = next(t["id"] for t in tasks if t["title"] == title)
    answer = client.post(
        f"/api/v1/tasks/{task}/decision", headers=headers, json={"decision": "approve"}
    )
    assert answer.status_code == 200, answer.json
