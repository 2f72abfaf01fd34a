"""What checking a diagram finds: problems naming the element, and the helpers rules share."""

from __future__ import annotations

from dataclasses import dataclass

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

    def __str__(self) -> str:
        where = f"{self.element_id}" if self.element_id else "diagram"
        line = f" (line {self.line})" if self.line else ""
        return f"{self.severity}: {where}{line}: {self.message}"


def has_errors(problems: list[Problem]) -> bool:
    return any(p.severity == "error" for p in problems)


def error(element, message: str) -> Problem:
    return Problem("error", element.get("id"), element.sourceline, message)


def warning(element, message: str) -> Problem:
    return Problem("warning", element.get("id"), element.sourceline, message)


def properties(element) -> dict:
    return {
        p.get("name"): p.get("value")
        for p in element.iterfind(
            "bpmn:extensionElements/spiffworkflow:properties/spiffworkflow:property", NS
        )
    }
