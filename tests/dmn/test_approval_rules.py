"""The example decision table in processes/variants, run by the engine for each of its rules."""

from decimal import Decimal
from pathlib import Path

import pytest

from app.workflow.definitions import load_definition
from app.workflow.dmn import decision_files_beside, version_sha256
from app.workflow.engine import InvoiceWorkflow

VARIANT = Path(__file__).parents[2] / "processes" / "variants" / "invoice_with_rules.bpmn"


def first_stage(amount: str, cost_centre: str | None) -> str:
    decisions = decision_files_beside(VARIANT)
    definition = load_definition(VARIANT.read_text(), "invoice_approval", decisions)
    data = {"invoice_id": 1, "number": 49, "amount": Decimal(amount), "currency": "RUB"}
    workflow = InvoiceWorkflow.start(
        definition, {**data, "cost_centre": cost_centre, "approvers": [7]}
    )
    (turn,) = workflow.ready_tasks()  # the rules apply once the approvers said yes
    approval = {"by": 7, "decision": "approve", "comment": ""}
    workflow.complete(turn.guid, {"approval": approval})
    return [task.bpmn_id for task in workflow.ready_tasks()][0]


@pytest.mark.parametrize(
    ("rule", "amount", "cost_centre", "stage"),
    [
        (1, "100000.01", None, "legal_review"),  # over 100,000, whatever the cost centre
        (1, "250000.00", "Capex", "legal_review"),
        (2, "5000.00", "Capex", "legal_review"),  # Capex at any amount
        (3, "100000.00", "Opex", "pay"),  # everything else: straight on
        (3, "10.00", None, "pay"),
    ],
)
def test_each_rule_of_the_example_table_routes_the_invoice(rule, amount, cost_centre, stage):
    assert first_stage(amount, cost_centre) == stage, f"rule {rule}"


def test_the_tables_are_part_of_the_version_hash():
    xml = VARIANT.read_text()
    decisions = decision_files_beside(VARIANT)
    assert list(decisions) == ["invoice_with_rules.approval_rules.dmn"]
    changed = {name: text.replace("100000", "200000") for name, text in decisions.items()}
    assert version_sha256(xml, decisions) != version_sha256(xml, changed)
    assert version_sha256(xml, None) == version_sha256(xml, {})
