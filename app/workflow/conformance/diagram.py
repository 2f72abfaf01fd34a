"""One pass over a diagram: every element by id, flows by their ends, each node's container.

Rules read these indexes instead of searching the tree, so a check stays linear in the size of
the diagram.
"""

from __future__ import annotations

from collections import defaultdict

from lxml import etree

BPMN = "http://www.omg.org/spec/BPMN/20100524/MODEL"

CONTAINERS = {"process", "subProcess", "transaction", "adHocSubProcess"}
ACTIVITIES = {
    "task",
    "userTask",
    "manualTask",
    "scriptTask",
    "serviceTask",
    "sendTask",
    "receiveTask",
    "businessRuleTask",
    "callActivity",
    "subProcess",
    "transaction",
    "adHocSubProcess",
}
GATEWAYS = {
    "exclusiveGateway",
    "inclusiveGateway",
    "parallelGateway",
    "eventBasedGateway",
    "complexGateway",
}
EVENTS = {
    "startEvent",
    "endEvent",
    "intermediateCatchEvent",
    "intermediateThrowEvent",
    "boundaryEvent",
}
FLOW_NODES = ACTIVITIES | GATEWAYS | EVENTS
# What an event definition element is called, by the trigger it stands for.
TRIGGERS = {
    "messageEventDefinition": "message",
    "timerEventDefinition": "timer",
    "signalEventDefinition": "signal",
    "conditionalEventDefinition": "conditional",
    "errorEventDefinition": "error",
    "escalationEventDefinition": "escalation",
    "compensateEventDefinition": "compensation",
    "cancelEventDefinition": "cancel",
    "terminateEventDefinition": "terminate",
    "linkEventDefinition": "link",
}


def kind(element) -> str:
    """The BPMN element kind (`userTask`), or "" for anything outside the BPMN namespace."""
    tag = element.tag
    if not isinstance(tag, str) or not tag.startswith("{" + BPMN + "}"):
        return ""
    return tag[len(BPMN) + 2 :]


def label(element) -> str:
    """How a problem names an element: its name and its id, `“Approve invoice” (approve)`."""
    if element is None:
        return "?"
    name = " ".join((element.get("name") or "").split())
    ident = element.get("id") or kind(element)
    return f"“{name}” ({ident})" if name else ident


class Diagram:
    def __init__(self, root):
        self.root = root
        self.by_id: dict[str, etree._Element] = {}
        self.duplicates: list[etree._Element] = []
        self.by_kind: dict[str, list] = defaultdict(list)
        self.incoming: dict[str, list] = defaultdict(list)
        self.outgoing: dict[str, list] = defaultdict(list)
        self.boundaries: dict[str, list] = defaultdict(list)
        for element in root.iter():
            name = kind(element)
            ident = element.get("id") if isinstance(element.tag, str) else None
            if ident:
                if ident in self.by_id:
                    self.duplicates.append(element)
                else:
                    self.by_id[ident] = element
            if not name:
                continue
            self.by_kind[name].append(element)
            if name == "sequenceFlow":
                self.outgoing[element.get("sourceRef")].append(element)
                self.incoming[element.get("targetRef")].append(element)
            elif name == "boundaryEvent":
                self.boundaries[element.get("attachedToRef")].append(element)

    def all(self, *kinds: str) -> list:
        return [element for name in kinds for element in self.by_kind.get(name, ())]

    def flow_nodes(self) -> list:
        return self.all(*sorted(FLOW_NODES))

    def get(self, ident: str | None):
        return self.by_id.get(ident) if ident else None


def container(element):
    """The process or sub-process a flow element belongs to (its parent in the XML)."""
    parent = element.getparent()
    return parent if parent is not None and kind(parent) in CONTAINERS else None


def scope(element) -> str:
    """Where an event sits: `process`, `event` (an event sub-process), `subProcess`,
    `transaction` or `adHocSubProcess`."""
    parent = container(element)
    if parent is None:
        return "process"
    name = kind(parent)
    if name == "subProcess" and parent.get("triggeredByEvent") == "true":
        return "event"
    return name


def triggers(event) -> list[str]:
    """The triggers an event's definitions name (`timer`, `message`...), in document order."""
    found = [TRIGGERS[kind(child)] for child in event if kind(child) in TRIGGERS]
    found += ["reference" for child in event if kind(child) == "eventDefinitionRef"]
    return found


def definitions(event) -> list:
    return [child for child in event if kind(child) in TRIGGERS]


def is_event_sub_process(element) -> bool:
    return kind(element) == "subProcess" and element.get("triggeredByEvent") == "true"
