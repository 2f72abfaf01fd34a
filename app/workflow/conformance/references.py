"""BPMN 2.0 rules for ids and references: unique ids, references that resolve to an element of
the right kind, called processes in the file, message flows between pools, data inputs and
outputs wired to their activity."""

from __future__ import annotations

from app.i18n import _
from app.workflow.conformance.diagram import ACTIVITIES, FLOW_NODES, GATEWAYS, Diagram, kind, label
from app.workflow.conformance.phrases import REFERENCE_NAMES
from app.workflow.problems import Problem, error, warning

ITEM_AWARE = {"dataObjectReference", "dataStoreReference", "dataInput", "dataOutput", "property"}
ITEM_AWARE_ALL = ITEM_AWARE | {"dataObject"}
# (element kind, attribute) -> the kinds it may name, and how a message calls the target.
ATTRIBUTE_REFERENCES = {
    ("messageEventDefinition", "messageRef"): ({"message"}, "message"),
    ("sendTask", "messageRef"): ({"message"}, "message"),
    ("receiveTask", "messageRef"): ({"message"}, "message"),
    ("messageFlow", "messageRef"): ({"message"}, "message"),
    ("errorEventDefinition", "errorRef"): ({"error"}, "error"),
    ("escalationEventDefinition", "escalationRef"): ({"escalation"}, "escalation"),
    ("signalEventDefinition", "signalRef"): ({"signal"}, "signal"),
    ("dataObject", "itemSubjectRef"): ({"itemDefinition"}, "itemDefinition"),
    ("dataInput", "itemSubjectRef"): ({"itemDefinition"}, "itemDefinition"),
    ("dataOutput", "itemSubjectRef"): ({"itemDefinition"}, "itemDefinition"),
    ("property", "itemSubjectRef"): ({"itemDefinition"}, "itemDefinition"),
    ("dataStore", "itemSubjectRef"): ({"itemDefinition"}, "itemDefinition"),
    ("message", "itemRef"): ({"itemDefinition"}, "itemDefinition"),
    ("error", "structureRef"): ({"itemDefinition"}, "itemDefinition"),
    ("escalation", "structureRef"): ({"itemDefinition"}, "itemDefinition"),
    ("signal", "structureRef"): ({"itemDefinition"}, "itemDefinition"),
    ("dataObjectReference", "dataObjectRef"): ({"dataObject"}, "dataObject"),
    ("participant", "processRef"): ({"process"}, "process"),
    ("compensateEventDefinition", "activityRef"): (ACTIVITIES, "element"),
}
TEXT_REFERENCES = {
    "flowNodeRef": (FLOW_NODES, "element"),
    "sourceRef": (ITEM_AWARE_ALL, "data"),
    "targetRef": (ITEM_AWARE_ALL, "data"),
    "dataInputRefs": ({"dataInput"}, "data"),
    "dataOutputRefs": ({"dataOutput"}, "data"),
}


def unique_ids(diagram: Diagram) -> list[Problem]:
    """Rule `duplicate-id`: every element has an id of its own."""
    problems = []
    for element in diagram.duplicates:
        ident = element.get("id")
        message = _(
            "Ids are unique: %(element)s has the id “%(id)s”, which %(other)s has already. "
            "Give one of them another id.",
            element=label(element),
            id=ident,
            other=label(diagram.get(ident)),
        )
        problems.append(error(element, message, "duplicate-id"))
    return problems


def references(diagram: Diagram) -> list[Problem]:
    """Rule `dangling-reference`: each reference names an element of the right kind."""
    problems = []
    for (name, attribute), (kinds, what) in ATTRIBUTE_REFERENCES.items():
        for element in diagram.all(name):
            ref = element.get(attribute)
            if ref and not _resolves(diagram, ref, kinds):
                problems.append(_dangling(_owner(element), ref, what))
    for name, (kinds, what) in TEXT_REFERENCES.items():
        for element in diagram.all(name):
            if name in ("sourceRef", "targetRef") and not _in_data_association(element):
                continue
            ref = (element.text or "").strip()
            if ref and not _resolves(diagram, ref, kinds):
                # A lane listing a missing element misleads readers but runs as drawn.
                severity = warning if name == "flowNodeRef" else error
                problems.append(_dangling(_owner(element), ref, what, severity))
    return problems


def _resolves(diagram: Diagram, ref: str, kinds) -> bool:
    target = diagram.get(ref)
    if target is None:  # a QName such as tns:invoiceItem
        target = diagram.get(ref.rpartition(":")[2])
    return target is not None and kind(target) in kinds


def _dangling(owner, ref: str, what: str, severity=error) -> Problem:
    message = _(
        "References resolve: %(element)s refers to %(what)s “%(ref)s”, which this file does "
        "not define (or which is something else). Define it in the file, or choose one that "
        "exists.",
        element=label(owner),
        what=REFERENCE_NAMES[what],
        ref=ref,
    )
    return severity(owner, message, "dangling-reference")


def _in_data_association(element) -> bool:
    parent = element.getparent()
    return parent is not None and kind(parent) in ("dataInputAssociation", "dataOutputAssociation")


def _owner(element):
    """The nearest element with an id: the one an analyst can click."""
    node = element
    while node is not None and not node.get("id"):
        node = node.getparent()
    return node if node is not None else element


def called_processes(diagram: Diagram) -> list[Problem]:
    """Rule `called-process`: a call activity calls a process of the same file."""
    processes = {p.get("id") for p in diagram.all("process")}
    problems = []
    for call in diagram.all("callActivity"):
        called = call.get("calledElement")
        if called and called in processes:
            continue
        if called:
            message = _(
                "Called processes are in the file: %(element)s calls “%(ref)s”, which is not a "
                "process of this file. Add that process to the file, or draw its steps as a "
                "sub-process here.",
                element=label(call),
                ref=called,
            )
        else:
            message = _(
                "A call activity names the process it calls: %(element)s has no calledElement. "
                "Name a process of this file, or use a sub-process.",
                element=label(call),
            )
        problems.append(error(call, message, "called-process"))
    return problems


def message_flows(diagram: Diagram) -> list[Problem]:
    """Rules `message-flow-pools` and `message-flow-ends`: messages go between pools, from
    what can send to what can receive."""
    pools = {p.get("processRef"): p.get("id") for p in diagram.all("participant")}
    problems = []
    for flow in diagram.all("messageFlow"):
        source, target = diagram.get(flow.get("sourceRef")), diagram.get(flow.get("targetRef"))
        if source is None or target is None:
            missing = flow.get("sourceRef") if source is None else flow.get("targetRef")
            problems.append(_dangling(flow, missing or "", "element"))
            continue
        if _pool(source, pools) == _pool(target, pools):
            message = _(
                "Message flows go between pools: %(element)s connects %(source)s and "
                "%(target)s in the same pool. Inside one pool use a sequence flow.",
                element=label(flow),
                source=label(source),
                target=label(target),
            )
            problems.append(error(flow, message, "message-flow-pools"))
        if _cannot_send(source) or _cannot_receive(target):
            message = _(
                "Message flows go from a sender to a receiver: %(element)s goes from "
                "%(source)s to %(target)s. Start it at a task, a throw or end event or a pool, "
                "and end it at a task, a catch, start or boundary event or a pool.",
                element=label(flow),
                source=label(source),
                target=label(target),
            )
            problems.append(error(flow, message, "message-flow-ends"))
    return problems


def _pool(node, pools):
    if kind(node) == "participant":
        return node.get("id")
    while node is not None and kind(node) != "process":
        node = node.getparent()
    ident = node.get("id") if node is not None else None
    return pools.get(ident, ident)


def _cannot_send(node) -> bool:
    return kind(node) in GATEWAYS | {"startEvent", "intermediateCatchEvent", "boundaryEvent"}


def _cannot_receive(node) -> bool:
    return kind(node) in GATEWAYS | {"endEvent", "intermediateThrowEvent"}


def data_wiring(diagram: Diagram) -> list[Problem]:
    """Rule `data-association`: an activity's data association ends at one of its own data
    inputs (or starts at one of its data outputs) when it declares them."""
    problems = []
    for association in diagram.all("dataInputAssociation", "dataOutputAssociation"):
        activity = association.getparent()
        io = next((child for child in activity if kind(child) == "ioSpecification"), None)
        if io is None:
            continue
        inbound = kind(association) == "dataInputAssociation"
        own = {
            child.get("id")
            for child in io
            if kind(child) == ("dataInput" if inbound else "dataOutput")
        }
        end = next(
            (c for c in association if kind(c) == ("targetRef" if inbound else "sourceRef")),
            None,
        )
        ref = (end.text or "").strip() if end is not None else ""
        if ref not in own:
            message = _(
                "Data associations use the activity's own inputs and outputs: %(element)s "
                "declares its data, but its association refers to “%(ref)s”, which is not one "
                "of its data %(direction)s. Point it at one of them.",
                element=label(activity),
                ref=ref,
                direction=_("inputs") if inbound else _("outputs"),
            )
            problems.append(error(activity, message, "data-association"))
    return problems


RULES = (unique_ids, references, called_processes, message_flows, data_wiring)
