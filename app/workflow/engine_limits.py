"""The engine's ceilings that depend on the data: a multi-instance's cardinality or input, a timer
cycle computed from task data, call depth and tasks per action, and the engine's own CPU per
action. The script engine the workflow runs with holds them (the check refuses what it can see)."""

from __future__ import annotations

import time

from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException
from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine
from SpiffWorkflow.bpmn.specs.event_definitions.timer import (
    CycleTimerEventDefinition,
    TimerEventDefinition,
)
from SpiffWorkflow.bpmn.specs.mixins.multiinstance_task import MultiInstanceTask
from SpiffWorkflow.exceptions import SpiffWorkflowException

from app.workflow.limits import (
    ENGINE_SECONDS_PER_ACTION,
    MAX_CALL_DEPTH,
    MAX_MULTI_INSTANCE,
    MAX_TASKS_PER_ACTION,
    MAX_TIMER_REPETITIONS,
    MIN_TIMER_INTERVAL,
)
from app.workflow.parallel import completion_context
from app.workflow.sandbox import (
    LimitExceededError,
    RestrictedTaskDataEnvironment,
)

TIMER_PROBLEMS = {
    "endless": "the timer %(value)r repeats without end: write the count, e.g. R3/PT24H",
    "too many": f"the timer %(value)r repeats more than {MAX_TIMER_REPETITIONS} times",
    "too often": "the timer %(value)r repeats more often than every "
    f"{MIN_TIMER_INTERVAL.total_seconds() / 3600:g} hour(s)",
}


def timer_problem(kind: str, value: str) -> str | None:
    """Which timer ceiling a value breaks (a key of TIMER_PROBLEMS: a cycle without end, too
    many repetitions, more often than the floor); None if it keeps them or is not a cycle. A
    malformed value is not this check's to report."""
    if kind != "timeCycle" or not isinstance(value, str):
        return None
    try:
        cycles, _start, every = TimerEventDefinition.parse_iso_recurring_interval(value)
    except Exception:  # noqa: BLE001 - Spiff raises bare Exceptions; its own check says why
        return None
    if cycles < 0:
        return "endless"
    if cycles > MAX_TIMER_REPETITIONS:
        return "too many"
    if every < MIN_TIMER_INTERVAL:
        return "too often"
    return None


class BoundedScriptEngine(PythonScriptEngine):
    """Spiff's script engine, refusing what breaks the engine's ceilings as soon as a value
    computed from data shows it."""

    def evaluate(self, task, expression, external_context=None):
        # A multi-instance's completion condition also reads its counts and merged answers.
        context = completion_context(task, expression) or task.data
        try:
            value = self.environment.evaluate(expression, context, external_context)
        except SpiffWorkflowException:
            raise
        except Exception as exc:  # noqa: BLE001 - Spiff's own message would drop the reason
            raise WorkflowTaskException(
                f"Error evaluating expression {expression!r}: {exc}", task=task, exception=exc
            ) from exc
        spec = task.task_spec
        cardinality = isinstance(spec, MultiInstanceTask) and expression == spec.cardinality
        if cardinality and isinstance(value, int) and value > MAX_MULTI_INSTANCE:
            raise LimitExceededError(
                f"{spec.bpmn_id}: a multi-instance runs at most {MAX_MULTI_INSTANCE} "
                f"instances, not {value:,}"
            )
        definition = getattr(spec, "event_definition", None)
        if isinstance(definition, CycleTimerEventDefinition) and expression == (
            definition.expression
        ):
            problem = timer_problem("timeCycle", value)
            if problem:
                reason = TIMER_PROBLEMS[problem] % {"value": value}
                raise LimitExceededError(f"{spec.bpmn_id}: {reason}")
        return value

    def execute(self, task, script, external_context=None):
        done = super().execute(task, script, external_context)
        for spec in task.workflow.spec.task_specs.values():
            name = _instance_input(spec)
            value = task.data.get(name) if name else None
            if hasattr(value, "__len__") and len(value) > MAX_MULTI_INSTANCE:
                raise LimitExceededError(
                    f"{task.task_spec.bpmn_id}: `{name}` holds {len(value):,} items, and the "
                    f"multi-instance {spec.bpmn_id} runs at most {MAX_MULTI_INSTANCE}"
                )
        return done


def _instance_input(spec) -> str | None:
    if isinstance(spec, MultiInstanceTask) and spec.data_input is not None:
        return spec.data_input.bpmn_id
    return None


def restricted_engine() -> PythonScriptEngine:
    return BoundedScriptEngine(environment=RestrictedTaskDataEnvironment())


def task_count(workflow) -> int:
    """The engine tasks of a workflow and of its sub-processes."""
    return len(workflow.tasks) + sum(len(sub.tasks) for sub in workflow.subprocesses.values())


def check_step(workflow, task, tasks_before: int, started: float) -> None:
    """Before each engine step: sub-processes and calls nest at most MAX_CALL_DEPTH deep, one
    action adds at most MAX_TASKS_PER_ACTION tasks, and the engine has spent at most
    ENGINE_SECONDS_PER_ACTION of this thread's CPU since `started` (time.thread_time(): a
    busy machine does not count)."""
    if time.thread_time() - started > ENGINE_SECONDS_PER_ACTION:
        raise LimitExceededError(
            f"{task.task_spec.bpmn_id}: the engine spent more than "
            f"{ENGINE_SECONDS_PER_ACTION:g} s on one action (a gateway with too many branches?)"
        )
    depth = getattr(task.workflow, "depth", 0)
    if depth > MAX_CALL_DEPTH:
        raise LimitExceededError(
            f"{task.workflow.spec.name}: sub-processes and calls nest more than "
            f"{MAX_CALL_DEPTH} deep (a process that calls itself, directly or through another?)"
        )
    if task_count(workflow) - tasks_before > MAX_TASKS_PER_ACTION:
        raise LimitExceededError(
            f"{task.task_spec.bpmn_id}: one action created more than "
            f"{MAX_TASKS_PER_ACTION:,} engine tasks"
        )
