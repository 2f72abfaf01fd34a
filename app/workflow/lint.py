"""Checking a diagram before it may be published: XML, schema, engine, sandbox, app contract.

Each problem names the element (and the line where one is known). Errors block publishing;
warnings do not.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from collections.abc import Mapping

from lxml import etree

from app.workflow.bounds import bound_problems, size_problems
from app.workflow.camunda import camunda_problems
from app.workflow.conformance import Diagram, conformance_problems
from app.workflow.conformance.engine_parse import engine_problems
from app.workflow.conformance.schema import schema_problems
from app.workflow.contract import FORMS, STATUSES, contract_problems, escalation_problems
from app.workflow.dmn_lint import decision_problems
from app.workflow.durations import TIMER_KINDS, check_timer_value
from app.workflow.problems import NS, Problem, diagram_error, error, has_errors, warning
from app.workflow.rules_of_money import money_problems
from app.workflow.runnable import runnable_problems
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


def lint(
    xml: str | bytes,
    roles: set[str] | None,
    process_id: str | None = None,
    decision_tables: Mapping[str, str] | None = None,
) -> list[Problem]:
    """Every problem of the diagram and of its decision tables ({file name: DMN XML}) in one
    list. `roles` None: lanes are not checked against roles (the caller says so)."""
    try:
        root = parse_bpmn(xml)
    except UnsafeXmlError as exc:
        return [diagram_error(exc.message, exc.rule, exc.line)]
    if too_large := size_problems(root):
        return too_large  # nothing else reads it: the check stays bounded
    diagram = Diagram(root)
    problems = _schema(diagram)
    problems += conformance_problems(diagram)
    camunda = camunda_problems(diagram)
    problems += camunda + _without_camunda_repeats(_expressions(root), camunda, diagram)
    invalid = has_errors(problems)
    lanes = roles if roles is not None else {lane.get("name") or "" for lane in diagram.all("lane")}
    problems += _unless_meaningless(invalid, contract_problems, root, lanes)
    problems += _unless_meaningless(invalid, escalation_problems, root)
    problems += _unless_meaningless(invalid, _cycles, root)
    problems += _unless_meaningless(invalid, money_problems, root)
    problems += _unless_meaningless(invalid, bound_problems, root)
    problems += _unless_meaningless(invalid, runnable_problems, root, lanes)
    problems += decision_problems(root, decision_tables)
    problems += _engine(diagram, process_id, problems, decision_tables)
    return _without_repeats(problems)


def _unless_meaningless(invalid: bool, check, *args) -> list[Problem]:
    """The app's own checks assume a sound diagram: on one with errors already, a check that
    trips over it adds nothing to the list."""
    try:
        return check(*args)
    except Exception:  # noqa: BLE001 - only when earlier errors explain it
        if invalid:
            return []
        raise


def _schema(diagram) -> list[Problem]:
    """Every error the BPMN schema finds, not only the first."""
    return schema_problems(diagram)


def _engine(diagram, process_id, earlier: list[Problem], decision_tables=None) -> list[Problem]:
    """What the engine's parser refuses, for each process, unless a problem already names
    the element (the engine stops at the first thing it trips on, which is then known)."""
    named = {p.element_id for p in earlier if p.severity == "error"}
    return [
        p
        for p in engine_problems(diagram, process_id, decision_tables)
        if not (p.element_id in named or (p.element_id is None and named and p.rule == "engine"))
    ]


def _without_camunda_repeats(problems: list[Problem], camunda: list[Problem], diagram) -> list:
    """A Camunda expression is reported with its Python form, not also as a syntax error."""
    told = {p.element_id for p in camunda if p.rule in ("camunda-expression", "camunda-timer")}
    for ident in list(told):  # a timer's expression belongs to its event definition
        element = diagram.get(ident)
        if element is not None:
            told |= {child.get("id") for child in element if child.get("id")}
    return [p for p in problems if p.element_id not in told]


# A general rule said better by a Camunda one on the same element.
SUPERSEDED = {
    "unsupported-element": {"camunda-delegate", "camunda-decision"},
    "multi-instance-settings": {"camunda-multi-instance"},
}


def _without_repeats(problems: list[Problem]) -> list[Problem]:
    """One problem per fact."""
    rules = {(p.element_id, p.rule) for p in problems}
    kept, seen = [], set()
    for p in problems:
        key = (p.element_id, p.message)
        better = SUPERSEDED.get(p.rule, ())
        if key in seen or any((p.element_id, rule) in rules for rule in better):
            continue
        seen.add(key)
        kept.append(p)
    return kept


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
    elements = {el.get("id"): el for el in root.iter() if el.get("id")}
    kinds = {eid: etree.QName(el).localname for eid, el in elements.items()}
    for flow in root.iterfind(".//bpmn:sequenceFlow", NS):
        graph[flow.get("sourceRef")].add(flow.get("targetRef"))
    problems = []
    for component in _strongly_connected(graph):
        if len(component) < 2 and not any(n in graph[n] for n in component):
            continue
        waits = {n for n in component if kinds.get(n) in WAIT_TAGS or kinds.get(n) == "subProcess"}
        first = sorted(component)[0]
        element = elements.get(first, root)
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
    """Loops as sets of mutually reachable elements: Tarjan's algorithm, without recursion, so
    linear in the diagram's size (a chain of thousands of elements neither recurses nor
    compares every element with every other)."""
    nodes = sorted(set(graph) | {t for targets in graph.values() for t in targets})
    index, low, on_stack, stack, components = {}, {}, set(), [], []
    for root in nodes:
        if root in index:
            continue
        work = [(root, iter(sorted(graph.get(root, ()))))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, successors = work[-1]
            following = next(successors, None)
            if following is None:
                work.pop()
                if work:
                    parent = work[-1][0]
                    low[parent] = min(low[parent], low[node])
                if low[node] == index[node]:
                    components.append(_pop_component(stack, on_stack, node))
            elif following not in index:
                index[following] = low[following] = len(index)
                stack.append(following)
                on_stack.add(following)
                work.append((following, iter(sorted(graph.get(following, ())))))
            elif following in on_stack:
                low[node] = min(low[node], index[following])
    return components


def _pop_component(stack: list, on_stack: set, head) -> set:
    component = set()
    while True:
        node = stack.pop()
        on_stack.discard(node)
        component.add(node)
        if node == head:
            return component


def task_ids(xml: str | bytes) -> set[str]:
    """The ids of a diagram's tasks, for the change record of a publish."""
    root = parse_bpmn(xml)
    return {
        el.get("id")
        for el in root.iter()
        if el.get("id") and etree.QName(el).localname.endswith("Task")
    }


def executable_processes(xml: str | bytes) -> list[str]:
    """The ids of the processes the engine would run, in file order ([] if unreadable)."""
    try:
        root = parse_bpmn(xml)
    except UnsafeXmlError:
        return []
    return [
        process.get("id")
        for process in root.iterfind("bpmn:process", NS)
        if process.get("id") and process.get("isExecutable", "true") == "true"
    ]
