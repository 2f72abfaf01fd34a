"""The app's contract with a diagram speaks to analysts: each problem names its rule and the
element (name and id), says what to change, and reads in the reader's language."""

from pathlib import Path

import pytest
from flask_babel import force_locale

from app.workflow.lint import lint
from app.workflow.problems import localized_message

DEFAULT = (Path(__file__).parents[2] / "processes" / "invoice_approval.bpmn").read_text()
ROLES = {"Admin", "Initiator", "Approver", "Finance director", "Analyst", "Auditor"}
ENTITY = '<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]>'

CASES = {
    "a lane that is no role": (
        ('name="Finance director"', 'name="Treasury"'),
        "task-lane",
        "pay",
        ["Дорожка «Treasury» у “Pay invoice” (pay)", "не `Initiator` и не существующая роль"],
    ),
    "a task without a form": (
        ('<spiffworkflow:property name="form" value="payment"/>', ""),
        "task-form",
        "pay",
        ["У пользовательской задачи “Pay invoice” (pay) свойство `form`", "задайте одно из них"],
    ),
    "an end without a status": (
        ('<spiffworkflow:property name="status" value="paid"/>', ""),
        "end-status",
        "end_paid",
        ["Конечному событию “Paid” (end_paid) нужно свойство `status`", "paid, rejected"],
    ),
    "an XML with an entity": (
        ('<?xml version="1.0" encoding="UTF-8"?>', ENTITY),
        "xml-entities",
        None,
        ["Объявления DOCTYPE и ENTITY в диаграмме не допускаются: удалите их"],
    ),
}


@pytest.mark.parametrize(("change", "rule", "element", "russian"), CASES.values(), ids=CASES)
def test_a_contract_problem_names_its_rule_and_element_and_reads_in_russian(
    app, change, rule, element, russian
):
    old, new = change
    assert old in DEFAULT
    problems = lint(DEFAULT.replace(old, new, 1), ROLES, "invoice_approval")
    [problem] = [p for p in problems if p.rule == rule]
    assert (problem.severity, problem.element_id) == ("error", element)
    with app.test_request_context(), force_locale("ru"):
        text = localized_message(problem)
    assert all(words in text for words in russian), text


def test_an_english_reader_is_told_what_to_change():
    xml = DEFAULT.replace('name="Finance director"', 'name="Treasury"', 1)
    [problem] = [p for p in lint(xml, ROLES, "invoice_approval") if p.rule == "task-lane"]
    assert problem.message == (
        "The lane “Treasury” of “Pay invoice” (pay) is neither `Initiator` nor an existing "
        "role: name the lane after a role (Admin, Analyst, Approver, Auditor, Finance director, "
        "Initiator), or create the role first."
    )
