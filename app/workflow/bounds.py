"""The check's rules about what one diagram may make the app do (app/workflow/limits.py).

A diagram larger than the ceilings is refused before anything else reads it, so the check
itself stays bounded. Then: multi-instances run a bounded number of instances, no process calls
itself (directly or through others) and calls nest a bounded depth, timer cycles repeat a
bounded number of times and not more often than the floor. Code that computes a huge value from
constants is refused where the expressions are compiled (app/workflow/sandbox.py). What depends
on data is refused at run time, by the same ceilings.
"""

from __future__ import annotations

import ast
from collections import defaultdict

from app.i18n import _
from app.workflow.engine_limits import timer_problem
from app.workflow.limits import (
    MAX_BRANCHES,
    MAX_CALL_DEPTH,
    MAX_FLOW_ELEMENTS,
    MAX_MULTI_INSTANCE,
    MAX_TASKS_PER_ACTION,
    MAX_TIMER_REPETITIONS,
    MIN_TIMER_INTERVAL,
)
from app.workflow.problems import NS, Problem, diagram_error, error

BPMN = "{%s}" % NS["bpmn"]  # noqa: UP031 - a Clark-notation prefix


def size_problems(root) -> list[Problem]:
    """Rule `diagram-size`: at most MAX_FLOW_ELEMENTS elements in the processes of a file
    (those with an id: tasks, events, gateways, flows, lanes...)."""
    count = sum(
        1 for process in root.iter(f"{BPMN}process") for el in process.iter() if el.get("id")
    )
    if count <= MAX_FLOW_ELEMENTS:
        return []
    message = _(
        "The diagram is too large to check: its processes have %(count)s elements, at most "
        "%(limit)s are allowed. Split the work into smaller processes.",
        count=f"{count:,}",
        limit=f"{MAX_FLOW_ELEMENTS:,}",
    )
    return [diagram_error(message, "diagram-size")]


def bound_problems(root) -> list[Problem]:
    return [
        *_laid_out(root),
        *_multi_instances(root),
        *_branches(root),
        *_calls(root),
        *_timer_cycles(root),
    ]


CONTAINERS = ("process", "subProcess", "transaction", "adHocSubProcess")


def predicted_tasks(root, limit: int = MAX_TASKS_PER_ACTION) -> int:
    """How many tasks the engine lays out ahead when a process starts: one per path through
    the flows to each element (a branch that joins later is laid out once per path, so
    parallel splits in a row multiply). Counted without recursion, and only up to just past
    `limit`."""
    total = 0
    for container in root.iter(*(f"{BPMN}{kind}" for kind in CONTAINERS)):
        graph, starts = _flow_graph(container)
        for count in _paths(graph, starts, limit).values():
            total = min(total + count, limit + 1)
    return total


def _flow_graph(container) -> tuple[dict, list]:
    graph, entered = defaultdict(list), set()
    for child in container:
        if child.tag == f"{BPMN}sequenceFlow":
            graph[child.get("sourceRef")].append(child.get("targetRef"))
            entered.add(child.get("targetRef"))
        elif child.tag == f"{BPMN}boundaryEvent":
            graph[child.get("attachedToRef")].append(child.get("id"))
            entered.add(child.get("id"))
    nodes = [c.get("id") for c in container if c.get("id") and c.tag != f"{BPMN}sequenceFlow"]
    return graph, [n for n in nodes if n not in entered]


def _paths(graph: dict, starts: list, limit: int) -> dict:
    """Paths from the starts to each node, loops cut where they close."""
    order, state = [], {}
    for start in starts:
        if start in state:
            continue
        state[start], stack = "open", [(start, iter(graph.get(start, ())))]
        while stack:
            node, pending = stack[-1]
            following = next(pending, None)
            if following is None:
                stack.pop()
                state[node] = "done"
                order.append(node)
            elif following not in state:
                state[following] = "open"
                stack.append((following, iter(graph.get(following, ()))))
    position = {node: n for n, node in enumerate(reversed(order))}
    paths = dict.fromkeys(order, 0)
    for start in starts:
        paths[start] = 1
    for node in reversed(order):
        for following in graph.get(node, ()):
            if position.get(following, -1) > position[node]:  # not a loop closing
                paths[following] = min(paths[following] + paths[node], limit + 1)
    return paths


def _laid_out(root) -> list[Problem]:
    """Rule `too-many-paths`: the tasks laid out ahead stay within MAX_TASKS_PER_ACTION."""
    count = predicted_tasks(root)
    if count <= MAX_TASKS_PER_ACTION:
        return []
    message = _(
        "The diagram has too many paths through it: the engine would lay out more than "
        "%(limit)s tasks ahead. Parallel splits in a row multiply the paths; join the "
        "branches before splitting again, or use a multi-instance.",
        limit=f"{MAX_TASKS_PER_ACTION:,}",
    )
    return [diagram_error(message, "too-many-paths")]


def _branches(root) -> list[Problem]:
    """Rule `gateway-branches`: a parallel or inclusive gateway splits into (or joins) at most
    MAX_BRANCHES flows; the engine's joins cost the square of their branches."""
    targets, sources = defaultdict(int), defaultdict(int)
    for flow in root.iter(f"{BPMN}sequenceFlow"):
        sources[flow.get("sourceRef")] += 1
        targets[flow.get("targetRef")] += 1
    problems = []
    for gateway in root.iter(f"{BPMN}parallelGateway", f"{BPMN}inclusiveGateway"):
        count = max(sources[gateway.get("id")], targets[gateway.get("id")])
        if count > MAX_BRANCHES:
            message = _(
                "A parallel or inclusive gateway has at most %(limit)s branches: %(element)s "
                "has %(count)s. Group the branches, or use a multi-instance over a list.",
                limit=MAX_BRANCHES,
                element=gateway.get("id"),
                count=count,
            )
            problems.append(error(gateway, message, "gateway-branches"))
    return problems


def _owner(node):
    while node is not None and node.get("id") is None:
        node = node.getparent()
    return node


def _multi_instances(root) -> list[Problem]:
    """Rule `multi-instance-bound`: a written cardinality within MAX_MULTI_INSTANCE."""
    problems = []
    for node in root.iter(f"{BPMN}loopCardinality"):
        try:
            value = ast.literal_eval((node.text or "").strip())
        except (ValueError, SyntaxError, MemoryError, RecursionError):
            continue  # computed from task data (checked when it runs) or not Python at all
        if isinstance(value, int) and value > MAX_MULTI_INSTANCE:
            message = _(
                "A multi-instance runs at most %(limit)s instances: %(element)s asks for "
                "%(count)s. Use fewer, or a list of the items to go through.",
                limit=MAX_MULTI_INSTANCE,
                element=_owner(node).get("id"),
                count=f"{value:,}",
            )
            problems.append(error(_owner(node), message, "multi-instance-bound"))
    return problems


SUBPROCESSES = {f"{BPMN}subProcess", f"{BPMN}transaction", f"{BPMN}adHocSubProcess"}


def _calls(root) -> list[Problem]:
    """Rules `call-recursion` and `call-depth`: no process calls itself, directly or through
    others, and sub-processes and calls nest at most MAX_CALL_DEPTH deep (the engine runs each
    in a workflow of its own). A call to a process that is not in the file is the conformance
    rules' to report."""
    calls, nesting = {}, {}
    for process in root.iter(f"{BPMN}process"):
        pid = process.get("id")
        calls[pid] = [(c, _embedded_depth(c)) for c in process.iter(f"{BPMN}callActivity")]
        inner = [_embedded_depth(s) + 1 for s in process.iter(*SUBPROCESSES)]
        nesting[pid] = max(inner, default=0)
    problems, depth, state = [], {}, {}
    for start in list(calls):
        problems += _walk_calls(start, calls, nesting, depth, state)
    for activities in calls.values():
        for call, embedded in activities:
            called = call.get("calledElement")
            if called not in depth:
                continue
            chain = embedded + 1 + depth[called]
            if chain > MAX_CALL_DEPTH:
                message = _(
                    "Sub-processes and calls nest at most %(limit)s deep: %(element)s starts a "
                    "chain %(depth)s deep. Draw some of the called steps in the calling process.",
                    limit=MAX_CALL_DEPTH,
                    element=call.get("id"),
                    depth=chain,
                )
                problems.append(error(call, message, "call-depth"))
    return problems


def _embedded_depth(element) -> int:
    """How many sub-processes of its own process hold `element`."""
    count, parent = 0, element.getparent()
    while parent is not None and parent.tag != f"{BPMN}process":
        count += parent.tag in SUBPROCESSES
        parent = parent.getparent()
    return count


def _walk_calls(start, calls, nesting, depth, state) -> list[Problem]:
    """Depth-first over the call graph, without recursion: a call back to a process on the
    current path is a recursion; `depth` gets how deep each process's workflows nest."""
    if state.get(start):
        return []
    problems, stack = [], [(start, iter(calls[start]))]
    state[start] = "open"
    while stack:
        pid, pending = stack[-1]
        item = next(pending, None)
        if item is None:
            stack.pop()
            state[pid] = "done"
            chains = [e + 1 + depth.get(c.get("calledElement"), 0) for c, e in calls[pid]]
            depth[pid] = max([nesting[pid], *chains])
            continue
        call, _embedded = item
        called = call.get("calledElement")
        if called not in calls:
            continue
        if state.get(called) == "open":
            message = _(
                "A process may not call itself: %(element)s calls “%(process)s”, which is "
                "already running it. Draw the repeated steps as a loop with a person or a timer.",
                element=call.get("id"),
                process=called,
            )
            problems.append(error(call, message, "call-recursion"))
        elif state.get(called) is None:
            state[called] = "open"
            stack.append((called, iter(calls[called])))
    return problems


def _timer_cycles(root) -> list[Problem]:
    """Rule `timer-cycle-bound`: a written cycle repeats at most MAX_TIMER_REPETITIONS times,
    never more often than MIN_TIMER_INTERVAL (a value computed from data: when it runs)."""
    problems = []
    for node in root.iter(f"{BPMN}timeCycle"):
        try:
            value = ast.literal_eval((node.text or "").strip())
        except (ValueError, SyntaxError, MemoryError, RecursionError):
            continue
        reason = timer_problem("timeCycle", value) if isinstance(value, str) else None
        if reason:
            problems.append(error(_owner(node), _cycle_message(reason, value), "timer-cycle-bound"))
    return problems


def _cycle_message(reason: str, value: str):
    hours = int(MIN_TIMER_INTERVAL.total_seconds() // 3600)
    if reason == "endless":
        return _(
            "A timer cycle repeats a bounded number of times: %(value)s repeats without end. "
            "Write the count, e.g. R3/PT24H (at most %(limit)s).",
            value=value,
            limit=MAX_TIMER_REPETITIONS,
        )
    if reason == "too many":
        return _(
            "A timer cycle repeats at most %(limit)s times: %(value)s asks for more.",
            value=value,
            limit=MAX_TIMER_REPETITIONS,
        )
    return _(
        "A timer cycle fires at most once every %(hours)s hour(s): %(value)s is more often.",
        value=value,
        hours=hours,
    )
