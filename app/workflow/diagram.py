"""Reading a diagram's structure (not running it): which flows join which elements."""

from __future__ import annotations

from lxml import etree

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


SPIFF = "{http://spiffworkflow.org/bpmn/schema/1.0/core}"


def labels_in_language(xml: str, language: str | None) -> str:
    """The diagram as a reader of `language` sees it: each element's `name` replaced by its
    `name_<language>` property where the analyst gave one (the names themselves stay English
    in the stored version)."""
    if not language:
        return xml
    root = parse_bpmn(xml)
    changed = False
    for prop in root.iter(f"{SPIFF}property"):
        if prop.get("name") != f"name_{language}" or not prop.get("value"):
            continue
        element = prop.getparent().getparent().getparent()  # property < properties < extensions
        if element is not None and element.get("name") is not None:
            element.set("name", prop.get("value"))
            changed = True
    if not changed:
        return xml
    return etree.tostring(root, encoding="unicode")
