"""Diagram expressions run in a sandbox: a hostile condition fails cleanly and changes nothing."""

from pathlib import Path

import pytest

from app.errors import InvoiceFlowError
from app.models import InvoiceStatus
from app.workflow.sandbox import RestrictedScriptError, RestrictedTaskDataEnvironment
from tests.workflow.scenario import Scenario
from tests.workflow.test_new_stage_without_code import publish

DEFAULT = (Path(__file__).parents[2] / "processes" / "invoice_approval.bpmn").read_text()


@pytest.mark.parametrize(
    "expression",
    [
        "__import__('os').system('touch /tmp/pwned')",
        "().__class__.__base__.__subclasses__()",
        "open('/etc/passwd').read()",
        "eval('1')",
    ],
)
def test_hostile_expressions_are_refused(expression):
    environment = RestrictedTaskDataEnvironment()
    with pytest.raises((RestrictedScriptError, NameError)):
        environment.evaluate(expression, {})


def test_ordinary_expressions_and_scripts_work():
    environment = RestrictedTaskDataEnvironment()
    assert environment.evaluate(
        "approvals[-1]['decision'] == 'return'", {"approvals": [{"decision": "return"}]}
    )
    context = {"approvals": [1, 2]}
    environment.execute("approvals = []\ntotal = sum([1, 2, 3])", context)
    assert context == {"approvals": [], "total": 6}


def test_a_diagram_that_tries_to_escape_stops_cleanly_and_saves_nothing(app, make, tmp_path):
    hostile = DEFAULT.replace(
        "approvals[-1]['decision'] == 'return'",
        "__import__('os').system('touch " + str(tmp_path / "pwned") + "') == 0",
    )
    publish(app, hostile)
    case = Scenario(app, make, approvers=1)
    case.submit()
    with pytest.raises(InvoiceFlowError, match="could not continue"):
        case.decide("a1", "approve")
    assert not (tmp_path / "pwned").exists()
    assert case.status == InvoiceStatus.IN_APPROVAL
    assert case.holders() == ["a1"]


SPIN = DEFAULT.replace(
    '<bpmn:sequenceFlow id="f_start" sourceRef="start" targetRef="approval_step"/>',
    """<bpmn:sequenceFlow id="f_start" sourceRef="start" targetRef="gw_spin"/>
    <bpmn:exclusiveGateway id="gw_spin" default="f_spin">
      <bpmn:incoming>f_start</bpmn:incoming>
      <bpmn:incoming>f_spin</bpmn:incoming>
      <bpmn:outgoing>f_spin</bpmn:outgoing>
      <bpmn:outgoing>f_out</bpmn:outgoing>
    </bpmn:exclusiveGateway>
    <bpmn:sequenceFlow id="f_spin" sourceRef="gw_spin" targetRef="gw_spin"/>
    <bpmn:sequenceFlow id="f_out" sourceRef="gw_spin" targetRef="approval_step">
      <bpmn:conditionExpression>False</bpmn:conditionExpression>
    </bpmn:sequenceFlow>""",
)
GROW = DEFAULT.replace(
    "<spiffworkflow:postScript>approvals = []</spiffworkflow:postScript>",
    "<spiffworkflow:postScript>approvals = []\npadding = 'x' * 3000000</spiffworkflow:postScript>",
)


def test_a_loop_that_never_waits_is_stopped_by_the_step_cap_and_changes_nothing(app, make):
    publish(app, SPIN)  # straight into the table: the editor's lint would refuse this diagram
    case = Scenario(app, make, approvers=1)
    with pytest.raises(InvoiceFlowError, match="without reaching a person or a timer"):
        case.submit()
    assert case.status == InvoiceStatus.DRAFT
    assert case.holders() == []


def test_data_that_grows_without_bound_fails_the_action_cleanly(app, make):
    publish(app, GROW)
    case = Scenario(app, make, approvers=1)
    case.submit()
    case.decide("a1", "return", "Fix it")
    with pytest.raises(InvoiceFlowError, match="grew past"):
        case.resubmit()
    assert case.status == InvoiceStatus.ON_REWORK
    assert case.holders() == ["ivan"]


SELF_FEEDING = DEFAULT.replace(
    "<spiffworkflow:postScript>approvals = []</spiffworkflow:postScript>",
    "<spiffworkflow:postScript>approvals = []\nqueue = [1]\n"
    "for item in queue:\n    queue.append(item)</spiffworkflow:postScript>",
)


def test_a_loop_that_feeds_itself_is_stopped_and_changes_nothing(app, make):
    """No `while`, no recursion, and still endless: the loop step budget stops it."""
    environment = RestrictedTaskDataEnvironment()
    with pytest.raises(RestrictedScriptError, match="loops went past"):
        environment.execute("queue = [1]\nfor item in queue:\n    queue.append(item)", {})
    publish(app, SELF_FEEDING)
    case = Scenario(app, make, approvers=1)
    case.submit()
    case.decide("a1", "return", "Fix it")
    with pytest.raises(InvoiceFlowError, match="loops went past"):
        case.resubmit()
    assert case.status == InvoiceStatus.ON_REWORK
    assert case.holders() == ["ivan"]
