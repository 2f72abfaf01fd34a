"""The BPMN 2.0 schema (XSD): every error it finds, each with its line and element."""

from __future__ import annotations

import re
import threading

from SpiffWorkflow.spiff.parser.process import VALIDATOR

from app.i18n import _
from app.workflow.conformance.diagram import Diagram
from app.workflow.problems import NS, Problem, diagram_error, error

# One schema object for the process; its error log belongs to the last validation.
_LOCK = threading.Lock()
DUPLICATE_ID = re.compile(r"'([^']*)' is not a valid value of the atomic type 'xs:ID'")
PREFIXES = {"{" + uri + "}": prefix + ":" for prefix, uri in NS.items()}


def schema_problems(diagram: Diagram) -> list[Problem]:
    with _LOCK:
        VALIDATOR.preprocess(diagram.root)  # as the engine does: bpmn-js correlation tags
        if VALIDATOR.validator.validate(diagram.root):
            return []
        found = [(entry.line, entry.message) for entry in VALIDATOR.validator.error_log]
    duplicated = {element.get("id") for element in diagram.duplicates}
    at_line = {}
    for element in diagram.root.iter():
        if isinstance(element.tag, str) and element.get("id"):
            at_line.setdefault(element.sourceline, element)
    problems, seen = [], set()
    for line, text in found:
        repeat = DUPLICATE_ID.search(text)
        if (repeat and repeat.group(1) in duplicated) or (line, text) in seen:
            continue  # the duplicate-id rule names both elements
        seen.add((line, text))
        message = _(
            "The file is not valid BPMN here: %(detail)s. Correct it, or open the file in a BPMN "
            "editor and save it again.",
            detail=_readable(text),
        )
        element = at_line.get(line)
        if element is not None:
            problems.append(error(element, message, "bpmn-schema"))
        else:
            problems.append(diagram_error(message, "bpmn-schema", line))
    return problems


def _readable(text: str) -> str:
    for namespace, prefix in PREFIXES.items():
        text = text.replace(namespace, prefix)
    return re.sub(r"\{[^}]*\}", "", text).rstrip(".")
