"""The check reads a version's decision tables with its diagram: what the engine cannot run,
what the sandbox refuses, mistyped values, overlapping rules and gaps, each with its rule."""

from pathlib import Path

import pytest
from flask_babel import force_locale

from app.workflow.dmn import decision_files_beside
from app.workflow.lint import lint
from app.workflow.problems import localized_message

VARIANT = Path(__file__).parents[2] / "processes" / "variants" / "invoice_with_rules.bpmn"
TABLE_NAME = "invoice_with_rules.approval_rules.dmn"
ROLES = {"Approver", "Legal", "Finance director"}

TABLE = """<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="https://www.omg.org/spec/DMN/20191111/MODEL/" id="d" name="Rules"
             namespace="http://invoiceflow.example/dmn">
  <decision id="approval_rules" name="Legal review?">
    <decisionTable id="table" hitPolicy="{policy}">
      <input id="in_amount" label="Amount">
        <inputExpression id="e1" typeRef="number"><text>{input}</text></inputExpression>
      </input>
      <input id="in_cc" label="Cost centre">
        <inputExpression id="e2" typeRef="string"><text>cost_centre</text></inputExpression>
      </input>
      <output id="out" label="Legal review" name="legal_review" typeRef="boolean"/>
      {rules}
    </decisionTable>
  </decision>
</definitions>"""


def rule(n: int, amount: str, cost_centre: str, legal: str = "True") -> str:
    return (
        f'<rule id="r{n}"><inputEntry id="r{n}a"><text>{amount}</text></inputEntry>'
        f'<inputEntry id="r{n}c"><text>{cost_centre}</text></inputEntry>'
        f'<outputEntry id="r{n}o"><text>{legal}</text></outputEntry></rule>'
    )


def table(*rules: str, policy: str = "UNIQUE", input: str = "amount") -> dict[str, str]:
    return {TABLE_NAME: TABLE.format(policy=policy, input=input, rules="".join(rules))}


SOUND = (
    rule(1, "&gt; 100000", "-"),
    rule(2, "&lt;= 100000", '"Capex"'),
    rule(3, "&lt;= 100000", '!= "Capex"', "False"),
)


def problems(tables) -> list:
    found = lint(VARIANT.read_text(), ROLES, "invoice_approval", tables)
    return [p for p in found if p.rule and p.rule.startswith("dmn")]


def test_the_shipped_variant_and_its_table_pass_the_check():
    found = lint(VARIANT.read_text(), ROLES, "invoice_approval", decision_files_beside(VARIANT))
    assert found == []
    assert problems(table(*SOUND)) == []


def test_a_business_rule_task_without_its_table_is_refused_by_name():
    found = lint(VARIANT.read_text(), ROLES, "invoice_approval", None)
    assert [p.rule for p in found] == ["dmn-missing-decision"]
    assert "approval_rules" in found[0].message and found[0].element_id == "rules"


@pytest.mark.parametrize("policy", ["FIRST", "ANY", "PRIORITY", "RULE ORDER", "OUTPUT ORDER"])
def test_hit_policies_the_engine_does_not_run_are_refused(policy):
    (found,) = problems(table(*SOUND, policy=policy))
    assert found.rule == "dmn-hit-policy" and found.severity == "error"
    assert policy in found.message and "UNIQUE" in found.message and "COLLECT" in found.message


def test_collect_is_accepted_and_overlaps_are_then_allowed():
    assert problems(table(*SOUND, rule(4, "&gt; 0", "-"), policy="COLLECT")) == []


def test_expressions_the_sandbox_refuses_are_reported_with_the_rule_and_column():
    found = problems(table(rule(1, "&gt; 100000 and", "-"), *SOUND[1:]))
    assert [p.rule for p in found] == ["dmn-expression"]
    assert "rule 1, input “Amount”" in found[0].message
    found = problems(table(*SOUND[:2], rule(3, "&lt;= 100000", '!= "Capex"', "open('x')")))
    assert any("rule 3, output “Legal review”" in p.message for p in found)
    found = problems(table(*SOUND, input="amount.__class__"))
    assert [p.rule for p in found] == ["dmn-expression"] and "input “Amount”" in found[0].message


def test_a_number_column_compared_with_a_text_is_a_type_error():
    found = problems(table(rule(1, '"100000"', "-"), *SOUND[1:]))
    assert "dmn-type" in {p.rule for p in found}
    typed = next(p for p in found if p.rule == "dmn-type")
    assert "rule 1, input “Amount”" in typed.message and "number" in typed.message
    found = problems(table(*SOUND[:2], rule(3, "&lt;= 100000", "!= 5", "False")))
    assert any(p.rule == "dmn-type" and "rule 3, input “Cost centre”" in p.message for p in found)
    found = problems(table(*SOUND[:2], rule(3, "&lt;= 100000", '!= "Capex"', '"no"')))
    assert any(p.rule == "dmn-type" and "output “Legal review”" in p.message for p in found)


def test_overlapping_rules_of_a_unique_table_name_both_rules():
    found = problems(table(*SOUND, rule(4, "&gt; 50000", '"Capex"')))
    overlaps = [p for p in found if p.rule == "dmn-overlap"]
    assert overlaps and all(p.severity == "error" for p in overlaps)
    assert "rules 1 and 4" in overlaps[0].message or "rules 2 and 4" in overlaps[0].message


def test_a_gap_in_a_numeric_range_is_reported_with_a_value_no_rule_covers():
    found = problems(table(rule(1, "&gt; 100000", "-"), rule(2, "&lt; 100000", "-", "False")))
    (gap,) = [p for p in found if p.rule == "dmn-gap"]
    assert gap.severity == "warning" and "Amount = 100000" in gap.message


def test_a_gap_in_an_enumeration_is_reported():
    found = problems(table(rule(1, "-", '"Capex"'), rule(2, "-", '"Opex"', "False")))
    (gap,) = [p for p in found if p.rule == "dmn-gap"]
    assert "Cost centre = another value" in gap.message


def test_a_table_that_is_not_dmn_or_not_xml_is_refused():
    found = problems({TABLE_NAME: "<definitions><oops></definitions>"})
    assert "dmn-file" in {p.rule for p in found}
    found = problems({TABLE_NAME: '<?xml version="1.0"?><html/>'})
    assert "dmn-file" in {p.rule for p in found}


def test_problems_read_in_the_readers_language(app):
    with app.app_context():
        found = problems(table(rule(1, '"x"', "-"), *SOUND[1:], policy="FIRST"))
        with force_locale("ru"):
            message = localized_message(found[0])
    assert message.startswith("Таблица «Legal review?»") and "FIRST" in message
    assert "политику срабатывания" in message


def test_a_rule_with_fewer_input_entries_than_the_table_has_inputs_is_an_error():
    short = '<rule id="r9"><inputEntry id="r9a"><text>-</text></inputEntry><outputEntry id="r9o"><text>True</text></outputEntry></rule>'  # noqa: E501
    (found,) = problems(table(*SOUND, short))
    assert found.rule == "dmn-rule-entries" and found.severity == "error"
    assert "rule 4" in found.message and "1 input entries" in found.message
    assert "2 inputs" in found.message and found.element_id == "r9"


def test_a_rule_with_more_output_entries_than_the_table_has_outputs_is_an_error():
    extra = rule(1, "&gt; 100000", "-").replace(
        "</rule>", '<outputEntry id="r1x"><text>False</text></outputEntry></rule>'
    )
    (found,) = problems(table(extra, *SOUND[1:]))
    assert found.rule == "dmn-rule-entries" and "rule 1" in found.message
    assert "2 output entries" in found.message and "1 outputs" in found.message


def test_a_table_without_rules_is_an_error_naming_the_table():
    (found,) = problems(table())
    assert found.rule == "dmn-no-rules" and found.severity == "error"
    assert "Legal review?" in found.message and TABLE_NAME in found.message


def test_rule_shape_and_empty_table_problems_read_in_russian(app):
    short = '<rule id="r9"><inputEntry id="r9a"><text>-</text></inputEntry><outputEntry id="r9o"><text>True</text></outputEntry></rule>'  # noqa: E501
    with app.app_context():
        (shape,) = problems(table(*SOUND, short))
        (empty,) = problems(table())
        with force_locale("ru"):
            shape_text, empty_text = localized_message(shape), localized_message(empty)
    assert shape_text.startswith("Таблица «Legal review?»") and "правило 4" in shape_text
    assert "входов" in shape_text
    assert "«Legal review?»" in empty_text and "нет правил" in empty_text
