"""Importing a Camunda 7 diagram (Camunda's invoice example) gives one complete list: each
JUEL expression with its Python form, Java delegates and listeners, Camunda forms, DMN
decisions, variable mappings and the called process that is not in the file."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask_babel import force_locale

from app.workflow.camunda import python_form
from app.workflow.lint import has_errors, lint

INVOICE = (Path(__file__).parent / "diagrams" / "camunda7_invoice.bpmn").read_text()
ROLES = {"Initiator", "Approver", "Finance director"}


def problems():
    return lint(INVOICE, ROLES)


def test_one_check_lists_everything_to_change_in_the_camunda_invoice_diagram():
    found = {(p.rule, p.element_id) for p in problems()}
    assert {
        ("camunda-form", "StartEvent_1"),
        ("camunda-decision", "assignApprover"),
        ("camunda-candidates", "approveInvoice"),
        ("camunda-due-date", "approveInvoice"),
        ("camunda-multi-instance", "approveInvoice"),
        ("camunda-listener", "approveInvoice"),
        ("camunda-form", "approveInvoice"),
        ("camunda-expression", "approveInvoice"),  # its completion condition
        ("camunda-timer", "approvalReminder"),
        ("camunda-expression", "invoiceNotApproved"),
        ("camunda-expression", "reviewSuccessful"),
        ("camunda-expression", "reviewNotSuccessful"),
        ("called-process", "reviewInvoice"),
        ("camunda-input-output", "reviewInvoice"),
        ("camunda-candidates", "prepareBankTransfer"),
        ("camunda-form", "prepareBankTransfer"),
        ("camunda-delegate", "ServiceTask_1"),
        ("camunda-listener", "ServiceTask_1"),
        ("camunda-input-output", "ServiceTask_1"),
    } <= found, sorted(found, key=str)
    assert has_errors(problems())


def test_each_juel_expression_comes_with_its_python_form():
    by_element = {p.element_id: p.message for p in problems() if p.rule == "camunda-expression"}
    assert "Write it as approved == False and amount > 1000." in by_element["invoiceNotApproved"]
    assert "Write it as clarified." in by_element["reviewSuccessful"]
    assert "Write it as not clarified." in by_element["reviewNotSuccessful"]
    assert "not approved or nrOfCompletedInstances == nrOfInstances" in by_element["approveInvoice"]
    [timer] = [p for p in problems() if p.rule == "camunda-timer"]
    assert '"R3/P2D"' in timer.message


def test_what_camunda_runs_in_java_is_named_with_what_to_do_instead():
    messages = {(p.rule, p.element_id): p.message for p in problems()}
    delegate = messages[("camunda-delegate", "ServiceTask_1")]
    assert "ArchiveInvoiceService" in delegate and "script task" in delegate
    assert "invoice-assign-approver" in messages[("camunda-decision", "assignApprover")]
    assert "“create”" in messages[("camunda-listener", "approveInvoice")]
    assert (
        "lane named after the role (accounting)"
        in messages[("camunda-candidates", "prepareBankTransfer")]
    )


def test_an_expression_is_reported_once_with_its_python_form_not_also_as_a_syntax_error():
    flows = [p for p in problems() if p.element_id == "invoiceNotApproved"]
    assert [p.rule for p in flows] == ["camunda-expression"], flows


def test_no_engine_message_reaches_the_analyst():
    for p in problems():
        assert "Exception" not in p.message and "DMN Diagram" not in p.message, p.message
        assert "operator" not in p.message, p.message


def test_a_russian_analyst_reads_the_camunda_list_in_russian(app):
    with app.test_request_context(), force_locale("ru"):
        messages = {(p.rule, p.element_id): p.message for p in lint(INVOICE, ROLES)}
    assert messages[("camunda-expression", "reviewNotSuccessful")].startswith(
        "Выражения здесь пишутся на Python"
    )
    assert "Java-делегаты" in messages[("camunda-delegate", "ServiceTask_1")]


@pytest.mark.parametrize(
    ("juel", "python"),
    [
        ("${amount > 1000}", "amount > 1000"),
        ("${approved == true}", "approved == True"),
        ("${a && b || c}", "a and b or c"),
        ("${!approved}", "not approved"),
        ("${empty comment}", "not comment"),
        ("${not empty comment}", "comment"),
        ("#{creditor != null}", "creditor is not None"),
        ("${amount gt 5 and currency eq 'RUB'}", "amount > 5 and currency == 'RUB'"),
        ('${execution.getVariable("amount") >= 10}', "amount >= 10"),
        ("PT${minutes}M", 'f"PT{minutes}M"'),
        ('${note == "a && b"}', 'note == "a && b"'),
    ],
)
def test_juel_becomes_python(juel, python):
    assert python_form(juel) == python


def test_a_diagram_without_camunda_gets_no_camunda_advice():
    default = (Path(__file__).parents[2] / "processes" / "invoice_approval.bpmn").read_text()
    assert not [p for p in lint(default, ROLES) if (p.rule or "").startswith("camunda")]
