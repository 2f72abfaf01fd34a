"""What checking a diagram finds: problems naming the rule and the element, and the helpers
rules share.

A problem's `message` is written in the language of whoever ran the check. It also keeps its
untranslated `text` and the `values` filling it, so a stored problem (a draft's check result)
is shown to each later reader in their own language: `localized_message`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import gettext as translate

NS = {
    "bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL",
    "spiffworkflow": "http://spiffworkflow.org/bpmn/schema/1.0/core",
}


@dataclass(frozen=True)
class Problem:
    severity: str  # "error" or "warning"
    element_id: str | None
    line: int | None
    message: str
    rule: str | None = None  # e.g. "flow-into-start-event"; None for the app's older checks
    text: str | None = None  # the message before translation, with %(name)s placeholders
    values: dict = field(default_factory=dict, hash=False)  # what fills them (text or nested)

    def __str__(self) -> str:
        where = f"{self.element_id}" if self.element_id else "diagram"
        line = f" (line {self.line})" if self.line else ""
        rule = f" [{self.rule}]" if self.rule else ""
        return f"{self.severity}: {where}{line}{rule}: {self.message}"


class Listing(tuple):
    """Several values shown as one (`timer, message`), each in the reader's language."""

    def __str__(self) -> str:
        return ", ".join(str(item) for item in self)


def has_errors(problems: list[Problem]) -> bool:
    return any(p.severity == "error" for p in problems)


def error(element, message, rule: str | None = None) -> Problem:
    """`message` is a plain text or a translatable one (`app.i18n._`)."""
    return _problem("error", element, message, rule)


def warning(element, message, rule: str | None = None) -> Problem:
    return _problem("warning", element, message, rule)


def diagram_error(message, rule: str | None = None, line: int | None = None) -> Problem:
    """A problem of the whole file rather than of one element."""
    text, values = _untranslated(message)
    return Problem("error", None, line, str(message), rule, text, values)


def _problem(severity: str, element, message, rule: str | None) -> Problem:
    text, values = _untranslated(message)
    return Problem(
        severity, element.get("id"), element.sourceline, str(message), rule, text, values
    )


def _untranslated(message) -> tuple[str | None, dict]:
    """The msgid and values of an `app.i18n._` text; plain texts have none."""
    if isinstance(message, str):
        return None, {}
    args, kwargs = getattr(message, "_args", ()), getattr(message, "_kwargs", {})
    if not args:
        return None, {}
    return args[0], {name: _value(value) for name, value in kwargs.items()}


def _value(value):
    if isinstance(value, list | tuple):
        return {"list": [_value(item) for item in value]}
    text, values = _untranslated(value)
    return {"text": text, "values": values} if text else str(value)


def localized_message(problem: Problem | dict) -> str:
    """The problem's message in the current reader's language."""
    record = problem if isinstance(problem, dict) else problem.__dict__
    if not record.get("text"):
        return str(record.get("message") or "")
    return _render(record["text"], record.get("values") or {})


def _render(text: str, values: dict) -> str:
    return translate(text, **{name: _filled(value) for name, value in values.items()})


def _filled(value) -> str:
    if isinstance(value, dict) and "list" in value:
        return ", ".join(_filled(item) for item in value["list"])
    if isinstance(value, dict):
        return _render(value["text"], value.get("values") or {})
    return value


def localized(problems: list[Problem | dict]) -> list[dict]:
    """Problems as records for a page or a JSON answer, each message in the reader's language."""
    return [
        {
            "severity": record.get("severity"),
            "element_id": record.get("element_id"),
            "line": record.get("line"),
            "rule": record.get("rule"),
            "message": localized_message(record),
        }
        for record in (p if isinstance(p, dict) else p.__dict__ for p in problems)
    ]


def properties(element) -> dict:
    return {
        p.get("name"): p.get("value")
        for p in element.iterfind(
            "bpmn:extensionElements/spiffworkflow:properties/spiffworkflow:property", NS
        )
    }
