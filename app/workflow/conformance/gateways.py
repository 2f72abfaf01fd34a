"""BPMN 2.0 rules for gateways: they split or merge, their default is one of their flows,
conditions where the gateway reads them, and what may follow an event-based gateway."""

from __future__ import annotations

from app.i18n import _
from app.workflow.conformance.diagram import GATEWAYS, Diagram, kind, label, triggers
from app.workflow.conformance.flows import condition_of
from app.workflow.problems import Problem, error, warning

WAITS_AFTER_EVENT_GATEWAY = ("message", "timer", "signal", "conditional")


def gateway_topology(diagram: Diagram) -> list[Problem]:
    """Rule `gateway-topology`: a gateway has more than one incoming or more than one
    outgoing flow."""
    problems = []
    for gateway in diagram.all(*sorted(GATEWAYS)):
        ident = gateway.get("id")
        incoming = len(diagram.incoming.get(ident, []))
        outgoing = len(diagram.outgoing.get(ident, []))
        if incoming > 1 or outgoing > 1:
            continue
        message = _(
            "A gateway splits or merges the flow: %(element)s has %(incoming)s incoming and "
            "%(outgoing)s outgoing flow(s). Give it several ways in or out, or remove it and "
            "connect the flow straight through.",
            element=label(gateway),
            incoming=incoming,
            outgoing=outgoing,
        )
        problems.append(error(gateway, message, "gateway-topology"))
    return problems


def gateway_defaults(diagram: Diagram) -> list[Problem]:
    """Rule `gateway-default`: the default flow is one of the gateway's own outgoing flows,
    and has no condition of its own."""
    problems = []
    for gateway in diagram.all(*sorted(GATEWAYS)):
        default = gateway.get("default")
        if not default:
            continue
        outgoing = {flow.get("id"): flow for flow in diagram.outgoing.get(gateway.get("id"), [])}
        if default not in outgoing:
            message = _(
                "A gateway's default flow leaves that gateway: %(element)s names “%(ref)s” as "
                "its default, which is not one of its outgoing flows. Choose one of them.",
                element=label(gateway),
                ref=default,
            )
            problems.append(error(gateway, message, "gateway-default"))
        elif condition_of(outgoing[default]) is not None:
            message = _(
                "The default flow has no condition: %(element)s is the default of %(gateway)s "
                "and is taken when no other condition holds, so its own condition is ignored. "
                "Remove the condition.",
                element=label(outgoing[default]),
                gateway=label(gateway),
            )
            problems.append(warning(outgoing[default], message, "gateway-default"))
    return problems


def gateway_conditions(diagram: Diagram) -> list[Problem]:
    """Rules `parallel-gateway-condition`, `missing-condition` and `empty-condition`."""
    problems = []
    for gateway in diagram.all(*sorted(GATEWAYS)):
        outgoing = diagram.outgoing.get(gateway.get("id"), [])
        for flow in outgoing:
            problem = _flow_condition(gateway, flow, len(outgoing))
            if problem is not None:
                problems.append(problem)
    return problems


def _flow_condition(gateway, flow, ways_out: int) -> Problem | None:
    condition = condition_of(flow)
    name = kind(gateway)
    if condition is not None and name in ("parallelGateway", "eventBasedGateway"):
        message = _(
            "Flows out of parallel and event-based gateways have no conditions: %(element)s "
            "leaves %(gateway)s, which takes every path (or the first event), so its condition "
            "would be ignored. Remove the condition, or use an exclusive or inclusive gateway.",
            element=label(flow),
            gateway=label(gateway),
        )
        return error(flow, message, "parallel-gateway-condition")
    if name not in ("exclusiveGateway", "inclusiveGateway") or ways_out < 2:
        return None
    if condition is None and gateway.get("default") != flow.get("id"):
        message = _(
            "A flow without condition out of an exclusive or inclusive gateway must be its "
            "default flow: %(element)s leaves %(gateway)s without condition. Give it a "
            "condition, or make it the gateway's default flow.",
            element=label(flow),
            gateway=label(gateway),
        )
        return error(flow, message, "missing-condition")
    if condition is not None and not (condition.text or "").strip():
        message = _(
            "Conditions are not empty: %(element)s leaves %(gateway)s with an empty condition. "
            "Write the condition, for example amount > 100000.",
            element=label(flow),
            gateway=label(gateway),
        )
        return error(flow, message, "empty-condition")
    return None


def event_gateway_targets(diagram: Diagram) -> list[Problem]:
    """Rule `event-gateway-target`: an event-based gateway is followed by the events it
    waits for (intermediate catch events or receive tasks), reached from it alone."""
    problems = []
    for gateway in diagram.all("eventBasedGateway"):
        for flow in diagram.outgoing.get(gateway.get("id"), []):
            target = diagram.get(flow.get("targetRef"))
            if target is None:
                continue  # flow-ends says so
            alone = len(diagram.incoming.get(target.get("id"), [])) <= 1
            if alone and _waits_for_an_event(target):
                continue
            message = _(
                "An event-based gateway is followed by the events it waits for: %(target)s "
                "after %(gateway)s is not an intermediate catch event (timer, message, signal) "
                "or a receive task reached from the gateway alone. Put such an event there.",
                target=label(target),
                gateway=label(gateway),
            )
            problems.append(error(target, message, "event-gateway-target"))
    return problems


def _waits_for_an_event(node) -> bool:
    if kind(node) == "receiveTask":
        return True
    found = triggers(node)
    return (
        kind(node) == "intermediateCatchEvent"
        and len(found) == 1
        and found[0] in WAITS_AFTER_EVENT_GATEWAY
    )


RULES = (gateway_topology, gateway_defaults, gateway_conditions, event_gateway_targets)
