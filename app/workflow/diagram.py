"""Reading a diagram's structure (not running it): which flows join which elements."""

from __future__ import annotations

from app.workflow.xml import parse_bpmn

BPMN = "{http://www.omg.org/spec/BPMN/20100524/MODEL}"


def flows_passed(xml: str, done: set[str], waiting: set[str]) -> set[str]:
    """Sequence flows from a passed element to a passed or waiting one (a subprocess with a
    waiting task inside counts as reached)."""
    root = parse_bpmn(xml)
    reached = done | waiting | _enclosing_subprocesses(root, waiting)
    return {
        flow.get("id")
        for flow in root.iter(f"{BPMN}sequenceFlow")
        if flow.get("sourceRef") in done and flow.get("targetRef") in reached
    }


def _enclosing_subprocesses(root, element_ids: set[str]) -> set[str]:
    found = set()
    for element in root.iter():
        if element.get("id") in element_ids:
            parent = element.getparent()
            while parent is not None:
                if parent.tag == f"{BPMN}subProcess":
                    found.add(parent.get("id"))
                parent = parent.getparent()
    return found
