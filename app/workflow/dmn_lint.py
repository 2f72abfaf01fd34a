"""Checking a version's decision tables (DMN) with its diagram: each business-rule task names a
table the version has; each table uses a hit policy the engine runs (UNIQUE or COLLECT), input
expressions and entries the sandbox's language parses, values of the input's type, and rules
that neither overlap (UNIQUE) nor leave values without a rule; a table has rules, each with one
entry per input and per output column. Problems name the table, the rule
number (as dmn-js shows it) and the column.
"""

from __future__ import annotations

import ast
from collections.abc import Mapping

from lxml import etree

from app.i18n import _
from app.workflow.dmn import DMN_NAMESPACES
from app.workflow.dmn_coverage import (
    NUMBER_TYPES,
    OTHER_TEXT,
    Column,
    Unreadable,
    gaps,
    overlaps,
    read_entry,
    samples,
)
from app.workflow.problems import NS, Problem, error, warning
from app.workflow.sandbox import (
    DANGEROUS_NAMES,
    RestrictedScriptError,
    compile_expression,
    unavailable_names,
)
from app.workflow.xml import UnsafeXmlError, parse_bpmn

HIT_POLICIES = ("UNIQUE", "COLLECT")
MAX_REPORTED = 5  # overlaps or gaps told per table; more say nothing new


def decision_problems(bpmn_root, decision_tables: Mapping[str, str] | None) -> list[Problem]:
    """Every problem of the tables, and of the business-rule tasks calling them."""
    problems, decisions = [], {}
    for name, xml in sorted((decision_tables or {}).items()):
        try:
            root = parse_bpmn(xml)
        except UnsafeXmlError as exc:
            problems.append(_file_problem(name, exc.message, exc.line))
            continue
        if etree.QName(root).namespace not in DMN_NAMESPACES:
            message = _("The file %(file)s is not a DMN decision table.", file=name)
            problems.append(_file_problem(name, message, root.sourceline))
            continue
        for decision in root.iterfind("dmn:decision", {"dmn": etree.QName(root).namespace}):
            decisions[decision.get("id")] = decision
            problems += _table_problems(name, decision)
    return _calls(bpmn_root, decisions) + problems


def _file_problem(name: str, message, line) -> Problem:
    text, values = getattr(message, "_args", (None,))[0], getattr(message, "_kwargs", {})
    return Problem("error", None, line, str(message), "dmn-file", text, dict(values))


def _calls(bpmn_root, decisions: dict) -> list[Problem]:
    problems = []
    for task in bpmn_root.iterfind(".//bpmn:businessRuleTask", NS):
        called = task.findtext("bpmn:extensionElements/spiffworkflow:calledDecisionId", None, NS)
        called = (called or "").strip()
        if called in decisions:
            continue
        known = ", ".join(sorted(d for d in decisions if d)) or _("none")
        message = _(
            "“%(task)s” (%(id)s) calls the decision table “%(decision)s”, which this version "
            "does not have (its tables: %(known)s). Add the table or name one of them.",
            task=task.get("name") or task.get("id"),
            id=task.get("id"),
            decision=called or "?",
            known=known,
        )
        problems.append(error(task, message, "dmn-missing-decision"))
    return problems


def _table_problems(name: str, decision) -> list[Problem]:
    ns = {"dmn": etree.QName(decision).namespace}
    table = decision.find("dmn:decisionTable", ns)
    if table is None:
        return []
    where = {"file": name, "table": decision.get("name") or decision.get("id")}
    policy = (table.get("hitPolicy") or "UNIQUE").upper()
    if policy not in HIT_POLICIES or table.get("aggregation"):
        message = _(
            "Table “%(table)s” (%(file)s) uses the hit policy %(policy)s, which the engine here "
            "does not run: use UNIQUE (exactly one rule applies) or COLLECT (every rule that "
            "applies, without aggregation).",
            policy=" ".join(filter(None, [policy, table.get("aggregation")])),
            **where,
        )
        return [error(table, message, "dmn-hit-policy")]
    columns, problems = _columns(table, ns, where)
    rules = table.findall("dmn:rule", ns)
    if not rules:
        message = _(
            "Table “%(table)s” (%(file)s) has no rules, so no invoice gets an answer from it; "
            "add at least one rule.",
            **where,
        )
        return [*problems, error(table, message, "dmn-no-rules")]
    read_rules = []
    for number, rule in enumerate(rules, 1):
        entries = rule.findall("dmn:inputEntry", ns)
        outputs = rule.findall("dmn:outputEntry", ns)
        shape = _shape_problems(rule, number, len(entries), len(outputs), columns, table, ns, where)
        problems += shape or _rule_problems(
            rule, number, entries, outputs, columns, table, ns, where
        )
        read_rules.append(None if shape else _read(entries, columns))
    if all(r is not None for r in read_rules) and rules:
        problems += _coverage(table, policy, columns, read_rules, where)
    return problems


def _columns(table, ns, where) -> tuple[list[tuple[Column, str]], list[Problem]]:
    columns, problems = [], []
    for number, column in enumerate(table.findall("dmn:input", ns), 1):
        expression = column.find("dmn:inputExpression", ns)
        text = (expression.findtext("dmn:text", "", ns) if expression is not None else "").strip()
        type_ref = (expression.get("typeRef") if expression is not None else "") or ""
        label = column.get("label") or text or str(number)
        columns.append((Column(label, type_ref.lower()), text))
        if not text:
            message = _(
                "Table “%(table)s” (%(file)s), input “%(column)s”: the input expression is "
                "empty; name the task data it reads, such as amount.",
                column=label,
                **where,
            )
            problems.append(error(column, message, "dmn-expression"))
            continue
        problems += _expression(column, text, where, _("input “%(column)s”", column=label))
    return columns, problems


def _shape_problems(rule, number, inputs, outputs, columns, table, ns, where) -> list[Problem]:
    """A rule has one entry per input and per output column; otherwise the engine misreads it."""
    problems, output_columns = [], len(table.findall("dmn:output", ns))
    if inputs != len(columns):
        message = _(
            "Table “%(table)s” (%(file)s), rule %(n)s: %(found)s input entries, but the table "
            "has %(expected)s inputs; give the rule one entry per input (- for any value).",
            n=number,
            found=inputs,
            expected=len(columns),
            **where,
        )
        problems.append(error(rule, message, "dmn-rule-entries"))
    if outputs != output_columns:
        message = _(
            "Table “%(table)s” (%(file)s), rule %(n)s: %(found)s output entries, but the table "
            "has %(expected)s outputs; give the rule one entry per output.",
            n=number,
            found=outputs,
            expected=output_columns,
            **where,
        )
        problems.append(error(rule, message, "dmn-rule-entries"))
    return problems


def _rule_problems(rule, number, entries, outputs, columns, table, ns, where) -> list[Problem]:
    problems = []
    for (column, _expression_text), entry in zip(columns, entries, strict=False):
        text = (entry.findtext("dmn:text", "", ns) or "").strip()
        if text in ("", "-"):
            continue
        place = _("rule %(n)s, input “%(column)s”", n=number, column=column.label)
        found = _expression(entry, _as_engine_runs("v", text), where, place, text)
        problems += found or _type_problems(entry, text, column.type_ref, where, place)
    output_columns = table.findall("dmn:output", ns)
    for output, entry in zip(output_columns, outputs, strict=False):
        text = (entry.findtext("dmn:text", "", ns) or "").strip()
        label = output.get("label") or output.get("name") or "?"
        place = _("rule %(n)s, output “%(column)s”", n=number, column=label)
        if not text:
            continue
        found = _expression(entry, text, where, place)
        type_ref = (output.get("typeRef") or "").lower()
        problems += found or _type_problems(entry, text, type_ref, where, place, literal=True)
    return problems


def _as_engine_runs(input_text: str, entry: str) -> str:
    """The expression the engine evaluates for an entry (SpiffWorkflow's DMNEngine.evaluate)."""
    if "?" in entry:
        return entry.replace("?", "dmninputexpr")
    try:
        ast.parse(entry, mode="eval")
    except SyntaxError:
        return f"{input_text} {entry}"
    return f"({input_text}) == ({entry})"


def _expression(element, code: str, where, place, shown: str | None = None) -> list[Problem]:
    """The sandbox's checks, as for the diagram's own expressions."""
    try:
        compile_expression(code)
    except (RestrictedScriptError, SyntaxError) as exc:
        reason = getattr(exc, "msg", None) or str(exc)
        message = _(
            "Table “%(table)s” (%(file)s), %(place)s: “%(code)s” is not an expression of the "
            "sandbox's language (Python): %(reason)s.",
            place=place,
            code=shown or code,
            reason=reason,
            **where,
        )
        return [error(element, message, "dmn-expression")]
    problems = []
    for name in sorted(unavailable_names(code, "eval") & DANGEROUS_NAMES):
        message = _(
            "Table “%(table)s” (%(file)s), %(place)s: `%(name)s` is not available in expressions.",
            place=place,
            name=name,
            **where,
        )
        problems.append(error(element, message, "dmn-expression"))
    return problems


def _type_problems(element, text, type_ref, where, place, literal=False) -> list[Problem]:
    """A number compared with a text (or the reverse) never matches: said before it runs."""
    try:
        tree = ast.parse(text if literal or "?" in text else _bare(text), mode="eval")
    except SyntaxError:
        return []
    constants = [n.value for n in ast.walk(tree) if isinstance(n, ast.Constant)]
    texts = [c for c in constants if isinstance(c, str)]
    numbers = [c for c in constants if type(c) in (int, float)]
    if type_ref in NUMBER_TYPES and texts:
        wrong, expected = repr(texts[0]), _("a number")
    elif type_ref == "string" and numbers:
        wrong, expected = str(numbers[0]), _("a text in quotes")
    elif type_ref == "boolean" and literal and not all(isinstance(c, bool) for c in constants):
        wrong, expected = text, _("True or False")
    else:
        return []
    message = _(
        "Table “%(table)s” (%(file)s), %(place)s: %(wrong)s is not of the column's type "
        "%(type)s; write %(expected)s.",
        place=place,
        wrong=wrong,
        type=type_ref,
        expected=expected,
        **where,
    )
    return [error(element, message, "dmn-type")]


def _bare(text: str) -> str:
    try:
        ast.parse(text, mode="eval")
    except SyntaxError:
        return f"v {text}"
    return text


def _read(entries, columns) -> list | None:
    """The rule's entries as covered values, None when one cannot be read."""
    try:
        return [
            read_entry(entry.findtext("{*}text", "") or "", column.type_ref)
            for (column, _text), entry in zip(columns, entries, strict=True)
        ]
    except (Unreadable, ValueError, ArithmeticError):
        return None


def _coverage(table, policy, columns, rules, where) -> list[Problem]:
    plain = [column for column, _text in columns]
    points = samples(plain, rules)
    if points is None:
        return []
    problems = []
    if policy == "UNIQUE":
        for a, b, point in overlaps(rules, points)[:MAX_REPORTED]:
            message = _(
                "Table “%(table)s” (%(file)s): rules %(a)s and %(b)s both apply when %(when)s; "
                "a UNIQUE table needs exactly one rule for each case.",
                a=a,
                b=b,
                when=_describe(plain, point),
                **where,
            )
            problems.append(error(table, message, "dmn-overlap"))
    for point in gaps(rules, points)[:MAX_REPORTED]:
        message = _(
            "Table “%(table)s” (%(file)s): no rule applies when %(when)s; such an invoice would "
            "stop with an incident. Add a rule (or widen one) if that can happen.",
            when=_describe(plain, point),
            **where,
        )
        problems.append(warning(table, message, "dmn-gap"))
    return problems


def _describe(columns: list[Column], point: tuple) -> str:
    parts = []
    for column, value in zip(columns, point, strict=True):
        if value == OTHER_TEXT:
            shown = str(_("another value"))
        elif isinstance(value, str):
            shown = f"“{value}”"
        else:
            shown = f"{value.normalize():f}"
        parts.append(f"{column.label} = {shown}")
    return ", ".join(parts)
