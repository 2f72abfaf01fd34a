"""Checking a diagram before it may be published: XML, schema, engine, sandbox, app contract.

Each problem names the element (and the line where one is known). Errors block publishing.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from dataclasses import dataclass

from lxml import etree
from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
from SpiffWorkflow.spiff.parser.process import VALIDATOR, SpiffBpmnParser

from app.domain.titles import placeholders
from app.workflow.engine import TIMER_KINDS, check_timer_value, parse_duration
from app.workflow.sandbox import (
    DANGEROUS_NAMES,
    RestrictedScriptError,
    compile_expression,
    compile_script,
    unavailable_names,
)
from app.workflow.xml import UnsafeXmlError, parse_bpmn

NS = {
    "bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL",
    "spiffworkflow": "http://spiffworkflow.org/bpmn/schema/1.0/core",
}
FORMS = ("approval", "correction", "payment", "acknowledge")
STATUSES = (
    "draft",
    "in_approval",
    "on_rework",
    "awaiting_payment",
    "paid",
    "rejected",
    "cancelled",
)
INVOICE_FIELDS = {
    "number",
    "amount",
    "currency",
    "vat_amount",
    "counterparty_name",
    "issue_date",
    "due_date",
    "vendor_invoice_no",
    "contract_no",
    "client_request_no",
    "status",
}
# Variables the app puts in task data; a multi-instance adds its input item.
DATA_VARIABLES = {
    "invoice_id",
    "number",
    "amount",
    "currency",
    "counterparty_id",
    "initiator_id",
    "approvers",
    "payment_order_required",
}
WAIT_TAGS = {"userTask", "manualTask", "receiveTask", "intermediateCatchEvent"}


@dataclass(frozen=True)
class Problem:
    severity: str  # "error" or "warning"
    element_id: str | None
    line: int | None
    message: str

    def __str__(self) -> str:
        where = f"{self.element_id}" if self.element_id else "diagram"
        line = f" (line {self.line})" if self.line else ""
        return f"{self.severity}: {where}{line}: {self.message}"


def lint(xml: str | bytes, roles: set[str], process_id: str | None = None) -> list[Problem]:
    try:
        root = parse_bpmn(xml)
    except UnsafeXmlError as exc:
        return [Problem("error", None, exc.line, str(exc))]
    problems = _schema(root)
    if problems:
        return problems
    lines = {el.get("id"): el.sourceline for el in root.iter() if el.get("id")}
    problems += _engine(root, process_id, lines)
    problems += _expressions(root)
    problems += _contract(root, roles)
    problems += _escalations(root)
    problems += _cycles(root)
    return problems


def has_errors(problems: list[Problem]) -> bool:
    return any(p.severity == "error" for p in problems)


def _error(element, message: str) -> Problem:
    return Problem("error", element.get("id"), element.sourceline, message)


def _schema(root) -> list[Problem]:
    try:
        VALIDATOR.validate(root)
    except ValidationException as exc:
        return [Problem("error", exc.id or None, exc.line_number or None, f"not valid BPMN: {exc}")]
    return []


def _engine(root, process_id, lines) -> list[Problem]:
    parser = SpiffBpmnParser()
    try:
        parser.add_bpmn_xml(root, filename="diagram.bpmn")
        for pid in [process_id] if process_id else parser.get_process_ids():
            parser.get_spec(pid)
    except ValidationException as exc:
        element = exc.id or None
        return [Problem("error", element, lines.get(element), str(exc).split("\n")[0])]
    except Exception as exc:  # noqa: BLE001 - any parser refusal is a lint error
        return [Problem("error", None, None, f"the engine refuses the diagram: {exc}")]
    return []


def _expressions(root) -> list[Problem]:
    problems = []
    checks = [
        (".//bpmn:conditionExpression", compile_expression),
        (".//bpmn:completionCondition", compile_expression),
        (".//bpmn:timeDuration", compile_expression),
        (".//bpmn:timeDate", compile_expression),
        (".//bpmn:timeCycle", compile_expression),
        (".//bpmn:script", compile_script),
        (".//spiffworkflow:preScript", compile_script),
        (".//spiffworkflow:postScript", compile_script),
    ]
    for xpath, compiler in checks:
        for node in root.iterfind(xpath, NS):
            owner = _owner(node)
            code = (node.text or "").strip()
            if not code:
                continue
            try:
                compiler(code)
            except RestrictedScriptError as exc:
                kind = "syntax error" if "SyntaxError" in str(exc) else "expression not allowed"
                problems.append(_error(owner, f"{kind}: {exc}"))
                continue
            except SyntaxError as exc:
                problems.append(_error(owner, f"syntax error in {code[:60]!r}: {exc.msg}"))
                continue
            mode = "exec" if compiler is compile_script else "eval"
            for name in sorted(unavailable_names(code, mode)):
                if name in DANGEROUS_NAMES:
                    problems.append(_error(owner, f"`{name}` is not available in expressions"))
                else:  # task data may define it
                    problems.append(
                        _warning(owner, f"`{name}` is not available unless the task data has it")
                    )
            if compiler is compile_script:
                problems += [_error(owner, m) for m in _unbounded(code)]
            kind = etree.QName(node).localname
            if kind in TIMER_KINDS:
                problems += [_error(owner, m) for m in _timer_value(kind, code)]
    return problems


def _timer_value(kind: str, code: str) -> list[str]:
    """A timer written as a text (the usual case) is checked now, not when it is first due."""
    try:
        value = ast.literal_eval(code)
    except (ValueError, SyntaxError):
        return []  # computed from task data: checked when it runs
    if not isinstance(value, str):
        return [f'a timer needs a text such as "P2D", not {code}']
    try:
        check_timer_value(kind, value)
    except ValueError as exc:
        return [str(exc)]
    return []


def _unbounded(script: str) -> list[str]:
    """RestrictedPython cannot bound CPU: refuse `while` loops and recursion."""
    messages = []
    tree = ast.parse(script)
    for node in ast.walk(tree):
        if isinstance(node, ast.While):
            messages.append("`while` loops are not allowed in scripts")
        if isinstance(node, ast.FunctionDef | ast.Lambda):
            messages.append("functions are not allowed in scripts (no recursion)")
        if isinstance(node, ast.Import | ast.ImportFrom):
            messages.append("imports are not allowed in scripts")
    return sorted(set(messages))


def _owner(node):
    while node is not None and node.get("id") is None:
        node = node.getparent()
    return node


def _properties(element) -> dict:
    return {
        p.get("name"): p.get("value")
        for p in element.iterfind(
            "bpmn:extensionElements/spiffworkflow:properties/spiffworkflow:property", NS
        )
    }


def _lanes(root) -> dict[str, str]:
    lanes = {}
    for lane in root.iterfind(".//bpmn:lane", NS):
        for ref in lane.iterfind("bpmn:flowNodeRef", NS):
            lanes[(ref.text or "").strip()] = lane.get("name") or ""
    return lanes


def _contract(root, roles: set[str]) -> list[Problem]:
    problems = []
    lanes = _lanes(root)
    for task in root.iterfind(".//bpmn:userTask", NS):
        problems += _user_task(task, lanes, roles)
    for end in root.iterfind(".//bpmn:endEvent", NS):
        if _is_main_path_end(root, end):
            status = _properties(end).get("status")
            if status not in STATUSES:
                problems.append(
                    _error(
                        end,
                        "an end event needs the property `status`, one of " + ", ".join(STATUSES),
                    )
                )
    return problems


def _user_task(task, lanes, roles) -> list[Problem]:
    props = _properties(task)
    messages = [
        *_lane_of(task, props, lanes, roles),
        *_titles(props),
        *_due(props),
        *_assignee(task, props),
    ]
    if props.get("form") not in FORMS:
        messages.append("property `form` must be one of " + ", ".join(FORMS))
    return [_error(task, message) for message in messages]


def _lane_of(task, props, lanes, roles) -> list[str]:
    lane = lanes.get(task.get("id"))
    if lane is None and not props.get("assignee"):
        return ["a user task needs a lane (a role) or an `assignee`"]
    if lane is not None and lane != "Initiator" and lane not in roles:
        return [f"lane {lane!r} is neither `Initiator` nor an existing role"]
    return []


def _titles(props) -> list[str]:
    messages = []
    for key, template in props.items():
        if key == "title" or key.startswith("title_"):
            try:
                unknown = set(placeholders(template)) - INVOICE_FIELDS
            except ValueError as exc:
                messages.append(f"{key}: {exc}")
                continue
            if unknown:
                messages.append(f"{key} uses unknown fields: {sorted(unknown)}")
    return messages


def _due(props) -> list[str]:
    if not props.get("due"):
        return []
    try:
        parse_duration(props["due"])
    except ValueError as exc:
        return [f"`due`: {exc}"]
    return []


def _assignee(task, props) -> list[str]:
    assignee = props.get("assignee")
    if assignee and assignee not in DATA_VARIABLES | _loop_items(task):
        return [
            f"`assignee` {assignee!r} is not a variable the data "
            "provides (e.g. the multi-instance item `approver`)"
        ]
    return []


def _escalations(root) -> list[Problem]:
    """Escalation is due when the task is: the `notify=escalation` timer on a user task and
    the task's `due` should say the same, or My tasks shows one date and escalation comes on
    another. Warnings: the diagram still runs."""
    timers = defaultdict(list)
    for boundary in root.iterfind(".//bpmn:boundaryEvent", NS):
        if _properties(boundary).get("notify") == "escalation":
            timers[boundary.get("attachedToRef")].append(boundary)
    problems = []
    for task in root.iterfind(".//bpmn:userTask", NS):
        due = _properties(task).get("due")
        delays = [_literal_delay(b) for b in timers.get(task.get("id"), [])]
        if due and not delays:
            problems.append(
                _warning(task, f"due after {due}, but no escalation timer tells anyone it passed")
            )
        elif delays and not due:
            problems.append(
                _warning(task, "an escalation timer, but no `due`: My tasks shows none")
            )
        else:
            differing = [d for d in delays if d is not None and not _same_duration(d, due)]
            if due and differing:
                problems.append(
                    _warning(
                        task,
                        f"due after {due}, but its escalation timer fires after {differing[0]}",
                    )
                )
    return problems


def _literal_delay(boundary) -> str | None:
    node = boundary.find(".//bpmn:timeDuration", NS)
    try:
        value = ast.literal_eval((node.text or "").strip()) if node is not None else None
    except (ValueError, SyntaxError):
        return None
    return value if isinstance(value, str) else None


def _same_duration(a: str, b: str) -> bool:
    try:
        return parse_duration(a) == parse_duration(b)
    except ValueError:
        return True  # reported on its own


def _warning(element, message: str) -> Problem:
    return Problem("warning", element.get("id"), element.sourceline, message)


def _loop_items(task) -> set[str]:
    items = set()
    node = task
    while node is not None:
        for item in node.iterfind("bpmn:multiInstanceLoopCharacteristics/bpmn:inputDataItem", NS):
            items.add(item.get("name") or item.get("id"))
        node = node.getparent()
    return items


def _is_main_path_end(root, end) -> bool:
    """End events inside a subprocess, or ending a boundary event's path, end no invoice."""
    if etree.QName(end.getparent()).localname == "subProcess":
        return False
    incoming = {(f.text or "").strip() for f in end.iterfind("bpmn:incoming", NS)}
    sources = {
        flow.get("sourceRef")
        for flow in root.iterfind(".//bpmn:sequenceFlow", NS)
        if flow.get("id") in incoming or flow.get("targetRef") == end.get("id")
    }
    boundaries = {b.get("id") for b in root.iterfind(".//bpmn:boundaryEvent", NS)}
    return not (sources and sources <= boundaries)


def _cycles(root) -> list[Problem]:
    """A loop must pass a wait state (a person or a timer), and must have a way out."""
    graph = defaultdict(set)
    kinds = {el.get("id"): etree.QName(el).localname for el in root.iter() if el.get("id")}
    for flow in root.iterfind(".//bpmn:sequenceFlow", NS):
        graph[flow.get("sourceRef")].add(flow.get("targetRef"))
    problems = []
    for component in _strongly_connected(graph):
        if len(component) < 2 and not any(n in graph[n] for n in component):
            continue
        waits = {n for n in component if kinds.get(n) in WAIT_TAGS or kinds.get(n) == "subProcess"}
        first = sorted(component)[0]
        element = root.find(f".//*[@id='{first}']")
        if not waits:
            problems.append(
                _error(
                    element,
                    "a loop without a person or a timer in it would "
                    "spin forever: " + ", ".join(sorted(component)),
                )
            )
        exits = {t for n in component for t in graph[n]} - component
        if not exits:
            problems.append(
                _error(
                    element,
                    "a loop with no way out to an end event: " + ", ".join(sorted(component)),
                )
            )
    return problems


def _strongly_connected(graph) -> list[set]:
    """Loops as sets of mutually reachable elements (diagrams are small: plain reachability)."""
    nodes = set(graph) | {t for targets in graph.values() for t in targets}
    reach = {node: _reachable(graph, node) for node in nodes}
    components, seen = [], set()
    for node in sorted(nodes):
        if node in seen:
            continue
        component = {other for other in reach[node] if node in reach[other]} | {node}
        seen |= component
        components.append(component)
    return components


def _reachable(graph, start) -> set:
    found, todo = set(), list(graph[start])
    while todo:
        node = todo.pop()
        if node not in found:
            found.add(node)
            todo.extend(graph[node])
    return found


def task_ids(xml: str | bytes) -> set[str]:
    """The ids of a diagram's tasks, for the change record of a publish."""
    root = parse_bpmn(xml)
    return {
        el.get("id")
        for el in root.iter()
        if el.get("id") and etree.QName(el).localname.endswith("Task")
    }
