"""The BPMN 2.0 rules a conformance suite tests, beside the app's own contract: events,
sequence flows, gateways, ids and references, message flows, data, and what the engine here
cannot run. Each rule is a small function of the indexed diagram returning its problems; each
problem names the rule, the element (name and id) and what to change."""

from __future__ import annotations

from app.workflow.conformance import events, flows, gateways, references, support
from app.workflow.conformance.diagram import Diagram
from app.workflow.problems import Problem

RULES = (
    *references.RULES,
    *events.RULES,
    *flows.RULES,
    *gateways.RULES,
    *support.RULES,
)


def conformance_problems(diagram: Diagram) -> list[Problem]:
    problems = []
    for rule in RULES:
        problems += rule(diagram)
    return problems


__all__ = ["Diagram", "conformance_problems"]
