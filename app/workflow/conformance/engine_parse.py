"""What the engine's own parser refuses, process by process, said in plain words: its raw
messages are never shown."""

from __future__ import annotations

from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser

from app.i18n import _
from app.workflow.conformance.diagram import Diagram, label
from app.workflow.dmn import add_decision_tables
from app.workflow.problems import Listing, Problem, diagram_error, error

UNSUPPORTED = _(
    "this kind of element is not supported here; use a task, user task, script task, "
    "sub-process or call activity instead"
)
# A fragment of the engine's message -> what it means for the analyst.
REASONS = (
    ("Multiple outgoing flows", _("it leaves by several flows; put a gateway after it")),
    ("without condition", _("a flow without condition out of a gateway must be its default")),
    ("No start event", _("it has no start event")),
    ("no support implemented", UNSUPPORTED),
    ("Unsupported Catch Event", _("a boundary event needs a trigger (timer, message, error)")),
    ("Exactly one start event", _("a sub-process needs exactly one start event")),
    ("End event", _("a sub-process needs an end event")),
    ("calledElement", _("a call activity names the process it calls")),
    ("was not found", _("it calls a process that is not in this file")),
    ("No Script Provided", _("a script task needs a script")),
    ("operator", UNSUPPORTED),
    ("No DMN", UNSUPPORTED),
    ("has no implementation", UNSUPPORTED),
    ("Ad hoc", UNSUPPORTED),
    ("Cancel Events", _("cancel events belong to transactions")),
    ("cardinality", _("a multi-instance needs a cardinality or an input collection")),
    ("loopMaximum", _("a loop needs a loop condition or a maximum")),
    ("Time Specification", _("a timer needs one valid date, duration or cycle")),
    ("Expected a", _("it refers to a message, signal, error or escalation that is not defined")),
    ("not executable", _("the process is marked as not executable")),
    ("Duplicate process", _("two processes have the same id")),
)
SOMETHING_ELSE = _(
    "it uses something the engine here does not support; simplify it (for example make it a "
    "user task or a script task) and check again"
)


def engine_problems(
    diagram: Diagram, process_id: str | None, decision_tables: dict | None = None
) -> list[Problem]:
    """Parse each executable process as publishing would (with the version's decision tables);
    one problem per process at most."""
    parser = SpiffBpmnParser()
    try:
        add_decision_tables(parser, decision_tables)
    except Exception:  # noqa: BLE001 - the tables' own check says what is wrong with them
        parser = SpiffBpmnParser()
    try:
        parser.add_bpmn_xml(diagram.root, filename="diagram.bpmn")
    except Exception as exc:  # noqa: BLE001 - any refusal becomes a problem, never a crash
        return [_refusal(diagram, exc)]
    found = parser.get_process_ids()
    if process_id and process_id not in found:
        message = _(
            "The app runs the process “%(expected)s”: this file has %(found)s. Give the "
            "executable process the id %(expected)s.",
            expected=process_id,
            found=Listing(found) if found else _("no executable process"),
        )
        return [diagram_error(message, "process-id")]
    problems = []
    for pid in found:
        try:
            parser.get_spec(pid)
            parser.get_subprocess_specs(pid, require_call_activity_specs=False)
        except Exception as exc:  # noqa: BLE001 - as above
            problems.append(_refusal(diagram, exc))
    return problems


def _refusal(diagram: Diagram, exc: Exception) -> Problem:
    text = str(exc)
    reason = next((meaning for fragment, meaning in REASONS if fragment in text), SOMETHING_ELSE)
    element = diagram.get(getattr(exc, "id", None))
    if element is None:
        message = _("The engine cannot run this diagram as drawn: %(reason)s.", reason=reason)
        return diagram_error(message, "engine")
    message = _(
        "The engine cannot run %(element)s as drawn: %(reason)s.",
        element=label(element),
        reason=reason,
    )
    return error(element, message, "engine")
