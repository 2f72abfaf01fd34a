"""The check enforces BPMN 2.0's own rules, one small diagram per rule: each problem names the
rule, the element by its id, and what to change, in the reader's language."""

from __future__ import annotations

import re

import pytest
from flask_babel import force_locale

from app.workflow.lint import lint
from app.workflow.problems import localized, localized_message

ROLES = {"Initiator", "Approver", "Finance director"}
HEAD = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" '
    'xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core" '
    'id="defs" targetNamespace="http://invoiceflow.example/bpmn">\n'
)
CYRILLIC = re.compile("[а-яА-Я]")
RAW_ENGINE_WORDS = ("ValidationException", "NotImplementedError", "task spec", "Spiff", "%r")


def bpmn(body: str, before: str = "") -> str:
    """A file with `before` (a collaboration) and the process `p` holding `body`."""
    process = f'<bpmn:process id="p" isExecutable="true">\n{body}\n</bpmn:process>\n'
    return f"{HEAD}{before}{process}</bpmn:definitions>\n"


def line(*middle: str) -> str:
    """start -> each element of `middle` (ids as given) -> end."""
    ids = ["start", *middle, "end"]
    flows = "".join(
        f'<bpmn:sequenceFlow id="f{i}" sourceRef="{a}" targetRef="{b}"/>\n'
        for i, (a, b) in enumerate(zip(ids, ids[1:], strict=False))
    )
    return f'<bpmn:startEvent id="start"/>\n<bpmn:endEvent id="end"/>\n{flows}'


def subprocess(ident: str, inside: str, attributes: str = "") -> str:
    return f'<bpmn:subProcess id="{ident}" {attributes}>{inside}</bpmn:subProcess>\n'


INNER = (
    '<bpmn:startEvent id="{p}_start"/><bpmn:endEvent id="{p}_end"/>'
    '<bpmn:sequenceFlow id="{p}_f" sourceRef="{p}_start" targetRef="{p}_end"/>'
)


def inner(prefix: str, start: str = "") -> str:
    text = INNER.format(p=prefix)
    if start:
        text = text.replace(f'<bpmn:startEvent id="{prefix}_start"/>', start)
    return text


TASK = '<bpmn:task id="{0}" name="{1}"/>\n'

CASES = {
    "timer start event in an embedded sub-process": (
        bpmn(
            line("sub")
            + subprocess(
                "sub",
                inner(
                    "s",
                    '<bpmn:startEvent id="s_start" name="Every morning"><bpmn:timerEventDefinition>'
                    '<bpmn:timeCycle>"R/PT24H"</bpmn:timeCycle></bpmn:timerEventDefinition>'
                    "</bpmn:startEvent>",
                ),
            )
        ),
        "start-event-in-sub-process",
        "s_start",
        "встроенном подпроцессе",
    ),
    "error start event at the top level": (
        bpmn(
            line().replace(
                '<bpmn:startEvent id="start"/>',
                '<bpmn:startEvent id="start"><bpmn:errorEventDefinition/></bpmn:startEvent>',
            )
        ),
        "start-event-trigger",
        "start",
        "событийных подпроцессах",
    ),
    "event sub-process started by nothing": (
        bpmn(line() + subprocess("esp", inner("e"), 'triggeredByEvent="true"')),
        "event-sub-process-start",
        "e_start",
        "нет триггера",
    ),
    "intermediate catch event without a trigger": (
        bpmn(line("wait") + '<bpmn:intermediateCatchEvent id="wait" name="Wait"/>'),
        "event-trigger-missing",
        "wait",
        "без триггера",
    ),
    "timer on an intermediate throw event": (
        bpmn(
            line("throw") + '<bpmn:intermediateThrowEvent id="throw"><bpmn:timerEventDefinition>'
            '<bpmn:timeDuration>"P1D"</bpmn:timeDuration></bpmn:timerEventDefinition>'
            "</bpmn:intermediateThrowEvent>"
        ),
        "event-trigger",
        "throw",
        "BPMN не допускает",
    ),
    "cancel end event outside a transaction": (
        bpmn(
            line("sub")
            + subprocess(
                "sub",
                inner("s").replace(
                    '<bpmn:endEvent id="s_end"/>',
                    '<bpmn:endEvent id="s_end"><bpmn:cancelEventDefinition/></bpmn:endEvent>',
                ),
            )
        ),
        "cancel-outside-transaction",
        "s_end",
        "транзакций",
    ),
    "boundary event attached to nothing": (
        bpmn(
            line("work")
            + TASK.format("work", "Work")
            + '<bpmn:boundaryEvent id="late" attachedToRef="nowhere"><bpmn:timerEventDefinition>'
            '<bpmn:timeDuration>"P1D"</bpmn:timeDuration></bpmn:timerEventDefinition>'
            "</bpmn:boundaryEvent>"
        ),
        "boundary-attachment",
        "late",
        "прикреплено",
    ),
    "non-interrupting error boundary event": (
        bpmn(
            line("work")
            + TASK.format("work", "Work")
            + '<bpmn:boundaryEvent id="failed" attachedToRef="work" cancelActivity="false">'
            '<bpmn:errorEventDefinition/></bpmn:boundaryEvent><bpmn:endEvent id="failed_end"/>'
            '<bpmn:sequenceFlow id="ff" sourceRef="failed" targetRef="failed_end"/>'
        ),
        "boundary-must-interrupt",
        "failed",
        "всегда прерывают",
    ),
    "sequence flow into an event sub-process": (
        bpmn(
            line()
            + subprocess(
                "esp",
                inner(
                    "e",
                    '<bpmn:startEvent id="e_start"><bpmn:signalEventDefinition/></bpmn:startEvent>',
                ),
                'triggeredByEvent="true"',
            )
            + '<bpmn:sequenceFlow id="into" sourceRef="start" targetRef="esp"/>'
        ),
        "event-sub-process-flows",
        "esp",
        "запускает его событие",
    ),
    "timer that says nothing": (
        bpmn(
            line("wait") + '<bpmn:intermediateCatchEvent id="wait"><bpmn:timerEventDefinition/>'
            "</bpmn:intermediateCatchEvent>"
        ),
        "timer-definition",
        "wait",
        "ровно одна",
    ),
    "flow to an element that does not exist": (
        bpmn(line() + '<bpmn:sequenceFlow id="lost" sourceRef="start" targetRef="nowhere"/>'),
        "flow-ends",
        "lost",
        "такого элемента на схеме нет",
    ),
    "flow into a start event": (
        bpmn(
            line("work")
            + TASK.format("work", "Work")
            + '<bpmn:sequenceFlow id="back" sourceRef="work" targetRef="start"/>'
        ),
        "flow-into-start-event",
        "back",
        "В стартовое событие",
    ),
    "flow out of an end event": (
        bpmn(
            line("work")
            + TASK.format("work", "Work")
            + '<bpmn:sequenceFlow id="after" sourceRef="end" targetRef="work"/>'
        ),
        "flow-out-of-end-event",
        "after",
        "Из конечного события",
    ),
    "flow into a boundary event": (
        bpmn(
            line("work")
            + TASK.format("work", "Work")
            + '<bpmn:boundaryEvent id="late" attachedToRef="work"><bpmn:timerEventDefinition>'
            '<bpmn:timeDuration>"P1D"</bpmn:timeDuration></bpmn:timerEventDefinition>'
            '</bpmn:boundaryEvent><bpmn:sequenceFlow id="in" sourceRef="start" targetRef="late"/>'
        ),
        "flow-into-boundary-event",
        "in",
        "В граничное событие",
    ),
    "flow across a sub-process border": (
        bpmn(
            line("sub")
            + subprocess("sub", inner("s"))
            + '<bpmn:sequenceFlow id="across" sourceRef="start" targetRef="s_end"/>'
        ),
        "flow-crosses-border",
        "across",
        "через границу",
    ),
    "two flows between the same elements": (
        bpmn(
            line("work")
            + TASK.format("work", "Work")
            + '<bpmn:sequenceFlow id="again" sourceRef="start" targetRef="work"/>'
        ),
        "duplicate-flow",
        "again",
        "один поток",
    ),
    "condition on a flow out of a task": (
        bpmn(
            line("work").replace(
                '<bpmn:sequenceFlow id="f1" sourceRef="work" targetRef="end"/>',
                '<bpmn:sequenceFlow id="f1" sourceRef="work" targetRef="end">'
                "<bpmn:conditionExpression>amount &gt; 5</bpmn:conditionExpression>"
                "</bpmn:sequenceFlow>",
            )
            + TASK.format("work", "Work")
        ),
        "condition-outside-gateway",
        "f1",
        "исключающий шлюз",
    ),
    "task with two ways out": (
        bpmn(
            line("work")
            + TASK.format("work", "Work")
            + '<bpmn:endEvent id="end2"/>'
            + '<bpmn:sequenceFlow id="f9" sourceRef="work" targetRef="end2"/>'
        ),
        "several-outgoing-flows",
        "work",
        "параллельный шлюз",
    ),
    "task nothing leads to": (
        bpmn(
            line()
            + TASK.format("orphan", "Orphan")
            + '<bpmn:sequenceFlow id="fo" sourceRef="orphan" targetRef="end"/>'
        ),
        "unreachable-element",
        "orphan",
        "не ведёт ничего",
    ),
    "task that leads nowhere": (
        bpmn(
            line()
            + TASK.format("dead", "Dead end")
            + '<bpmn:sequenceFlow id="fd" sourceRef="start" targetRef="dead"/>'
        ),
        "no-outgoing-flow",
        "dead",
        "нет исходящего потока",
    ),
    "gateway that neither splits nor merges": (
        bpmn(line("gw") + '<bpmn:exclusiveGateway id="gw" name="Pointless"/>'),
        "gateway-topology",
        "gw",
        "разделяет или сливает",
    ),
    "default flow that is not the gateway's": (
        bpmn(
            '<bpmn:startEvent id="start"/><bpmn:endEvent id="a"/><bpmn:endEvent id="b"/>'
            '<bpmn:exclusiveGateway id="gw" default="f0"/>'
            '<bpmn:sequenceFlow id="f0" sourceRef="start" targetRef="gw"/>'
            '<bpmn:sequenceFlow id="fa" sourceRef="gw" targetRef="a">'
            "<bpmn:conditionExpression>amount &gt; 5</bpmn:conditionExpression></bpmn:sequenceFlow>"
            '<bpmn:sequenceFlow id="fb" sourceRef="gw" targetRef="b">'
            "<bpmn:conditionExpression>amount &lt;= 5</bpmn:conditionExpression>"
            "</bpmn:sequenceFlow>"
        ),
        "gateway-default",
        "gw",
        "не его исходящий поток",
    ),
    "condition out of a parallel gateway": (
        bpmn(
            '<bpmn:startEvent id="start"/><bpmn:endEvent id="a"/><bpmn:endEvent id="b"/>'
            '<bpmn:parallelGateway id="gw"/>'
            '<bpmn:sequenceFlow id="f0" sourceRef="start" targetRef="gw"/>'
            '<bpmn:sequenceFlow id="fa" sourceRef="gw" targetRef="a">'
            "<bpmn:conditionExpression>amount &gt; 5</bpmn:conditionExpression></bpmn:sequenceFlow>"
            '<bpmn:sequenceFlow id="fb" sourceRef="gw" targetRef="b"/>'
        ),
        "parallel-gateway-condition",
        "fa",
        "по всем путям",
    ),
    "flow without condition out of an exclusive gateway": (
        bpmn(
            '<bpmn:startEvent id="start"/><bpmn:endEvent id="a"/><bpmn:endEvent id="b"/>'
            '<bpmn:exclusiveGateway id="gw"/>'
            '<bpmn:sequenceFlow id="f0" sourceRef="start" targetRef="gw"/>'
            '<bpmn:sequenceFlow id="fa" sourceRef="gw" targetRef="a">'
            "<bpmn:conditionExpression>amount &gt; 5</bpmn:conditionExpression></bpmn:sequenceFlow>"
            '<bpmn:sequenceFlow id="fb" sourceRef="gw" targetRef="b"/>'
        ),
        "missing-condition",
        "fb",
        "без условия",
    ),
    "empty condition": (
        bpmn(
            '<bpmn:startEvent id="start"/><bpmn:endEvent id="a"/><bpmn:endEvent id="b"/>'
            '<bpmn:exclusiveGateway id="gw" default="fb"/>'
            '<bpmn:sequenceFlow id="f0" sourceRef="start" targetRef="gw"/>'
            '<bpmn:sequenceFlow id="fa" sourceRef="gw" targetRef="a">'
            "<bpmn:conditionExpression> </bpmn:conditionExpression></bpmn:sequenceFlow>"
            '<bpmn:sequenceFlow id="fb" sourceRef="gw" targetRef="b"/>'
        ),
        "empty-condition",
        "fa",
        "пустым условием",
    ),
    "task after an event-based gateway": (
        bpmn(
            '<bpmn:startEvent id="start"/><bpmn:endEvent id="end"/>'
            '<bpmn:eventBasedGateway id="gw"/><bpmn:task id="work"/>'
            '<bpmn:intermediateCatchEvent id="late"><bpmn:timerEventDefinition>'
            '<bpmn:timeDuration>"P1D"</bpmn:timeDuration></bpmn:timerEventDefinition>'
            "</bpmn:intermediateCatchEvent>"
            '<bpmn:sequenceFlow id="f0" sourceRef="start" targetRef="gw"/>'
            '<bpmn:sequenceFlow id="f1" sourceRef="gw" targetRef="work"/>'
            '<bpmn:sequenceFlow id="f2" sourceRef="gw" targetRef="late"/>'
            '<bpmn:sequenceFlow id="f3" sourceRef="work" targetRef="end"/>'
            '<bpmn:sequenceFlow id="f4" sourceRef="late" targetRef="end"/>'
        ),
        "event-gateway-target",
        "work",
        "событийного шлюза",
    ),
    "two elements with one id": (
        bpmn(line("work") + TASK.format("work", "Work") + TASK.format("work", "Also work")),
        "duplicate-id",
        "work",
        "уже есть",
    ),
    "message that is not defined": (
        bpmn(
            line("wait") + '<bpmn:intermediateCatchEvent id="wait"><bpmn:messageEventDefinition '
            'messageRef="paid_message"/></bpmn:intermediateCatchEvent>'
        ),
        "dangling-reference",
        "wait",
        "ссылается на сообщение",
    ),
    "error that is not defined": (
        bpmn(
            line("work")
            + TASK.format("work", "Work")
            + '<bpmn:boundaryEvent id="failed" attachedToRef="work"><bpmn:errorEventDefinition '
            'errorRef="no_such_error"/></bpmn:boundaryEvent><bpmn:endEvent id="failed_end"/>'
            '<bpmn:sequenceFlow id="ff" sourceRef="failed" targetRef="failed_end"/>'
        ),
        "dangling-reference",
        "failed",
        "ссылается на ошибку",
    ),
    "item definition that is not defined": (
        bpmn(line() + '<bpmn:dataObject id="contract" itemSubjectRef="tns:contract_item"/>'),
        "dangling-reference",
        "contract",
        "определение элемента данных",
    ),
    "call of a process not in the file": (
        bpmn(line("legal") + '<bpmn:callActivity id="legal" calledElement="legal_review"/>'),
        "called-process",
        "legal",
        "такого процесса в этом файле нет",
    ),
    "message flow inside one pool": (
        bpmn(
            line("ask", "answer") + '<bpmn:sendTask id="ask"/><bpmn:receiveTask id="answer"/>',
            before='<bpmn:collaboration id="c"><bpmn:participant id="pool" processRef="p"/>'
            '<bpmn:messageFlow id="mf" sourceRef="ask" targetRef="answer"/></bpmn:collaboration>',
        ),
        "message-flow-pools",
        "mf",
        "в одном пуле",
    ),
    "message flow out of a start event": (
        bpmn(
            line(),
            before='<bpmn:collaboration id="c"><bpmn:participant id="pool" processRef="p"/>'
            '<bpmn:participant id="bank" name="Bank"/>'
            '<bpmn:messageFlow id="mf" sourceRef="start" targetRef="bank"/></bpmn:collaboration>',
        ),
        "message-flow-ends",
        "mf",
        "от отправителя к получателю",
    ),
    "data association to another activity's input": (
        bpmn(
            line("work")
            + '<bpmn:dataObject id="amount_obj"/><bpmn:dataObjectReference id="amount_ref" '
            'dataObjectRef="amount_obj"/>'
            '<bpmn:task id="work"><bpmn:ioSpecification><bpmn:dataInput id="in_amount" '
            'name="amount"/><bpmn:inputSet><bpmn:dataInputRefs>in_amount</bpmn:dataInputRefs>'
            "</bpmn:inputSet><bpmn:outputSet/></bpmn:ioSpecification><bpmn:dataInputAssociation "
            'id="da"><bpmn:sourceRef>amount_ref</bpmn:sourceRef><bpmn:targetRef>amount_ref'
            "</bpmn:targetRef></bpmn:dataInputAssociation></bpmn:task>"
        ),
        "data-association",
        "work",
        "входов",
    ),
    "complex gateway": (
        bpmn(
            '<bpmn:startEvent id="start"/><bpmn:endEvent id="a"/><bpmn:endEvent id="b"/>'
            '<bpmn:complexGateway id="gw" name="Two of three"/>'
            '<bpmn:sequenceFlow id="f0" sourceRef="start" targetRef="gw"/>'
            '<bpmn:sequenceFlow id="fa" sourceRef="gw" targetRef="a"/>'
            '<bpmn:sequenceFlow id="fb" sourceRef="gw" targetRef="b"/>'
        ),
        "unsupported-element",
        "gw",
        "сложный шлюз",
    ),
    "conditional catch event": (
        bpmn(
            line("wait")
            + '<bpmn:intermediateCatchEvent id="wait"><bpmn:conditionalEventDefinition>'
            "<bpmn:condition>amount &gt; 5</bpmn:condition></bpmn:conditionalEventDefinition>"
            "</bpmn:intermediateCatchEvent>"
        ),
        "unsupported-element",
        "wait",
        "событие по условию",
    ),
    "link events": (
        bpmn(
            line("jump")
            + '<bpmn:intermediateThrowEvent id="jump"><bpmn:linkEventDefinition name="A"/>'
            "</bpmn:intermediateThrowEvent>"
        ),
        "unsupported-element",
        "jump",
        "событие-ссылка",
    ),
    "signal end event": (
        bpmn(
            line().replace(
                '<bpmn:endEvent id="end"/>',
                '<bpmn:endEvent id="end"><bpmn:signalEventDefinition/></bpmn:endEvent>',
            )
        ),
        "unsupported-element",
        "end",
        "конечное событие-сигнал",
    ),
    "error start event of an event sub-process": (
        bpmn(
            line()
            + subprocess(
                "esp",
                inner(
                    "e",
                    '<bpmn:startEvent id="e_start"><bpmn:errorEventDefinition/></bpmn:startEvent>',
                ),
                'triggeredByEvent="true"',
            )
        ),
        "unsupported-element",
        "e_start",
        "граничное событие ошибки",
    ),
    "service task": (
        bpmn(line("erp") + '<bpmn:serviceTask id="erp" name="Tell the ERP"/>'),
        "unsupported-element",
        "erp",
        "сервисная задача",
    ),
    "compensation": (
        bpmn(
            line("undo")
            + '<bpmn:intermediateThrowEvent id="undo"><bpmn:compensateEventDefinition/>'
            "</bpmn:intermediateThrowEvent>"
        ),
        "unsupported-element",
        "undo",
        "компенсация",
    ),
    "script in another language": (
        bpmn(
            line("calc")
            + '<bpmn:scriptTask id="calc" scriptFormat="groovy"><bpmn:script>x = 1</bpmn:script>'
            "</bpmn:scriptTask>"
        ),
        "script-language",
        "calc",
        "на Python",
    ),
    "script task without a script": (
        bpmn(line("calc") + '<bpmn:scriptTask id="calc"/>'),
        "script-missing",
        "calc",
        "нет",
    ),
    "loop that never says when it stops": (
        bpmn(
            line("again") + '<bpmn:task id="again"><bpmn:standardLoopCharacteristics/></bpmn:task>'
        ),
        "loop-settings",
        "again",
        "без условия цикла",
    ),
    "multi-instance that says neither how many nor over what": (
        bpmn(
            line("each")
            + '<bpmn:task id="each"><bpmn:multiInstanceLoopCharacteristics/></bpmn:task>'
        ),
        "multi-instance-settings",
        "each",
        "ровно одно",
    ),
    "process without a start event": (
        bpmn(TASK.format("work", "Work")),
        "process-start",
        "p",
        "стартовое событие",
    ),
    "sub-process without a start event": (
        bpmn(
            line("sub")
            + subprocess(
                "sub",
                '<bpmn:task id="s_work"/><bpmn:endEvent id="s_end"/>'
                '<bpmn:sequenceFlow id="s_f" sourceRef="s_work" targetRef="s_end"/>',
            )
        ),
        "sub-process-start-end",
        "sub",
        "стартовых событий 0",
    ),
}


def found(problems, rule, element) -> list:
    return [p for p in problems if p.rule == rule and p.element_id == element]


@pytest.mark.parametrize("name", sorted(CASES))
def test_each_bpmn_rule_names_itself_and_the_element(name):
    xml, rule, element, _russian = CASES[name]
    problems = lint(xml, ROLES)
    [problem, *_] = found(problems, rule, element) or [None]
    assert problem is not None, [str(p) for p in problems]
    assert element in problem.message
    assert rule in str(problem)
    assert not any(word in p.message for p in problems for word in RAW_ENGINE_WORDS), problems


@pytest.mark.parametrize("name", sorted(CASES))
def test_each_bpmn_rule_speaks_russian_to_a_russian_reader(app, name):
    xml, rule, element, russian = CASES[name]
    with app.test_request_context(), force_locale("ru"):
        [problem, *_] = found(lint(xml, ROLES), rule, element)
        assert russian in problem.message and element in problem.message, problem.message
        assert CYRILLIC.search(problem.message)


def test_a_stored_problem_is_shown_in_the_language_of_whoever_reads_it(app):
    xml, rule, element, russian = CASES["flow into a start event"]
    with app.test_request_context():
        stored = [p.__dict__ for p in lint(xml, ROLES)]  # saved by an English reader
        [english] = [p for p in stored if p["rule"] == rule]
        assert "Nothing flows into a start event" in english["message"]
        with force_locale("ru"):
            assert russian in localized_message(english)
            assert all(CYRILLIC.search(p["message"]) for p in localized(stored) if p["rule"])


def test_every_problem_of_a_diagram_comes_in_one_run():
    broken = bpmn(
        line("work")
        + '<bpmn:task id="work" colour="red"/>'  # schema
        + '<bpmn:sequenceFlow id="back" sourceRef="work" targetRef="start"/>'  # flow rule
        + '<bpmn:complexGateway id="gw"/>'  # unsupported, and a pointless gateway
        + '<bpmn:callActivity id="legal" calledElement="legal_review"/>'  # reference
        + '<bpmn:userTask id="approve"/>'  # the app's contract
    )
    rules = {(p.rule, p.element_id) for p in lint(broken, ROLES)}
    assert {
        ("bpmn-schema", "work"),
        ("flow-into-start-event", "back"),
        ("unsupported-element", "gw"),
        ("gateway-topology", "gw"),
        ("called-process", "legal"),
        ("task-lane", "approve"),  # the app's contract
        ("task-form", "approve"),
    } <= rules


def test_the_schema_reports_every_error_it_finds_not_only_the_first():
    xml = bpmn(line("a", "b") + '<bpmn:task id="a" colour="red"/>\n<bpmn:task id="b" size="9"/>')
    schema = [p for p in lint(xml, ROLES) if p.rule == "bpmn-schema"]
    assert [p.element_id for p in schema] == ["a", "b"]
    assert "colour" in schema[0].message and "size" in schema[1].message


def test_a_file_without_the_process_the_app_runs_says_which_id_it_needs():
    problems = lint(bpmn(line()), ROLES, "invoice_approval")
    [problem] = [p for p in problems if p.rule == "process-id"]
    assert "invoice_approval" in problem.message and "p" in problem.message


def test_a_clean_small_diagram_breaks_no_bpmn_rule():
    problems = lint(bpmn(line("work") + TASK.format("work", "Work")), ROLES)
    # Only the app's contract speaks: its end does not say how the invoice ends.
    assert [(p.rule, p.element_id) for p in problems if p.rule] == [("end-status", "end")]
