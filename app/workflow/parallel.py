"""Parallel approval (DESIGN.md §5, the analysts' contract): a parallel multi-instance stage in
a role lane runs once for each holder of that role. The app fills the stage's input collection
(`loopDataInputRef`) with the holders' user ids at every submit and resubmit, and empties its
output collection, so a new round starts clean. The stage's completionCondition decides when
enough have answered (all, any one, N of M); the engine then cancels the others' tasks.

While a completion condition is evaluated it also reads, as in standard BPMN, `nrOfInstances`,
`nrOfCompletedInstances` and `nrOfActiveInstances`, and the output collection as merged so far
(each instance's own copy of the task data would show it as it was when the instance began).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from SpiffWorkflow.bpmn.specs.mixins.multiinstance_task import (
    MultiInstanceTask,
    ParallelMultiInstanceTask,
)
from SpiffWorkflow.util.task import TaskState

from app.workflow.contract import lanes_of
from app.workflow.problems import NS
from app.workflow.xml import UnsafeXmlError, parse_bpmn

INITIATOR_LANE = "Initiator"
# The decision recorded on a holder's task withdrawn because the stage had answers enough: no
# decision of theirs, and no refusal (the rules of money do not count it).
STAGE_SETTLED = "not_needed"


@dataclass(frozen=True)
class ParallelStage:
    element_id: str
    role: str
    holders: str  # the input collection the app fills
    answers: str | None  # the output collection the app empties


@lru_cache(maxsize=64)
def parallel_stages(bpmn_xml: str) -> tuple[ParallelStage, ...]:
    """The parallel multi-instance stages in a role lane, reading an input collection."""
    try:
        root = parse_bpmn(bpmn_xml)
    except UnsafeXmlError:
        return ()
    lanes = lanes_of(root)
    stages = []
    for loop in root.iterfind(".//bpmn:multiInstanceLoopCharacteristics", NS):
        element = loop.getparent()
        role = _lane(element, lanes)
        holders = (loop.findtext("bpmn:loopDataInputRef", "", NS) or "").strip()
        if loop.get("isSequential", "false") == "true" or not role or not holders:
            continue
        answers = (loop.findtext("bpmn:loopDataOutputRef", "", NS) or "").strip() or None
        stages.append(ParallelStage(element.get("id"), role, holders, answers))
    return tuple(stages)


def _lane(element, lanes: dict[str, str]) -> str | None:
    """The role lane of a stage: its own, or for a sub-process that of its first task."""
    lane = lanes.get(element.get("id") or "")
    if lane is None:
        inner = [lanes.get(t.get("id") or "") for t in element.iterfind(".//bpmn:userTask", NS)]
        lane = next((name for name in inner if name), None)
    return lane if lane and lane != INITIATOR_LANE else None


def completion_context(task, expression: str) -> dict | None:
    """The data a completion condition reads, when `task` is an instance of a multi-instance
    whose condition `expression` is; None otherwise."""
    parent = task.parent
    spec = getattr(parent, "task_spec", None)
    if not isinstance(spec, MultiInstanceTask) or expression != spec.condition:
        return None
    instances = [c for c in parent.children if c.task_spec.name == spec.task_spec]
    done = sum(1 for c in instances if c.state == TaskState.COMPLETED)
    context = {
        **task.data,
        "nrOfInstances": len(instances),
        "nrOfCompletedInstances": done,
        "nrOfActiveInstances": sum(
            1 for c in instances if not c.has_state(TaskState.FINISHED_MASK)
        ),
    }
    if spec.data_output is not None and spec.data_output.exists(parent):
        context[spec.data_output.bpmn_id] = spec.data_output.get(parent)
    return context


def answer_aliases(task, data: dict) -> dict:
    """A form writes its answer as `approval` (DESIGN.md §5); an instance of a multi-instance
    task whose output item has another id (ids are unique in a file: a second stage cannot
    call its item `approval` too) gets the answer under that id as well."""
    parent = task.parent
    spec = getattr(parent, "task_spec", None)
    if not isinstance(spec, MultiInstanceTask) or spec.output_item is None:
        return {}
    name = spec.output_item.bpmn_id
    if name == "approval" or "approval" not in data:
        return {}
    return {name: data["approval"]}


def settled_early(task) -> bool:
    """`task` was cancelled because its parallel stage completed without it."""
    parent = task.parent
    spec = getattr(parent, "task_spec", None)
    return (
        task.state == TaskState.CANCELLED
        and isinstance(spec, ParallelMultiInstanceTask)
        and parent.state in (TaskState.READY, TaskState.COMPLETED)
    )
