"""Diagrams that ask the app for too much: each is the default process with one hostile edit.

Shared by tests/workflow/test_bounds.py (refused by the check, and at run time when forced into
the database) and bench/hostile.py (how long each takes and how much memory).
"""

from __future__ import annotations

from pathlib import Path
from xml.sax.saxutils import escape

DEFAULT = (Path(__file__).parents[2] / "processes" / "invoice_approval.bpmn").read_text()


def with_step_before_approval(element: str, last: str = "hostile") -> str:
    """The default process with `element` (id `hostile`, incoming f_start; f_hostile leaves
    `last`) between the start and the approvals."""
    return (
        DEFAULT.replace(
            '<bpmn:sequenceFlow id="f_start" sourceRef="start" targetRef="approval_step"/>',
            '<bpmn:sequenceFlow id="f_start" sourceRef="start" targetRef="hostile"/>\n'
            f'    <bpmn:sequenceFlow id="f_hostile" sourceRef="{last}" targetRef="approval_step"/>',
        )
        .replace(
            "<bpmn:incoming>f_start</bpmn:incoming>\n      <bpmn:incoming>f_resubmitted",
            "<bpmn:incoming>f_hostile</bpmn:incoming>\n      <bpmn:incoming>f_resubmitted",
        )
        .replace(
            "<bpmn:flowNodeRef>start</bpmn:flowNodeRef>",
            "<bpmn:flowNodeRef>start</bpmn:flowNodeRef>\n"
            "        <bpmn:flowNodeRef>hostile</bpmn:flowNodeRef>",
        )
        .replace(
            '    <bpmn:subProcess id="approval_step"',
            f'    {element}\n\n    <bpmn:subProcess id="approval_step"',
        )
    )


def script_step(script: str) -> str:
    return with_step_before_approval(
        '<bpmn:scriptTask id="hostile" name="Prepare">'
        "<bpmn:incoming>f_start</bpmn:incoming><bpmn:outgoing>f_hostile</bpmn:outgoing>"
        f"<bpmn:script>{escape(script)}</bpmn:script></bpmn:scriptTask>"
    )


def parallel_instances(cardinality: str) -> str:
    return with_step_before_approval(
        '<bpmn:scriptTask id="hostile" name="Prepare each">'
        "<bpmn:incoming>f_start</bpmn:incoming><bpmn:outgoing>f_hostile</bpmn:outgoing>"
        "<bpmn:multiInstanceLoopCharacteristics>"
        f"<bpmn:loopCardinality>{escape(cardinality)}</bpmn:loopCardinality>"
        "</bpmn:multiInstanceLoopCharacteristics>"
        "<bpmn:script>prepared = True</bpmn:script></bpmn:scriptTask>"
    )


def self_call() -> str:
    """A call activity that calls the very process it is in."""
    return with_step_before_approval(
        '<bpmn:callActivity id="hostile" name="Again" calledElement="invoice_approval">'
        "<bpmn:incoming>f_start</bpmn:incoming><bpmn:outgoing>f_hostile</bpmn:outgoing>"
        "</bpmn:callActivity>"
    )


def reminder_every(cycle_expression: str) -> str:
    """The approver's reminder with another cycle (the default is "R3/PT24H")."""
    return DEFAULT.replace(
        '<bpmn:timeCycle>"R3/PT24H"</bpmn:timeCycle>',
        (f"<bpmn:timeCycle>{escape(cycle_expression)}</bpmn:timeCycle>"),
    )


POWER = script_step("x = 2**(10**9) > 1")
POWER_FROM_DATA = script_step("x = 2 ** (int(amount) * 10**8) > 1")
REPETITION = script_step("n = len('a' * 10**10)")
REPETITION_FROM_DATA = script_step("n = len('a' * int(amount * 10**9))")
CARDINALITY = parallel_instances("100000")
CARDINALITY_FROM_DATA = parallel_instances("int(amount) * 10**7")
SELF_CALL = self_call()
EVERY_SECOND = reminder_every('"R/PT1S"')
EVERY_SECOND_FROM_DATA = reminder_every('"R" + str(len(approvers) * 100) + "/PT1S"')
# No operator is large, the whole is 2**40 items: only the sandbox's CPU limit stops it.
NESTED_PAIRS = "pair = [0]\nfor i in range(40):\n    pair = [pair, pair]\ntext = str(pair)"
CPU_BURNER = script_step(NESTED_PAIRS)


def splits_in_a_row(groups: int = 10, branches: int = 3) -> str:
    """Parallel splits one after another: the paths through them multiply (3 ** 10)."""
    parts = []
    for g in range(groups):
        fork = "hostile" if g == 0 else f"fork{g}"
        incoming = "f_start" if g == 0 else f"next{g}"
        outgoing = "f_hostile" if g == groups - 1 else f"next{g + 1}"
        names = [f"step{g}_{n}" for n in range(branches)]
        parts.append(
            f'<bpmn:parallelGateway id="{fork}"><bpmn:incoming>{incoming}</bpmn:incoming>'
            + "".join(f"<bpmn:outgoing>in_{n}</bpmn:outgoing>" for n in names)
            + f'</bpmn:parallelGateway><bpmn:parallelGateway id="join{g}">'
            + "".join(f"<bpmn:incoming>out_{n}</bpmn:incoming>" for n in names)
            + f"<bpmn:outgoing>{outgoing}</bpmn:outgoing></bpmn:parallelGateway>"
        )
        if g < groups - 1:
            parts.append(
                f'<bpmn:sequenceFlow id="{outgoing}" sourceRef="join{g}" targetRef="fork{g + 1}"/>'
            )
        parts += [
            f'<bpmn:scriptTask id="{n}"><bpmn:incoming>in_{n}</bpmn:incoming>'
            f"<bpmn:outgoing>out_{n}</bpmn:outgoing><bpmn:script>done = 1</bpmn:script>"
            f'</bpmn:scriptTask><bpmn:sequenceFlow id="in_{n}" sourceRef="{fork}" targetRef="{n}"/>'
            f'<bpmn:sequenceFlow id="out_{n}" sourceRef="{n}" targetRef="join{g}"/>'
            for n in names
        ]
    return with_step_before_approval("\n".join(parts), last=f"join{groups - 1}")


SPLITS_IN_A_ROW = splits_in_a_row()
WIDE_SPLIT = splits_in_a_row(groups=1, branches=25)


def huge_diagram(tasks: int = 7_000) -> str:
    """About 1 MB: a chain of `tasks` script tasks, far more elements than a diagram may have."""
    parts = [
        '<?xml version="1.0" encoding="UTF-8"?>\n<bpmn:definitions '
        'xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d" targetNamespace="x">'
        '<bpmn:process id="invoice_approval" isExecutable="true">'
        '<bpmn:startEvent id="start"/>'
    ]
    previous = "start"
    for n in range(tasks):
        parts.append(
            f'<bpmn:scriptTask id="s{n}"><bpmn:script>a=1</bpmn:script></bpmn:scriptTask>'
            f'<bpmn:sequenceFlow id="f{n}" sourceRef="{previous}" targetRef="s{n}"/>'
        )
        previous = f"s{n}"
    parts.append(
        f'<bpmn:endEvent id="end"/><bpmn:sequenceFlow id="f_end" sourceRef="{previous}" '
        'targetRef="end"/></bpmn:process></bpmn:definitions>'
    )
    return "".join(parts)


BRANCHES = 20  # as many as a gateway may have


def largest_diagram(target_bytes: int = 1000 * 1024, elements: int = 1_990) -> str:
    """The default process with 20 chains of checks side by side before the approvals,
    filling the ceilings of size (about 1 MB) and elements (just under 2,000): what the check
    must handle quickly, and an action must run."""
    base = sum(1 for _ in _process_elements(DEFAULT))
    length = (elements - base - 2) // (2 * BRANCHES)  # each check: a script task and a flow
    bare = _with_checks(length, "")
    note = "This check compares the amount with a threshold. " * 40
    return _with_checks(length, note[: max(0, (target_bytes - len(bare)) // (length * BRANCHES))])


def _with_checks(length: int, note: str) -> str:
    parts = [
        '<bpmn:parallelGateway id="hostile"><bpmn:incoming>f_start</bpmn:incoming>'
        + "".join(f"<bpmn:outgoing>c{b}_0</bpmn:outgoing>" for b in range(BRANCHES))
        + '</bpmn:parallelGateway><bpmn:parallelGateway id="join">'
        + "".join(f"<bpmn:incoming>c{b}_{length}</bpmn:incoming>" for b in range(BRANCHES))
        + "<bpmn:outgoing>f_hostile</bpmn:outgoing></bpmn:parallelGateway>\n"
    ]
    for b in range(BRANCHES):
        for n in range(length):
            source = "hostile" if n == 0 else f"check{b}_{n - 1}"
            parts.append(
                f'<bpmn:sequenceFlow id="c{b}_{n}" sourceRef="{source}" targetRef="check{b}_{n}"/>'
                f'<bpmn:scriptTask id="check{b}_{n}" name="Check {n} of branch {b}">'
                f"<bpmn:documentation>{note}</bpmn:documentation>"
                f"<bpmn:incoming>c{b}_{n}</bpmn:incoming>"
                f"<bpmn:outgoing>c{b}_{n + 1}</bpmn:outgoing>"
                f"<bpmn:script>over_{b}_{n} = amount &gt; {n * 1000}</bpmn:script>"
                "</bpmn:scriptTask>\n"
            )
        parts.append(
            f'<bpmn:sequenceFlow id="c{b}_{length}" sourceRef="check{b}_{length - 1}" '
            'targetRef="join"/>\n'
        )
    return with_step_before_approval("".join(parts), last="join")


def _process_elements(xml: str):
    from lxml import etree  # noqa: PLC0415 - only to count

    root = etree.fromstring(xml.encode())
    for process in root.iter("{http://www.omg.org/spec/BPMN/20100524/MODEL}process"):
        yield from (element for element in process.iter() if element.get("id"))
