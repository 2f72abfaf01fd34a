"""The sequence flows an invoice took between two of its user tasks, read from the diagram.

Human tasks record which user tasks an invoice passed, in order; the flows between two
consecutive ones are the shortest way from one to the other that passes no other user task
(that one would have left a task of its own). Subprocesses are entered at their start events and
left from their end events; a multi-instance subprocess or task loops back to its start; a
boundary event's way is taken only when no plain way exists (it costs more).
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass, field
from functools import lru_cache

from app.workflow.diagram import BPMN, SPIFF
from app.workflow.xml import parse_bpmn

START = "#start"  # the process's start, as the source of an invoice's first task
BOUNDARY_COST = 100
ENTER, LEAVE, LOOP = "enter", "leave", "loop"


@dataclass
class FlowGraph:
    edges: dict[str, list[tuple[int, str, str | None]]] = field(default_factory=dict)
    user_tasks: set[str] = field(default_factory=set)
    ends_by_status: dict[str, str] = field(default_factory=dict)
    starts: list[str] = field(default_factory=list)

    def add(self, source: str, target: str, flow: str | None, cost: int = 1) -> None:
        self.edges.setdefault(source, []).append((cost, target, flow))


def _exit(element_id: str) -> str:
    return f"{element_id}#exit"


def _status_of(element) -> str | None:
    for prop in element.iter(f"{SPIFF}property"):
        if prop.get("name") == "status":
            return prop.get("value")
    return None


def _add_container(graph: FlowGraph, container, container_id: str | None) -> None:
    """Flows, subprocess entries and exits, loops and boundary events of one process level."""
    children = list(container)
    subprocesses = {c.get("id") for c in children if c.tag == f"{BPMN}subProcess"}
    for child in children:
        tag, element_id = child.tag, child.get("id")
        if tag == f"{BPMN}sequenceFlow":
            source = child.get("sourceRef")
            source = _exit(source) if source in subprocesses else source
            graph.add(source, child.get("targetRef"), element_id)
        elif tag == f"{BPMN}userTask":
            graph.user_tasks.add(element_id)
            if child.find(f"{BPMN}multiInstanceLoopCharacteristics") is not None:
                graph.add(element_id, element_id, None)
        elif tag == f"{BPMN}boundaryEvent":
            graph.add(child.get("attachedToRef"), element_id, None, BOUNDARY_COST)
        elif tag == f"{BPMN}startEvent" and container_id is None:
            graph.starts.append(element_id)
        elif tag == f"{BPMN}endEvent" and container_id is not None:
            graph.add(element_id, _exit(container_id), None)
        elif tag == f"{BPMN}endEvent" and _status_of(child):
            graph.ends_by_status.setdefault(_status_of(child), element_id)
        if tag == f"{BPMN}subProcess":
            _add_subprocess(graph, child)


def _add_subprocess(graph: FlowGraph, subprocess) -> None:
    element_id = subprocess.get("id")
    inner_starts = [c.get("id") for c in subprocess if c.tag == f"{BPMN}startEvent"]
    for start in inner_starts:
        graph.add(element_id, start, None)
        if subprocess.find(f"{BPMN}multiInstanceLoopCharacteristics") is not None:
            graph.add(_exit(element_id), start, None)  # the next instance of the loop
    _add_container(graph, subprocess, element_id)


@lru_cache(maxsize=32)
def flow_graph(xml: str) -> FlowGraph:
    graph = FlowGraph()
    for process in parse_bpmn(xml).iter(f"{BPMN}process"):
        _add_container(graph, process, None)
    return graph


def flows_between(xml: str, source: str, target: str) -> tuple[str, ...]:
    """The flows from user task (or START) `source` to element `target`; () when the diagram
    has no way (a task of another version, a parallel branch)."""
    graph = flow_graph(xml)
    origins = graph.starts if source == START else [source]
    return _shortest(graph, origins, target)


def flows_to_end(xml: str, source: str, status: str) -> tuple[str, ...]:
    """The flows from user task `source` to the end event that ends an invoice `status`."""
    end = flow_graph(xml).ends_by_status.get(status)
    return flows_between(xml, source, end) if end else ()


def _shortest(graph: FlowGraph, origins: list[str], target: str) -> tuple[str, ...]:
    queue = [(0, n, origin, ()) for n, origin in enumerate(origins)]
    seen: set[str] = set()
    counter = len(queue)
    while queue:
        cost, _n, node, flows = heapq.heappop(queue)
        if node == target and (cost or node not in graph.user_tasks):
            return tuple(flow for flow in flows if flow)
        if node in seen:
            continue
        seen.add(node)
        if node in graph.user_tasks and cost:  # another task would have left a human task
            continue
        for step, following, flow in graph.edges.get(node, ()):
            counter += 1
            if following == target or following not in seen:
                heapq.heappush(queue, (cost + step, counter, following, (*flows, flow)))
    return ()


def user_task_names(xml: str, language: str | None) -> dict[str, str]:
    """{user task id: its name in `language`, else its stored name, else its id}."""
    return {
        task.get("id"): user_task_names_of(task, language) or task.get("id")
        for task in parse_bpmn(xml).iter(f"{BPMN}userTask")
    }


@lru_cache(maxsize=64)
def _task_names(xml: str, language: str | None) -> tuple[tuple[str, str], ...]:
    return tuple(
        (task.get("name"), user_task_names_of(task, language))
        for task in parse_bpmn(xml).iter(f"{BPMN}userTask")
        if task.get("name")
    )


def user_task_names_of(task, language: str | None) -> str:
    for prop in task.iter(f"{SPIFF}property"):
        if language and prop.get("name") == f"name_{language}" and prop.get("value"):
            return prop.get("value")
    return task.get("name")


def task_name_translations(xml: str, language: str | None) -> dict[str, str]:
    """{user task's stored (English) name: its name in `language`}."""
    return dict(_task_names(xml, language))
