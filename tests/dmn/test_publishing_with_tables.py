"""A diagram and its decision tables are one version: checked, published and seeded together,
then invoices run through the tables over HTTP (a legal review, a return for rework)."""

from pathlib import Path

import pytest
from sqlalchemy import select

from app import roles
from app.errors import ValidationError
from app.extensions import db
from app.models import AuditEvent, CostCentre, Invoice, ProcessVersion
from app.services.process_versions import seed_process_versions
from app.services.publish_process import DiagramRejectedError, publish_process
from app.workflow.dmn import decision_files_beside, version_sha256
from tests import clock

VARIANT = Path(__file__).parents[2] / "processes" / "variants" / "invoice_with_rules.bpmn"
XML = VARIANT.read_text()
TABLES = decision_files_beside(VARIANT)
TABLE_NAME = "invoice_with_rules.approval_rules.dmn"


@pytest.fixture
def legal(make):
    make.lane_role("Legal")


def current(app) -> ProcessVersion:
    return db.session.scalars(select(ProcessVersion).where(ProcessVersion.is_current)).one()


def test_a_diagram_is_published_with_its_tables_as_one_version(app, legal):
    with app.app_context():
        version = publish_process(
            db.session, None, XML, "Rules decide the legal review", decision_tables=TABLES
        )
        db.session.commit()
        assert current(app).version == 2
        assert current(app).decision_tables == TABLES
        assert current(app).sha256 == version_sha256(XML, TABLES) == version.sha256
        event = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "process_published")
        ).one()
        assert event.details["decision_tables"] == [TABLE_NAME]
        # The same diagram and tables again: nothing to publish; a changed table is new.
        with pytest.raises(ValidationError, match="Nothing to publish"):
            publish_process(db.session, None, XML, "again", decision_tables=TABLES)
        changed = {TABLE_NAME: TABLES[TABLE_NAME].replace("100000", "200000")}
        assert publish_process(db.session, None, XML, "Over 200,000", decision_tables=changed)
        db.session.remove()


def test_a_table_with_errors_or_a_missing_table_stops_the_publish(app, legal):
    with app.app_context():
        with pytest.raises(DiagramRejectedError) as refused:
            publish_process(db.session, None, XML, "No table")
        assert [p.rule for p in refused.value.problems] == ["dmn-missing-decision"]
        broken = {TABLE_NAME: TABLES[TABLE_NAME].replace('hitPolicy="UNIQUE"', 'hitPolicy="FIRST"')}
        with pytest.raises(DiagramRejectedError) as refused:
            publish_process(db.session, None, XML, "First hit", decision_tables=broken)
        assert [p.rule for p in refused.value.problems] == ["dmn-hit-policy"]
        with pytest.raises(ValidationError):
            publish_process(db.session, None, XML, "x", decision_tables={"a.txt": "<x/>"})
        assert current(app).version == 1
        db.session.remove()


def test_seeding_reads_the_tables_beside_the_diagram(app, tmp_path):
    (tmp_path / "ruled.bpmn").write_text(XML.replace('id="invoice_approval"', 'id="ruled"'))
    (tmp_path / "ruled.approval_rules.dmn").write_text(TABLES[TABLE_NAME])
    with app.app_context():
        assert seed_process_versions(db.session, tmp_path) == ["ruled"]
        seeded = db.session.scalars(
            select(ProcessVersion).where(ProcessVersion.process_id == "ruled")
        ).one()
        assert seeded.decision_tables == {"ruled.approval_rules.dmn": TABLES[TABLE_NAME]}
        db.session.delete(seeded)
        db.session.commit()
        db.session.remove()


def test_the_command_line_publishes_the_tables_beside_the_file(app, legal):
    runner = app.test_cli_runner()
    published = runner.invoke(args=["process", "publish", str(VARIANT), "--note", "With rules"])
    assert published.exit_code == 0, published.output
    with app.app_context():
        assert current(app).decision_tables == TABLES
        db.session.remove()


def test_invoices_run_through_the_rules_over_http(app, make, client, api_token, legal):
    make.user("ivan", roles.INITIATOR)
    anna = make.user("anna", roles.APPROVER)
    make.user("lena", "Legal")
    make.user("fedor", roles.FINANCE_DIRECTOR)
    party = make.counterparty("Acme")
    with app.app_context():
        publish_process(
            db.session, None, XML, "Rules decide the legal review", decision_tables=TABLES
        )
        db.session.add(CostCentre(code="Capex", name="Capital works"))
        db.session.commit()
        capex = db.session.scalars(select(CostCentre.id)).one()
        db.session.remove()
    ivan, anna_h, lena, fedor = (api_token(n) for n in ("ivan", "anna", "lena", "fedor"))

    def submitted(amount: str, **more) -> int:
        body = {
            "amount": amount,
            "counterparty_id": party,
            "issue_date": clock.today().isoformat(),
            "approvers": [anna],
            **more,
        }
        created = client.post("/api/v1/invoice/", headers=ivan, json=body)
        assert created.status_code == 201, created.json
        pk = created.json["id"]
        assert client.post(f"/api/v1/invoices/{pk}/submit", headers=ivan).status_code == 200
        return pk

    def decide(headers, title: str, decision: str, comment: str = "") -> None:
        tasks = client.get("/api/v1/tasks/mine", headers=headers).json["result"]
        task = next(t["id"] for t in tasks if t["title"] == title)
        answer = client.post(
            f"/api/v1/tasks/{task}/decision",
            headers=headers,
            json={"decision": decision, "comment": comment},
        )
        assert answer.status_code == 200, answer.json

    def titles(headers) -> set[str]:
        return {
            t["title"] for t in client.get("/api/v1/tasks/mine", headers=headers).json["result"]
        }

    large, capex_small, ordinary = (
        submitted("150000"),
        submitted("5000", cost_centre_id=capex),
        submitted("5000"),
    )
    for pk in (large, capex_small, ordinary):
        decide(anna_h, f"Approval of invoice #{pk}", "approve")
    # Rule 1 (over 100,000) and rule 2 (Capex) go to the lawyers; rule 3 straight to payment.
    assert titles(lena) == {
        f"Legal review of invoice #{large}",
        f"Legal review of invoice #{capex_small}",
    }
    assert f"Pay invoice #{ordinary}" in titles(fedor)
    # The lawyers may return an invoice for rework: the initiator corrects it.
    decide(lena, f"Legal review of invoice #{capex_small}", "return", "Attach the contract")
    assert f"Correct invoice #{capex_small}" in titles(ivan)
    decide(lena, f"Legal review of invoice #{large}", "approve")
    assert f"Pay invoice #{large}" in titles(fedor)
    with app.app_context():
        statuses = {pk: db.session.get(Invoice, pk).status for pk in (large, capex_small)}
        assert statuses == {large: "awaiting_payment", capex_small: "on_rework"}
        db.session.remove()


def test_the_editor_saves_a_draft_checked_with_its_tables_and_refuses_bad_ones(app, make, login):
    make.user("alla", roles.ANALYST)
    with app.app_context():
        v1 = db.session.scalars(select(ProcessVersion.id)).one()
        db.session.remove()
    analyst = login("alla")
    editor = analyst.post("/process/drafts", data={"version_id": v1}).headers["Location"]
    save = editor.rstrip("/") + "/save"
    broken = {TABLE_NAME: TABLES[TABLE_NAME].replace('hitPolicy="UNIQUE"', 'hitPolicy="ANY"')}
    saved = analyst.post(save, json={"xml": XML, "decision_tables": broken})
    assert saved.status_code == 200
    assert "dmn-hit-policy" in {p["rule"] for p in saved.json["problems"]}
    for bad in ([1, 2], {"x.dmn": 5}, {"notes.txt": "<x/>"}):
        refused = analyst.post(save, json={"xml": XML, "decision_tables": bad})
        assert refused.status_code == 422 and refused.json["saved"] is False
    page = analyst.post(editor.rstrip("/") + "/publish", data={"note": "x", "decision_tables": "{"})
    assert page.status_code == 302  # back to the editor with the message, nothing published
