"""BPMN 2.0 rules for sequence flows: what they connect, where they may go, and what the
engine needs of a node's ways out."""

from __future__ import annotations

from app.i18n import _
from app.workflow.conformance.diagram import (
    FLOW_NODES,
    GATEWAYS,
    Diagram,
    container,
    is_event_sub_process,
    kind,
    label,
)
from app.workflow.problems import Problem, error, warning

CONDITIONAL_SPLITS = {"exclusiveGateway", "inclusiveGateway", "complexGateway"}


def condition_of(flow):
    for child in flow:
        if kind(child) == "conditionExpression":
            return child
    return None


def flow_ends(diagram: Diagram) -> list[Problem]:
    """Rule `flow-ends`: a sequence flow goes from one flow node to another."""
    problems = []
    for flow in diagram.all("sequenceFlow"):
        for ref in (flow.get("sourceRef"), flow.get("targetRef")):
            node = diagram.get(ref)
            if node is None or kind(node) not in FLOW_NODES:
                message = _(
                    "Sequence flows connect tasks, events and gateways: %(element)s goes to or "
                    "from “%(ref)s”, which is not one in this diagram. Connect both ends to "
                    "existing elements, or delete the flow.",
                    element=label(flow),
                    ref=ref or "",
                )
                problems.append(error(flow, message, "flow-ends"))
                break
    return problems


def flow_directions(diagram: Diagram) -> list[Problem]:
    """Rules `flow-into-start-event`, `flow-out-of-end-event`, `flow-into-boundary-event`."""
    problems = []
    for flow in diagram.all("sequenceFlow"):
        source, target = diagram.get(flow.get("sourceRef")), diagram.get(flow.get("targetRef"))
        if target is not None and kind(target) == "startEvent":
            message = _(
                "Nothing flows into a start event: %(element)s ends at %(target)s. Connect it "
                "to the first task instead.",
                element=label(flow),
                target=label(target),
            )
            problems.append(error(flow, message, "flow-into-start-event"))
        if target is not None and kind(target) == "boundaryEvent":
            message = _(
                "Nothing flows into a boundary event: %(element)s ends at %(target)s, which "
                "fires on its activity's border. Connect the flow to the activity instead.",
                element=label(flow),
                target=label(target),
            )
            problems.append(error(flow, message, "flow-into-boundary-event"))
        if source is not None and kind(source) == "endEvent":
            message = _(
                "Nothing flows out of an end event: %(element)s leaves %(source)s. Use an "
                "intermediate event there, or start the flow from the element before it.",
                element=label(flow),
                source=label(source),
            )
            problems.append(error(flow, message, "flow-out-of-end-event"))
    return problems


def flows_within_borders(diagram: Diagram) -> list[Problem]:
    """Rule `flow-crosses-border`: a flow stays inside its process or sub-process."""
    problems = []
    for flow in diagram.all("sequenceFlow"):
        source, target = diagram.get(flow.get("sourceRef")), diagram.get(flow.get("targetRef"))
        if source is None or target is None:
            continue  # flow-ends says so
        home = flow.getparent()
        if container(source) is not home or container(target) is not home:
            message = _(
                "Sequence flows stay inside one process or sub-process: %(element)s connects "
                "%(source)s and %(target)s across a border. To go into a sub-process, end the "
                "flow at the sub-process itself and start inside it with a start event.",
                element=label(flow),
                source=label(source),
                target=label(target),
            )
            problems.append(error(flow, message, "flow-crosses-border"))
    return problems


def duplicate_flows(diagram: Diagram) -> list[Problem]:
    """Rule `duplicate-flow`: two flows between the same two elements."""
    problems, seen = [], {}
    for flow in diagram.all("sequenceFlow"):
        ends = (flow.get("sourceRef"), flow.get("targetRef"))
        if ends in seen:
            message = _(
                "One flow between two elements: %(element)s repeats %(other)s from “%(source)s” "
                "to “%(target)s”. Delete one of them.",
                element=label(flow),
                other=label(seen[ends]),
                source=ends[0] or "",
                target=ends[1] or "",
            )
            problems.append(error(flow, message, "duplicate-flow"))
        else:
            seen[ends] = flow
    return problems


def conditions_off_gateways(diagram: Diagram) -> list[Problem]:
    """Rule `condition-outside-gateway`: the engine reads conditions on gateway flows only."""
    problems = []
    for flow in diagram.all("sequenceFlow"):
        source = diagram.get(flow.get("sourceRef"))
        if source is None or condition_of(flow) is None or kind(source) in GATEWAYS:
            continue
        message = _(
            "Conditions belong on flows out of gateways: %(element)s leaves %(source)s with a "
            "condition, which would be ignored here. Put an exclusive gateway after "
            "%(source)s and move the condition onto its flow.",
            element=label(flow),
            source=label(source),
        )
        problems.append(error(flow, message, "condition-outside-gateway"))
    return problems


def single_exits(diagram: Diagram) -> list[Problem]:
    """Rule `several-outgoing-flows`: here a task or an event leaves by one flow."""
    problems = []
    for node in diagram.flow_nodes():
        name = kind(node)
        if name in GATEWAYS or name == "startEvent":
            continue
        outgoing = diagram.outgoing.get(node.get("id"), [])
        if len(outgoing) > 1:
            message = _(
                "One way out of a task or event: %(element)s has %(n)s outgoing flows, which "
                "the engine here does not run. Put a parallel gateway after it to take every "
                "path, or an exclusive gateway to take one.",
                element=label(node),
                n=len(outgoing),
            )
            problems.append(error(node, message, "several-outgoing-flows"))
    return problems


def reachability(diagram: Diagram) -> list[Problem]:
    """Warnings `unreachable-element` and `no-outgoing-flow`: paths that begin or end
    nowhere."""
    problems = []
    for node in diagram.flow_nodes():
        name, ident = kind(node), node.get("id")
        if name in ("startEvent", "boundaryEvent") or _started_otherwise(node):
            continue
        if not diagram.incoming.get(ident):
            message = _(
                "Every element is reached by a flow: nothing leads to %(element)s, so it never "
                "runs. Connect a flow to it, or delete it.",
                element=label(node),
            )
            problems.append(warning(node, message, "unreachable-element"))
        if name != "endEvent" and name not in GATEWAYS and not diagram.outgoing.get(ident):
            message = _(
                "Paths end in an end event: %(element)s has no outgoing flow, so the path stops "
                "there without an end event (and without an invoice status). Connect it to the "
                "next element or to an end event.",
                element=label(node),
            )
            problems.append(warning(node, message, "no-outgoing-flow"))
    return problems


def _started_otherwise(node) -> bool:
    """Event sub-processes, compensation handlers and ad-hoc content need no incoming flow."""
    parent = node.getparent()
    return (
        is_event_sub_process(node)
        or node.get("isForCompensation") == "true"
        or (parent is not None and kind(parent) == "adHocSubProcess")
    )


RULES = (
    flow_ends,
    flow_directions,
    flows_within_borders,
    duplicate_flows,
    conditions_off_gateways,
    single_exits,
    reachability,
)
