"""What would leave an invoice with nobody able to move it: the check refuses diagrams the
engine parses and runs, but whose invoices would wait forever or hold a task no one may take.

- an invoice's process starts when the initiator submits: its start event is a plain one (or
  a timer), never a message or a signal nothing can send before the submit;
- a message or signal catch event (or a receive task) waits for something the diagram throws;
  nothing outside the diagram sends events to an invoice;
- the initiator acts on their own invoice only to correct it, and a correction is theirs;
- a manual task, like a user task, names who takes it (a lane or an `assignee`) and its form.

An exclusive or inclusive gateway whose conditions may all be false stops an invoice with a
clear error (nothing is saved): a warning suggests a default flow.
"""

from __future__ import annotations

from lxml import etree

from app.i18n import _
from app.workflow.contract import FORMS, lanes_of
from app.workflow.problems import NS, Problem, error, properties, warning

INITIATOR_LANE = "Initiator"
INITIATOR_VARIABLE = "initiator_id"
HUMAN_TASKS = ("userTask", "manualTask")


def runnable_problems(root, roles: set[str]) -> list[Problem]:
    problems = _start_events(root)
    problems += _waits_for_nothing(root)
    problems += _holders(root, roles)
    problems += _gateways_without_default(root)
    return problems


def _kind(element) -> str:
    return etree.QName(element).localname


def _label(element) -> str:
    name = (element.get("name") or "").strip()
    return f"“{name}” ({element.get('id')})" if name else element.get("id")


def _definitions(event) -> dict[str, object]:
    """The event's definitions by kind (`message`, `signal`, `timer`, ...)."""
    found = {}
    for child in event:
        if isinstance(child.tag, str) and _kind(child).endswith("EventDefinition"):
            found[_kind(child).removesuffix("EventDefinition")] = child
    return found


def _start_events(root) -> list[Problem]:
    """Rule `start-on-submit`."""
    problems = []
    for start in root.iterfind("bpmn:process/bpmn:startEvent", NS):
        waits_for = set(_definitions(start)) & {"message", "signal"}
        if waits_for:
            message = _(
                "An invoice's process starts when its initiator submits it: %(element)s waits "
                "for a %(kind)s that nothing sends, so the invoice would never start. Make it a "
                "plain start event.",
                element=_label(start),
                kind=sorted(waits_for)[0],
            )
            problems.append(error(start, message, "start-on-submit"))
    return problems


def _names(root, kind: str) -> dict[str, str]:
    """Message or signal ids to their names (the engine matches events by name)."""
    return {
        item.get("id"): item.get("name") or item.get("id")
        for item in root.iterfind(f"bpmn:{kind}", NS)
    }


def _thrown(root) -> dict[str, set[str]]:
    """The names of the messages and signals something in the diagram throws."""
    messages, signals = _names(root, "message"), _names(root, "signal")
    thrown = {"message": set(), "signal": set()}
    for event in root.iter(f"{{{NS['bpmn']}}}intermediateThrowEvent", f"{{{NS['bpmn']}}}endEvent"):
        found = _definitions(event)
        if "message" in found:
            thrown["message"].add(messages.get(found["message"].get("messageRef")))
        if "signal" in found and _kind(event) == "intermediateThrowEvent":
            thrown["signal"].add(signals.get(found["signal"].get("signalRef")))
    for task in root.iter(f"{{{NS['bpmn']}}}sendTask"):
        thrown["message"].add(messages.get(task.get("messageRef")))
    return thrown


def _can_happen(root, catcher, thrown) -> bool:
    """Whether what `catcher` waits for can come: a timer, or an event the diagram throws."""
    messages, signals = _names(root, "message"), _names(root, "signal")
    if _kind(catcher) == "receiveTask":
        return messages.get(catcher.get("messageRef")) in thrown["message"]
    found = _definitions(catcher)
    if not found or "timer" in found:
        return True
    if "message" in found and messages.get(found["message"].get("messageRef")) in thrown["message"]:
        return True
    return "signal" in found and signals.get(found["signal"].get("signalRef")) in thrown["signal"]


def _waits_for_nothing(root) -> list[Problem]:
    """Rule `waits-forever`: a catch event, receive task or event-based gateway on an
    invoice's path waits for a message or signal the diagram throws (or a timer)."""
    thrown = _thrown(root)
    after_gateway = {t.get("id") for targets in _event_gateways(root).values() for t in targets}
    problems = []
    catchers = [
        *root.iter(f"{{{NS['bpmn']}}}intermediateCatchEvent"),
        *root.iter(f"{{{NS['bpmn']}}}receiveTask"),
    ]
    for catcher in catchers:
        if catcher.get("id") in after_gateway or _can_happen(root, catcher, thrown):
            continue
        message = _(
            "%(element)s waits for a message or signal that nothing in the diagram sends, so "
            "an invoice reaching it would wait forever. Throw it on another path first, or "
            "wait with a timer.",
            element=_label(catcher),
        )
        problems.append(error(catcher, message, "waits-forever"))
    for gateway, targets in _event_gateways(root).items():
        if not any(_can_happen(root, target, thrown) for target in targets):
            message = _(
                "None of the events after %(element)s can come: nothing in the diagram sends "
                "them, so an invoice would wait there forever. Add a timer among them.",
                element=_label(gateway),
            )
            problems.append(error(gateway, message, "waits-forever"))
    return problems


def _event_gateways(root) -> dict:
    """Each event-based gateway with the catch events and receive tasks that follow it."""
    by_id = {el.get("id"): el for el in root.iter() if el.get("id")}
    found: dict = {g: [] for g in root.iter(f"{{{NS['bpmn']}}}eventBasedGateway")}
    for gateway, targets in found.items():
        for flow in root.iter(f"{{{NS['bpmn']}}}sequenceFlow"):
            if flow.get("sourceRef") == gateway.get("id") and flow.get("targetRef") in by_id:
                targets.append(by_id[flow.get("targetRef")])
    return found


def _holders(root, roles: set[str]) -> list[Problem]:
    """Rules `initiator-task` and `task-holder`: someone may take every task."""
    lanes = lanes_of(root)
    problems = []
    for task in [el for kind in HUMAN_TASKS for el in root.iter(f"{{{NS['bpmn']}}}{kind}")]:
        props = properties(task)
        lane, assignee, form = lanes.get(task.get("id")), props.get("assignee"), props.get("form")
        if _kind(task) == "manualTask":
            problems += _manual_task(task, lane, assignee, form, roles)
        initiators = assignee == INITIATOR_VARIABLE or (not assignee and lane == INITIATOR_LANE)
        if initiators and form in FORMS and form != "correction":
            message = _(
                "The initiator acts on their own invoice only to correct it: %(element)s "
                "(form %(form)s) would wait for them forever. Put it in the lane of a role.",
                element=_label(task),
                form=form,
            )
            problems.append(error(task, message, "initiator-task"))
        if form == "correction" and not initiators:
            message = _(
                "A correction is the initiator's: put %(element)s in the lane Initiator "
                "(only the initiator may edit and resubmit the invoice).",
                element=_label(task),
            )
            problems.append(error(task, message, "initiator-task"))
    return problems


def _manual_task(task, lane, assignee, form, roles) -> list[Problem]:
    """A manual task is offered to people like a user task: the same lane and form rules."""
    problems = []
    if lane is None and not assignee:
        message = _(
            "Nobody would be offered %(element)s: put it in a lane (a role) or give it an "
            "`assignee`.",
            element=_label(task),
        )
        problems.append(error(task, message, "task-holder"))
    elif lane is not None and lane != INITIATOR_LANE and lane not in roles:
        message = _(
            "The lane %(lane)s of %(element)s is neither Initiator nor an existing role.",
            lane=lane,
            element=_label(task),
        )
        problems.append(error(task, message, "task-holder"))
    if form not in FORMS:
        message = _(
            "%(element)s needs the property `form`, one of %(forms)s.",
            element=_label(task),
            forms=", ".join(FORMS),
        )
        problems.append(error(task, message, "task-holder"))
    return problems


def _gateways_without_default(root) -> list[Problem]:
    """Rule `gateway-default` (a warning): every outgoing flow has a condition, none is the
    default; an invoice matching none stops there with an error."""
    outgoing: dict[str, list] = {}
    for flow in root.iter(f"{{{NS['bpmn']}}}sequenceFlow"):
        outgoing.setdefault(flow.get("sourceRef"), []).append(flow)
    problems = []
    kinds = ("exclusiveGateway", "inclusiveGateway")
    for gateway in [g for kind in kinds for g in root.iter(f"{{{NS['bpmn']}}}{kind}")]:
        flows = outgoing.get(gateway.get("id"), [])
        conditional = [f for f in flows if f.find("bpmn:conditionExpression", NS) is not None]
        if len(flows) > 1 and len(conditional) == len(flows) and not gateway.get("default"):
            message = _(
                "Every flow out of %(element)s has a condition and none is the default: an "
                "invoice for which none holds cannot go on. Make one flow the default.",
                element=_label(gateway),
            )
            problems.append(warning(gateway, message, "gateway-default"))
    return problems
