"""Moving running processes to another published version of their diagram: where each would
stand afterwards, or which elements it has reached that the new version lacks
(SpiffWorkflow's diff of the two specs, SPIFFWORKFLOW.md §7)."""

from __future__ import annotations

from dataclasses import dataclass

from app.workflow.definitions import ProcessDefinition, WorkflowError
from app.workflow.engine import InvoiceWorkflow
from app.workflow.migration import ReachedElementsMissingError
from app.workflow.ready_task import ReadyTask


@dataclass(frozen=True)
class MovePlan:
    """What moving one process would do. `workflow` is the moved process (None when it cannot
    move); `missing` the reached elements the new version lacks, each {"id": bpmn id, "names":
    {"en": name, "ru": ...}};
    `problem` the engine's own words for any other refusal."""

    workflow: InvoiceWorkflow | None
    waiting: tuple[ReadyTask, ...] = ()
    missing: tuple[dict, ...] = ()
    problem: str | None = None

    @property
    def movable(self) -> bool:
        return self.workflow is not None


def plan_move(
    workflow: InvoiceWorkflow, current: ProcessDefinition, target: ProcessDefinition
) -> MovePlan:
    """Move `workflow` (changed in place: load a fresh copy for a mere preview) from its
    version `current` onto `target`."""
    try:
        moved = workflow.moved_to(target)
    except ReachedElementsMissingError as exc:
        return MovePlan(None, missing=tuple(element_names(current, _elements(exc.missing))))
    except WorkflowError as exc:
        return MovePlan(None, problem=str(exc))
    return MovePlan(moved, waiting=tuple(moved.ready_tasks()))


def _elements(missing: set[str]) -> list[str]:
    """The diagram's elements, without the engine's helper steps of an element also listed
    (`correct.BoundaryEventSplit` goes with `correct`)."""
    return sorted(m for m in missing if "." not in m or m.split(".")[0] not in missing)


def element_names(definition: ProcessDefinition, bpmn_ids) -> list[dict]:
    """Each element's id and name by language ({"en": ..., "ru": ...}; the id when unnamed)."""
    specs = {}
    for spec in [definition._spec, *definition._subprocess_specs.values()]:
        for task_spec in spec.task_specs.values():
            bpmn_id = getattr(task_spec, "bpmn_id", None)
            if bpmn_id and not task_spec.name.endswith("[child]"):
                specs.setdefault(bpmn_id, task_spec)
    names = []
    for bpmn_id in bpmn_ids:
        spec = specs.get(bpmn_id)
        if spec is None:
            names.append({"id": str(bpmn_id), "names": {"en": str(bpmn_id)}})
            continue
        properties = (getattr(spec, "extensions", None) or {}).get("properties", {})
        name = {"en": getattr(spec, "bpmn_name", None) or bpmn_id}
        name.update(
            {k.removeprefix("name_"): v for k, v in properties.items() if k.startswith("name_")}
        )
        names.append({"id": bpmn_id, "names": name})
    return names
