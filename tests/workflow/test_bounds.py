"""Every action is bounded: a diagram that asks for too much is refused by the check, naming
the element, and the same diagram forced into the database fails at run time with a message,
leaving the invoice as it was."""

import threading

import pytest

from app.errors import InvoiceFlowError
from app.models import InvoiceStatus
from app.workflow.definitions import WorkflowError, load_definition
from app.workflow.engine import InvoiceWorkflow
from app.workflow.lint import lint
from app.workflow.sandbox import RestrictedScriptError, RestrictedTaskDataEnvironment
from tests.workflow import hostile
from tests.workflow.scenario import Scenario
from tests.workflow.test_new_stage_without_code import publish

ROLES = {"Admin", "Initiator", "Approver", "Finance director", "Analyst", "Auditor"}


def errors_of(xml: str) -> list[tuple[str | None, str]]:
    problems = lint(xml, ROLES, "invoice_approval")
    return [(p.element_id, p.message) for p in problems if p.severity == "error"]


REFUSED_BY_THE_CHECK = [
    (hostile.POWER, "hostile", "4,096 bits"),
    (hostile.REPETITION, "hostile", "4,000,000 items"),
    (hostile.CARDINALITY, "hostile", "at most 20 instances"),
    (hostile.SELF_CALL, "hostile", "may not call itself"),
    (hostile.EVERY_SECOND, "remind_approver", "repeats without end"),
    (hostile.reminder_every('"R50/PT24H"'), "remind_approver", "at most 10 times"),
    (hostile.reminder_every('"R3/PT10M"'), "remind_approver", "once every 1 hour"),
    (hostile.script_step("total = sum(range(10**12))"), "hostile", "range() of more than"),
    (hostile.script_step("x = f'{1:>999999999}'"), "hostile", "format wider"),
    (hostile.script_step("x = " + "-" * 60 + "1"), "hostile", "nests more than 50 levels"),
    (hostile.WIDE_SPLIT, "hostile", "at most 20 branches"),
    (hostile.SPLITS_IN_A_ROW, None, "too many paths"),
]


@pytest.mark.parametrize(
    ("xml", "element", "message"), REFUSED_BY_THE_CHECK, ids=[c[2] for c in REFUSED_BY_THE_CHECK]
)
def test_the_check_refuses_a_diagram_that_asks_for_too_much_naming_the_element(
    app, xml, element, message
):
    with app.test_request_context():
        errors = errors_of(xml)
    assert any(eid == element and message in text for eid, text in errors), errors


def test_a_diagram_with_too_many_elements_is_refused_before_anything_else_reads_it(app):
    with app.test_request_context():
        problems = lint(hostile.huge_diagram(), ROLES, "invoice_approval")
    assert [p.rule for p in problems] == ["diagram-size"]
    assert "14,004 elements" in problems[0].message


def test_a_diagram_at_the_size_limit_is_checked_and_found_clean(app):
    xml = hostile.largest_diagram()
    assert len(xml) > 900 * 1024
    with app.test_request_context():
        assert errors_of(xml) == []


def test_a_long_chain_with_a_loop_at_its_end_is_found_without_recursing(app):
    """Loops are found in linear time, without recursion: a chain of 3,000 elements."""
    from app.workflow.lint import _strongly_connected  # noqa: PLC0415 - the algorithm itself

    graph = {f"n{i}": {f"n{i + 1}"} for i in range(3000)}
    graph["n3000"] = {"n2998"}
    loops = [c for c in _strongly_connected(graph) if len(c) > 1]
    assert loops == [{"n2998", "n2999", "n3000"}]


FAILING_AT_RUN_TIME = {
    "power": (hostile.POWER, "4,096 bits"),
    "power from data": (hostile.POWER_FROM_DATA, "4,096 bits"),
    "repetition": (hostile.REPETITION, "4,000,000 items"),
    "repetition from data": (hostile.REPETITION_FROM_DATA, "4,000,000 items"),
    "cardinality": (hostile.CARDINALITY, "at most 20 instances"),
    "cardinality from data": (hostile.CARDINALITY_FROM_DATA, "at most 20 instances"),
    "self call": (hostile.SELF_CALL, "nest more than 4 deep"),
    "every second": (hostile.EVERY_SECOND, "repeats without end"),
    "every second from data": (hostile.EVERY_SECOND_FROM_DATA, "repeats more than 10 times"),
    "huge diagram": (hostile.huge_diagram(), "cannot be run"),
    "splits in a row": (hostile.SPLITS_IN_A_ROW, "too many paths"),
}


@pytest.mark.parametrize(
    ("xml", "message"), FAILING_AT_RUN_TIME.values(), ids=FAILING_AT_RUN_TIME.keys()
)
def test_a_forced_diagram_that_asks_for_too_much_fails_the_submit_and_changes_nothing(
    app, make, xml, message
):
    publish(app, xml)  # straight into the table: the check would refuse most of these
    case = Scenario(app, make, approvers=1)
    with pytest.raises(InvoiceFlowError, match=message):
        case.submit()
    assert case.status == InvoiceStatus.DRAFT
    assert case.holders() == []


def test_code_that_burns_cpu_is_stopped_while_other_threads_keep_running():
    """Nested lists printed out: no operator is large, the whole is 2**40 items. The sandbox's
    process is stopped; this process's other threads are served meanwhile."""
    beats, stop = [], threading.Event()

    def heartbeat():
        while not stop.is_set():
            beats.append(1)
            stop.wait(0.01)

    other = threading.Thread(target=heartbeat)
    other.start()
    try:
        with pytest.raises(RestrictedScriptError, match="of CPU in one action"):
            RestrictedTaskDataEnvironment(seconds=1).execute(hostile.NESTED_PAIRS, {})
    finally:
        stop.set()
        other.join()
    assert len(beats) > 5


def test_code_that_asks_for_too_much_memory_is_stopped():
    with pytest.raises(RestrictedScriptError, match="more than 256 MB"):
        RestrictedTaskDataEnvironment().evaluate("len('a'.ljust(10**9))", {})


def test_the_sandbox_still_runs_ordinary_code_after_stopping_some():
    environment = RestrictedTaskDataEnvironment()
    with pytest.raises(RestrictedScriptError):
        environment.evaluate("x ** n", {"x": 2, "n": 10**9})
    context = {"amount": 5}
    environment.execute("over = amount > 3\nlabel = 'x' * 3", context)
    assert context == {"amount": 5, "over": True, "label": "xxx"}


def _looking(n: int) -> str:
    return (
        f'<bpmn:userTask id="look{n}" name="Everyone looks">'
        f"<bpmn:incoming>in{n}</bpmn:incoming><bpmn:outgoing>out{n}</bpmn:outgoing>"
        "<bpmn:multiInstanceLoopCharacteristics>"
        "<bpmn:loopCardinality>len(approvers) * 4</bpmn:loopCardinality>"
        "</bpmn:multiInstanceLoopCharacteristics></bpmn:userTask>"
        f'<bpmn:sequenceFlow id="in{n}" sourceRef="hostile" targetRef="look{n}"/>'
        f'<bpmn:sequenceFlow id="out{n}" sourceRef="look{n}" targetRef="join"/>'
    )


def test_one_action_opens_at_most_twenty_tasks_for_people():
    xml = hostile.with_step_before_approval(
        '<bpmn:parallelGateway id="hostile"><bpmn:incoming>f_start</bpmn:incoming>'
        "<bpmn:outgoing>in1</bpmn:outgoing><bpmn:outgoing>in2</bpmn:outgoing>"
        f"</bpmn:parallelGateway>{_looking(1)}{_looking(2)}"
        '<bpmn:parallelGateway id="join"><bpmn:incoming>out1</bpmn:incoming>'
        "<bpmn:incoming>out2</bpmn:incoming><bpmn:outgoing>f_hostile</bpmn:outgoing>"
        "</bpmn:parallelGateway>"
    )
    definition = load_definition(xml, "invoice_approval")
    ready = InvoiceWorkflow.start(definition, {"approvers": [1, 2]}).ready_tasks()
    assert {"look1", "look2"} <= {task.bpmn_id for task in ready}
    assert len(ready) <= 20
    with pytest.raises(WorkflowError, match="more than 20 people's tasks"):
        InvoiceWorkflow.start(definition, {"approvers": [1, 2, 3]})
