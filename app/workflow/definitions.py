"""Process definitions: a diagram parsed once per content hash, its spec serialized once per
version, and the serializer every state goes through (one registry everywhere)."""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from uuid import UUID

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.serializer.default.workflow import BpmnWorkflowConverter, WorkflowConverter
from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG

# The ceilings of one action (engine steps: a gateway cycle without a wait state cannot spin
# forever; the saved state: data that grows without bound fails the action, not the database).
from app.workflow.bounds import predicted_tasks
from app.workflow.dmn import add_decision_tables, version_sha256
from app.workflow.limits import (
    MAX_TASKS_PER_ACTION,
)
from app.workflow.xml import parse_bpmn


def _registry():
    registry = BpmnWorkflowSerializer.configure(SPIFF_CONFIG)
    registry.register(Decimal, lambda v: {"value": str(v)}, lambda v: Decimal(v["value"]))
    registry.register(
        date, lambda v: {"value": v.isoformat()}, lambda v: date.fromisoformat(v["value"])
    )
    return registry


class StateConverter(BpmnWorkflowConverter):
    """The workflow converter, plus an instance's state alone: the spec is stored once per
    version and parsed once per process, so a save leaves it out and a restore reuses the
    parsed spec (the same objects `start` runs on) instead of rebuilding it from JSON."""

    def state_to_dict(self, workflow: BpmnWorkflow) -> dict:
        dct = WorkflowConverter.to_dict(self, workflow)
        dct["subprocesses"] = self.mapping_to_dict(workflow.subprocesses)
        dct["bpmn_events"] = self.registry.convert(workflow.bpmn_events)
        dct["typename"] = self.typename
        return dct

    def state_from_dict(self, dct: dict, spec, subprocess_specs: dict) -> BpmnWorkflow:
        """from_dict() without its first step, restoring the specs (`dct` is consumed)."""
        dct.pop("typename", None)
        workflow = self.target_class(spec, subprocess_specs, deserializing=True)
        workflow.tasks = self.mapping_from_dict(dct["tasks"], UUID, workflow=workflow)
        workflow.task_tree = workflow.tasks.get(UUID(dct["root"]))
        self.set_default_attributes(workflow, dct)
        self.subprocesses_from_dict(dct["subprocesses"], workflow)
        workflow.bpmn_events = self.registry.restore(dct.pop("bpmn_events", []))
        return workflow


SERIALIZER = BpmnWorkflowSerializer(_registry())
SERIALIZER_VERSION = SERIALIZER.VERSION
# Replaces the registry's own converter of workflows (same class, same output) with one that
# also converts the state alone.
STATE_CONVERTER = StateConverter(BpmnWorkflow, SERIALIZER.registry)


class WorkflowError(Exception):
    """The diagram or its data cannot go on; the message says why."""


@dataclass
class ProcessDefinition:
    process_id: str
    sha256: str
    spec_json: str  # the serialized spec and subprocess specs, stored once per version
    _spec: object = field(repr=False, default=None)
    _subprocess_specs: dict = field(repr=False, default_factory=dict)
    # The same specs restored once from spec_json, as a restore from a full JSON state would
    # build them (the converter wires the multi-instance callbacks the parser leaves to the
    # first run): every restored instance of this version runs on these.
    _restored_spec: object = field(repr=False, default=None)
    _restored_subprocess_specs: dict = field(repr=False, default_factory=dict)


def sha256_of(bpmn_xml: str) -> str:
    return hashlib.sha256(bpmn_xml.encode()).hexdigest()


def load_definition(
    bpmn_xml: str, process_id: str, decisions: dict | None = None
) -> ProcessDefinition:
    """Parse once per content hash (cached for the life of the process)."""
    sha256 = version_sha256(bpmn_xml, decisions)
    return definition_for(sha256, process_id, lambda: bpmn_xml, lambda: decisions)


_DEFINITIONS: dict[tuple[str, str], ProcessDefinition] = {}
_DEFINITIONS_LOCK = threading.Lock()
MAX_CACHED_DEFINITIONS = 64


def definition_for(
    sha256: str,
    process_id: str,
    read_xml: Callable[[], str],
    read_decisions: Callable[[], dict | None] | None = None,
) -> ProcessDefinition:
    """The definition of a stored diagram by its content hash: `read_xml` (and `read_decisions`,
    the version's DMN files) run only when this process has not parsed that version yet, so
    callers need not load the XML every time."""
    found = _DEFINITIONS.get((sha256, process_id))
    if found is not None:
        return found
    bpmn_xml = read_xml()
    decisions = read_decisions() if read_decisions else None
    found = _parse_definition(version_sha256(bpmn_xml, decisions), bpmn_xml, process_id, decisions)
    with _DEFINITIONS_LOCK:
        if len(_DEFINITIONS) >= MAX_CACHED_DEFINITIONS:
            _DEFINITIONS.pop(next(iter(_DEFINITIONS)))
        # Under the hash asked for: a row whose hash does not match its XML still parses once.
        _DEFINITIONS[(sha256, process_id)] = found
    return found


def forget_definitions() -> None:
    """Drop every parsed definition, as a restart would."""
    with _DEFINITIONS_LOCK:
        _DEFINITIONS.clear()


def _parse_definition(
    sha256: str, bpmn_xml: str, process_id: str, decisions: dict | None = None
) -> ProcessDefinition:
    """Raises WorkflowError for a diagram the engine cannot run (a call to a process that is
    not in the file, an element it does not support...): never the parser's own exception."""
    try:
        parser, root = SpiffBpmnParser(), parse_bpmn(bpmn_xml)
        add_decision_tables(parser, decisions)
        parser.add_bpmn_xml(root, filename=f"{process_id}.bpmn")
        spec = parser.get_spec(process_id)
        subprocess_specs = parser.get_subprocess_specs(process_id)
    except Exception as exc:  # noqa: BLE001 - ValidationException, NotImplementedError, ...
        raise WorkflowError(f"the diagram cannot be run: {_first_line(exc)}") from exc
    if predicted_tasks(root) > MAX_TASKS_PER_ACTION:  # the engine would lay them all out now
        raise WorkflowError(
            f"the diagram cannot be run: it has too many paths through it (more than "
            f"{MAX_TASKS_PER_ACTION:,} tasks laid out ahead)"
        )
    blank = SERIALIZER.to_dict(BpmnWorkflow(spec, subprocess_specs))
    spec_json = json.dumps({"spec": blank["spec"], "subprocess_specs": blank["subprocess_specs"]})
    restored = json.loads(spec_json)
    return ProcessDefinition(
        process_id,
        sha256,
        spec_json,
        spec,
        subprocess_specs,
        SERIALIZER.registry.restore(restored["spec"]),
        STATE_CONVERTER.mapping_from_dict(restored["subprocess_specs"]),
    )


def _first_line(exc: Exception) -> str:
    if isinstance(exc, NotImplementedError) and exc.args:  # ('Unsupported ...: %r', b'<xml>')
        what = str(exc.args[0]).split(":")[0].strip()
        return f"an element the engine does not support ({what})"
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]
