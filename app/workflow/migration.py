"""Moving a running process to another version of its diagram (SPIFFWORKFLOW.md §7)."""

from __future__ import annotations

from SpiffWorkflow.bpmn.util.diff import diff_workflow, migrate_workflow
from SpiffWorkflow.util.task import TaskState

from app.workflow.definitions import WorkflowError


class ReachedElementsMissingError(WorkflowError):
    """The new version lacks elements the process has reached: it cannot move there."""

    def __init__(self, message: str, missing: set[str]):
        super().__init__(message)
        self.missing = missing


def move_to_spec(registry, workflow, spec, subprocess_specs) -> set[str]:
    """Move `workflow` onto `spec` in place, unless an element it has reached is missing from
    the new version: then nothing changes and the missing BPMN ids are returned."""
    top, subs = diff_workflow(registry, workflow, spec, subprocess_specs)
    missing = _reached_names(top.removed)
    for sp_id, diff in subs.items():
        if diff is None:
            missing.add(workflow.subprocesses[sp_id].spec.name)
        else:
            missing |= _reached_names(diff.removed)
    if missing:
        return missing
    # Only waiting timers are reset: a READY multi-instance child would lose its data.
    migrate_workflow(top, workflow, spec, reset_mask=TaskState.WAITING)
    for sp_id, diff in subs.items():
        sub = workflow.subprocesses[sp_id]
        migrate_workflow(diff, sub, subprocess_specs[sub.spec.name], reset_mask=TaskState.WAITING)
    workflow.subprocess_specs = subprocess_specs
    _drop_stale_predictions(workflow, spec)
    for sp_id in subs:
        sub = workflow.subprocesses[sp_id]
        _drop_stale_predictions(sub, sub.spec)
    for task in workflow.get_tasks(state=TaskState.READY):
        _follow_new_spec(task)
    return set()


def _follow_new_spec(task) -> None:
    """A waiting task's next steps, predicted from its old spec, follow its new one."""
    outputs = task.task_spec.outputs
    for child in list(task.children):
        if child.task_spec not in outputs and child.has_state(_PREDICTED_OR_FUTURE):
            task.workflow._remove_task(child.id)
    task._sync_children(outputs, TaskState.FUTURE)


def _drop_stale_predictions(workflow, spec) -> None:
    """Predicted steps of elements the new version removed go (they would not even load);
    the step before them predicts the new ones when it runs."""
    kept = {id(task_spec) for task_spec in spec.task_specs.values()}
    for task in list(workflow.tasks.values()):
        if task.id not in workflow.tasks or id(task.task_spec) in kept:
            continue
        if task.has_state(_PREDICTED_OR_FUTURE) and task.parent is not None:
            workflow._remove_task(task.id)


_PREDICTED_OR_FUTURE = TaskState.PREDICTED_MASK | TaskState.FUTURE
_REACHED = TaskState.FINISHED_MASK | TaskState.READY | TaskState.STARTED


def _reached_names(tasks) -> set[str]:
    """BPMN ids of the tasks a process has reached (predicted ones are simply re-predicted)."""
    return {t.task_spec.bpmn_id or t.task_spec.name for t in tasks if t.has_state(_REACHED)}
