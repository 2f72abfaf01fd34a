"""Load, start, restore, advance and save BPMN workflows. No Spiff type leaves this module."""

from __future__ import annotations

import base64
import json
import time
import zlib
from dataclasses import dataclass
from datetime import UTC, datetime
from uuid import UUID

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.bpmn.specs.mixins.events.end_event import EndEvent
from SpiffWorkflow.exceptions import TaskNotFoundException
from SpiffWorkflow.util.task import TaskState

from app.workflow.definitions import (
    SERIALIZER,
    SERIALIZER_VERSION,
    STATE_CONVERTER,
    ProcessDefinition,
    WorkflowError,
)
from app.workflow.engine_limits import check_step, restricted_engine, task_count
from app.workflow.limits import (
    MAX_ENGINE_STEPS,
    MAX_OPEN_USER_TASKS,
    MAX_STATE_BYTES,
)
from app.workflow.migration import ReachedElementsMissingError, move_to_spec

# The ceilings of one action (engine steps: a gateway cycle without a wait state cannot spin
# forever; the saved state: data that grows without bound fails the action, not the database).
from app.workflow.parallel import answer_aliases, settled_early
from app.workflow.ready_task import ReadyTask, properties_of, ready_task_of, waits_for_people
from app.workflow.sandbox import LimitExceededError


class TaskNotReadyError(WorkflowError):
    """The task is not waiting for a person (done, cancelled, or not reached yet)."""


class EngineStepLimitError(WorkflowError):
    pass


@dataclass(frozen=True)
class FiredTimer:
    """A boundary timer that fired, with the `notify` property the diagram gave it."""

    notify: str
    timer_id: str
    task_guid: str | None  # the user task the timer is attached to
    firing_id: str  # unique per firing: a cycle timer fires several times


class InvoiceWorkflow:
    """One invoice's process. Always runs expressions in the restricted sandbox."""

    def __init__(self, workflow: BpmnWorkflow):
        self._wf = workflow
        # The script engine is not serialized: re-attach the sandbox after every restore.
        self._wf.script_engine = restricted_engine()

    @classmethod
    def start(cls, definition: ProcessDefinition, data: dict) -> InvoiceWorkflow:
        workflow = BpmnWorkflow(
            definition._spec, definition._subprocess_specs, script_engine=restricted_engine()
        )
        first = workflow.get_tasks(state=TaskState.READY)[0]
        first.set_data(**data)
        instance = cls(workflow)
        instance._run_engine()
        return instance

    @classmethod
    def restore(cls, definition: ProcessDefinition, state: str) -> InvoiceWorkflow:
        dct = json.loads(_unpack(state))
        if dct.get(SERIALIZER.VERSION_KEY) == SERIALIZER_VERSION:
            dct.pop(SERIALIZER.VERSION_KEY)
            return cls(
                STATE_CONVERTER.state_from_dict(
                    dct, definition._restored_spec, definition._restored_subprocess_specs
                )
            )
        # An older serializer's state: its migrations may rewrite the spec part too.
        dct.update(json.loads(definition.spec_json))
        SERIALIZER.migrate(dct)
        return cls(SERIALIZER.from_dict(dct))

    def save(self) -> str:
        """The state without the spec (the version row holds it)."""
        SERIALIZER.registry._encoder_mode = True
        try:
            dct = STATE_CONVERTER.state_to_dict(self._wf)
        finally:
            SERIALIZER.registry._encoder_mode = False
        dct[SERIALIZER.VERSION_KEY] = SERIALIZER_VERSION
        try:
            state = json.dumps(dct, cls=SERIALIZER._encoder_cls, separators=(",", ":"))
        except (TypeError, ValueError, RecursionError) as exc:
            # A script left a value the data cannot hold (a range, bytes, a generator...).
            raise WorkflowError(self._unsaveable(exc)) from exc
        if len(state) > MAX_STATE_BYTES:
            raise WorkflowError(f"the process data grew past {MAX_STATE_BYTES // 1024} KB")
        return _pack(state)

    def _unsaveable(self, exc: Exception) -> str:
        """Which variable of the process data cannot be saved, and why."""
        for task in self._wf.get_tasks(state=TaskState.ANY_MASK):
            for holder in (task.data, task.workflow.data):
                for name, value in holder.items():
                    try:
                        json.dumps(
                            SERIALIZER.registry.convert(value),
                            cls=SERIALIZER._encoder_cls,
                        )
                    except (TypeError, ValueError, RecursionError) as why:
                        return (
                            f"the variable {name!r} cannot be kept in the process data ({why}); "
                            "scripts may leave numbers, texts, lists and dicts with text keys"
                        )
        return f"the process data cannot be saved: {exc}"

    def ready_tasks(self) -> list[ReadyTask]:
        return [ready_task_of(t) for t in self._wf.get_tasks(state=TaskState.READY, manual=True)]

    def ready_task(self, guid: str) -> ReadyTask | None:
        """The waiting user task `guid`, found by its id (not among every task); None when
        the process has no such task waiting for people."""
        try:
            task = self._find(guid)
        except TaskNotReadyError:
            return None
        return ready_task_of(task) if waits_for_people(task) else None

    def complete(self, guid: str, data: dict) -> None:
        """Complete a READY user task with the given data and run until people are needed."""
        task = self._find(guid)
        if not waits_for_people(task):
            # SpiffWorkflow would silently complete a task that is not READY.
            raise TaskNotReadyError(f"task {guid} is not waiting for a decision")
        task.set_data(**data, **answer_aliases(task, data))
        try:
            task.run()  # runs the task's post-script, if any
        except Exception as exc:  # noqa: BLE001 - any diagram failure becomes one clear error
            raise WorkflowError(_describe(exc)) from exc
        self._run_engine()

    def fire_due_timers(self) -> list[FiredTimer]:
        """Fire timers that are due by the clock and run on; report those with `notify`."""
        before = self._completed_ids()
        try:
            self._wf.refresh_timers()  # a cycle's value is read here first: it may break a limit
        except Exception as exc:  # noqa: BLE001 - any diagram failure becomes one clear error
            raise WorkflowError(_describe(exc)) from exc
        self._run_engine()
        fired = []
        for task in self._wf.get_tasks(state=TaskState.ANY_MASK):
            if task.state != TaskState.COMPLETED or task.id in before or task.parent is None:
                continue
            notify = properties_of(task.parent.task_spec).get("notify")
            if notify:
                fired.append(
                    FiredTimer(
                        notify,
                        task.parent.task_spec.bpmn_id,
                        _attached_user_task(task.parent),
                        str(task.id),
                    )
                )
        return fired

    def _completed_ids(self) -> set:
        # get_tasks(state=COMPLETED) skips tasks inside running subprocesses: filter ourselves.
        return {
            t.id
            for t in self._wf.get_tasks(state=TaskState.ANY_MASK)
            if t.state == TaskState.COMPLETED
        }

    def path_taken(self) -> tuple[set[str], set[str]]:
        """BPMN ids of the elements passed through, and of those waiting for people now."""
        done, waiting = set(), set()
        for task in self._wf.get_tasks(state=TaskState.ANY_MASK):
            bpmn_id = getattr(task.task_spec, "bpmn_id", None)
            if not bpmn_id:
                continue
            if task.state == TaskState.COMPLETED:
                done.add(bpmn_id)
            elif task.state == TaskState.READY and task.task_spec.manual:
                waiting.add(bpmn_id)
        return done - waiting, waiting

    def cancel(self) -> None:
        self._wf.cancel()

    @property
    def is_completed(self) -> bool:
        return self._wf.is_completed()

    def end_status(self) -> str | None:
        """The `status` property of the end event the process reached, if any."""
        return self.reached_end()[1]

    def reached_end(self) -> tuple[str | None, str | None]:
        """(BPMN id, `status`) of the end event that gave the process its outcome, if any."""
        reached = [
            t
            for t in self._wf.get_tasks(state=TaskState.COMPLETED)
            if isinstance(t.task_spec, EndEvent) and t.task_spec.bpmn_id
        ]
        for task in reversed(reached):
            status = properties_of(task.task_spec).get("status")
            if status:
                return task.task_spec.bpmn_id, status
        if reached:
            return reached[-1].task_spec.bpmn_id, None
        return None, None

    def moved_to(self, definition: ProcessDefinition) -> InvoiceWorkflow:
        """This process on another version of its diagram (SPIFFWORKFLOW.md §7): tasks keep
        their ids and data; waiting timers restart. Raises WorkflowError when an element the
        process has reached is not in the new version."""
        try:
            missing = move_to_spec(
                SERIALIZER.registry, self._wf, definition._spec, definition._subprocess_specs
            )
        except Exception as exc:  # noqa: BLE001 - any engine refusal is one clear error
            raise WorkflowError(_describe(exc)) from exc
        if missing:
            raise ReachedElementsMissingError(
                "the new version lacks elements this process has reached: "
                + ", ".join(sorted(str(m) for m in missing)),
                missing,
            )
        # A round trip re-wires the multi-instance callbacks to the new specs.
        return InvoiceWorkflow.restore(definition, self.save())

    def next_timer_at(self) -> datetime | None:
        """When the earliest waiting timer is due (naive UTC). Only timers have a time: an
        error, message or signal event waits with its code or name, never a date."""
        due = [_timer_due(task) for task in self._wf.event_manager.tasks.values()]
        due = [when for when in due if when is not None]
        return min(due).astimezone(UTC).replace(tzinfo=None) if due else None

    def settled_early(self, guid: str) -> bool:
        """The task was withdrawn because its parallel stage had answers enough."""
        try:
            return settled_early(self._find(guid))
        except TaskNotReadyError:
            return False

    def _find(self, guid: str):
        try:
            return self._wf.get_task_from_id(UUID(str(guid)))
        except (ValueError, TaskNotFoundException) as exc:
            raise TaskNotReadyError(f"task {guid} is not part of this process") from exc

    def _run_engine(self) -> None:
        steps, tasks_before, started = 0, task_count(self._wf), time.thread_time()

        def count(task):
            nonlocal steps
            steps += 1
            if steps > MAX_ENGINE_STEPS:
                raise EngineStepLimitError(
                    f"the process ran {MAX_ENGINE_STEPS} steps without reaching a person or a timer"
                )
            check_step(self._wf, task, tasks_before, started)  # depth, tasks, engine CPU

        try:
            self._wf.do_engine_steps(will_complete_task=count)
        except EngineStepLimitError:
            raise
        except Exception as exc:  # noqa: BLE001 - any diagram failure becomes one clear error
            raise WorkflowError(_describe(exc)) from exc
        if len(self._wf.get_tasks(state=TaskState.READY, manual=True)) > MAX_OPEN_USER_TASKS:
            raise WorkflowError(f"more than {MAX_OPEN_USER_TASKS} people's tasks would be open")


def _timer_due(task) -> datetime | None:
    """The due time of a waiting event's timer: its own, or that of a timer among several
    events it waits for (an event-based gateway, a multiple event); None for other events."""
    definition = task.task_spec.event_definition
    members = [definition, *getattr(definition, "event_definitions", [])]
    if not any(isinstance(d, TimerEventDefinition) for d in members):
        return None
    value = task._get_internal_data("event_value")
    if isinstance(value, dict):  # a cycle: {"cycles": left, "next": when, ...}
        value = value.get("next") if value.get("cycles") != 0 else None
    if not isinstance(value, str):
        return None
    try:
        when = datetime.fromisoformat(value)
    except ValueError:
        return None
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def _attached_user_task(boundary_task) -> str | None:
    """The user task a boundary event sits on: a sibling under the boundary split."""
    split = boundary_task.parent
    for sibling in split.children if split is not None else []:
        if sibling.task_spec.manual:
            return str(sibling.id)
    return None


_PACKED = "z:"


def _pack(state_json: str) -> str:
    """Compressed text: a first-round state is ~10 KB of JSON and ~3 KB stored."""
    return _PACKED + base64.b64encode(zlib.compress(state_json.encode(), 6)).decode()


def _unpack(state: str) -> str:
    if state.startswith(_PACKED):
        return zlib.decompress(base64.b64decode(state[len(_PACKED) :])).decode()
    return state


def failed_element(exc: BaseException) -> str | None:
    """The BPMN id of the element where a workflow failure happened, if the engine said."""
    while exc is not None:
        task_spec = getattr(exc, "task_spec", None)
        if task_spec is not None and getattr(task_spec, "bpmn_id", None):
            return task_spec.bpmn_id
        exc = exc.__cause__
    return None


def _describe(exc: Exception) -> str:
    if isinstance(exc, LimitExceededError):
        return str(exc)  # names the element itself
    spec = getattr(exc, "task_spec", None)
    element = getattr(spec, "bpmn_id", None)
    text = " ".join(str(exc).split())
    kind = getattr(exc, "error_type", None)
    if kind and text.startswith(f"{kind}:"):
        text = text[len(kind) + 1 :].strip()  # "RestrictedScriptError:2 ** ..." says the cause
    elif kind:
        text = f"{text} ({kind})"
    if not element:
        return f"{type(exc).__name__}: {text}"
    name = getattr(spec, "bpmn_name", None)
    return f"“{name}” ({element}): {text}" if name else f"{element}: {text}"
