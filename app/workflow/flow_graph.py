"""A diagram as a flow graph, for rules that follow paths: where a token goes after an element,
what it can reach without passing some elements, which stops (a person's task, a wait, an end) it
meets. Conditions are evaluated with sample task data; one that reads unknown data goes both ways.
"""

from __future__ import annotations

from dataclasses import dataclass

from lxml import etree

from app.workflow.problems import NS, properties
from app.workflow.sandbox import RestrictedTaskDataEnvironment

BPMN = NS["bpmn"]
FLOW_CONTAINERS = {"process", "subProcess", "transaction", "adHocSubProcess"}
SUBPROCESSES = {"subProcess", "transaction", "adHocSubProcess"}
WAITS = {"manualTask", "receiveTask", "intermediateCatchEvent", "eventBasedGateway"}
UNKNOWN = object()


def label(element) -> str:
    name = (element.get("name") or "").strip()
    return f"“{name}” ({element.get('id')})" if name else element.get("id")


@dataclass(frozen=True)
class Stop:
    """Where following a path ends: a person's task, a wait, or an end event."""

    element: object
    kind: str  # "task", "end", "wait"

    @property
    def form(self) -> str | None:
        return properties(self.element).get("form") if self.kind == "task" else None

    @property
    def status(self) -> str | None:
        return properties(self.element).get("status") if self.kind == "end" else None


class Diagram:
    """The flow graph of every process in a file: ids, flows, boundaries, sub-process borders."""

    def __init__(self, root):
        self.elements = {el.get("id"): el for el in root.iter() if el.get("id")}
        self.outgoing: dict[str, list] = {}
        self.incoming: dict[str, list[str]] = {}
        for flow in root.iter(f"{{{BPMN}}}sequenceFlow"):
            self.outgoing.setdefault(flow.get("sourceRef"), []).append(flow)
            self.incoming.setdefault(flow.get("targetRef"), []).append(flow.get("sourceRef"))
        self.boundaries: dict[str, list] = {}
        for boundary in root.iter(f"{{{BPMN}}}boundaryEvent"):
            self.boundaries.setdefault(boundary.get("attachedToRef"), []).append(boundary)
        self.root = root

    def kind(self, element) -> str:
        return etree.QName(element).localname

    def tasks_of_form(self, form: str) -> list:
        return [
            t for t in self.root.iter(f"{{{BPMN}}}userTask") if properties(t).get("form") == form
        ]

    def starts(self) -> list:
        """Start events of processes and of event sub-processes (which start on their own)."""
        found = []
        for start in self.root.iter(f"{{{BPMN}}}startEvent"):
            parent = start.getparent()
            if self.kind(parent) == "process" or parent.get("triggeredByEvent") == "true":
                found.append(start)
        return found

    def stop_of(self, element) -> Stop | None:
        kind = self.kind(element)
        if kind == "userTask":
            return Stop(element, "task")
        if kind == "endEvent" and self.kind(element.getparent()) == "process":
            return Stop(element, "end")
        if kind in WAITS:
            return Stop(element, "wait")
        return None

    def flows_after(self, element) -> list:
        """The flows a token takes when `element` is done (out of the sub-process it ends)."""
        if self.kind(element) == "endEvent" and self.kind(element.getparent()) in SUBPROCESSES:
            return self.flows_after(element.getparent())
        return list(self.outgoing.get(element.get("id"), []))

    def entered(self, element) -> list:
        """What runs on entering `element`: a sub-process runs its inner start events."""
        if self.kind(element) in SUBPROCESSES and element.get("triggeredByEvent") != "true":
            return [
                child
                for child in element.iterchildren(f"{{{BPMN}}}startEvent")
                if not _has_event_definition(child)
            ]
        return [element]

    def target(self, flow):
        return self.elements.get(flow.get("targetRef"))

    def successors(self, element) -> list:
        """Every element a token may reach next, boundary events included (for reachability)."""
        if self.kind(element) in SUBPROCESSES:  # left through its end events
            found = self.entered(element)
        else:
            found = [self.target(f) for f in self.flows_after(element)]
        found += self.boundaries.get(element.get("id"), [])
        return [el for el in found if el is not None]

    def reachable(self, roots, blocked: set[str]) -> list:
        """What tokens can reach from `roots` without passing `blocked`; a parallel join is
        reached only when every flow into it can be."""
        seen, todo, order, joins = set(), list(roots), [], {}
        while todo:
            element = todo.pop()
            key = element.get("id")
            if key in seen or key in blocked:
                continue
            if not self._joined(element, seen):
                joins[key] = element
                continue
            seen.add(key)
            order.append(element)
            todo.extend(self.successors(element))
            if not todo:  # a join may be complete now
                todo = [j for k, j in joins.items() if k not in seen and self._joined(j, seen)]
        return order

    def _joined(self, element, seen: set[str]) -> bool:
        if self.kind(element) != "parallelGateway":
            return True
        sources = self.incoming.get(element.get("id"), [])
        return len(sources) < 2 or all(source in seen for source in sources)

    def ancestors(self, element) -> list:
        found, node = [], element.getparent()
        while node is not None and self.kind(node) in FLOW_CONTAINERS:
            found.append(node)
            node = node.getparent()
        return found


def _has_event_definition(event) -> bool:
    return any(etree.QName(c).localname.endswith("EventDefinition") for c in event)


class Follower:
    """Follows the flows after an element for given task data, up to the next stops.

    A condition that can be evaluated with the data decides; one that cannot (it reads data the
    check does not know) is followed both ways.
    """

    def __init__(self, diagram: Diagram, samples: list[dict]):
        self.diagram = diagram
        self.samples = samples
        self.environment = RestrictedTaskDataEnvironment()

    def stops_after(self, element) -> list[Stop]:
        return self._follow(self.diagram.flows_after(element))

    def _follow(self, flows) -> list[Stop]:
        stops, seen, todo = [], set(), list(flows)
        while todo:
            flow = todo.pop()
            if flow.get("id") in seen:
                continue
            seen.add(flow.get("id"))
            element = self.diagram.target(flow)
            if element is None:
                continue
            for entered in self.diagram.entered(element):
                stop = self.diagram.stop_of(entered)
                if stop is not None:
                    stops.append(stop)
                else:
                    todo.extend(self._taken(entered))
        return stops

    def _taken(self, element) -> list:
        flows = self.diagram.flows_after(element)
        if self.diagram.kind(element) not in ("exclusiveGateway", "inclusiveGateway"):
            return flows
        default = element.get("default")
        taken = set()
        for sample in self.samples:
            results = {f.get("id"): self._condition(f, sample) for f in flows}
            true = {i for i, r in results.items() if r is True or r is UNKNOWN}
            taken |= true - {default}
            if default and not any(r is True for i, r in results.items() if i != default):
                taken.add(default)
        return [f for f in flows if f.get("id") in taken]

    def _condition(self, flow, sample):
        node = flow.find("bpmn:conditionExpression", NS)
        if node is None or not (node.text or "").strip():
            return None if flow.get("id") == flow.getparent().get("default") else True
        try:
            return bool(self.environment.evaluate(node.text.strip(), dict(sample)))
        except Exception:  # noqa: BLE001 - data the check does not know: either way
            return UNKNOWN
