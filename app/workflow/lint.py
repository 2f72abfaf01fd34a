"""Checking a diagram before it may be published: XML, schema, engine, sandbox, app contract.

Each problem names the element (and the line where one is known). Errors block publishing;
warnings do not.
"""

from __future__ import annotations

import ast
from collections import defaultdict

from lxml import etree
from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
from SpiffWorkflow.spiff.parser.process import VALIDATOR, SpiffBpmnParser

from app.workflow.contract import FORMS, STATUSES, contract_problems, escalation_problems
from app.workflow.engine import TIMER_KINDS, check_timer_value
from app.workflow.problems import NS, Problem, error, has_errors, warning
from app.workflow.sandbox import (
    DANGEROUS_NAMES,
    RestrictedScriptError,
    compile_expression,
    compile_script,
    unavailable_names,
)
from app.workflow.xml import UnsafeXmlError, parse_bpmn

__all__ = ["FORMS", "STATUSES", "Problem", "has_errors", "lint", "task_ids"]

WAIT_TAGS = {"userTask", "manualTask", "receiveTask", "intermediateCatchEvent"}


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
    problems += contract_problems(root, roles)
    problems += escalation_problems(root)
    problems += _cycles(root)
    return problems


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
                problems.append(error(owner, f"{kind}: {exc}"))
                continue
            except SyntaxError as exc:
                problems.append(error(owner, f"syntax error in {code[:60]!r}: {exc.msg}"))
                continue
            mode = "exec" if compiler is compile_script else "eval"
            for name in sorted(unavailable_names(code, mode)):
                if name in DANGEROUS_NAMES:
                    problems.append(error(owner, f"`{name}` is not available in expressions"))
                else:  # task data may define it
                    problems.append(
                        warning(owner, f"`{name}` is not available unless the task data has it")
                    )
            if compiler is compile_script:
                problems += [error(owner, m) for m in _unbounded(code)]
            kind = etree.QName(node).localname
            if kind in TIMER_KINDS:
                problems += [error(owner, m) for m in _timer_value(kind, code)]
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
                error(
                    element,
                    "a loop without a person or a timer in it would "
                    "spin forever: " + ", ".join(sorted(component)),
                )
            )
        exits = {t for n in component for t in graph[n]} - component
        if not exits:
            problems.append(
                error(
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
