"""What the engine here cannot run, said in plain words with what to use instead, and the
settings it needs that BPMN leaves optional (one start event per sub-process, a script in a
script task, a loop's limit)."""

from __future__ import annotations

from app.i18n import _
from app.workflow.conformance.diagram import Diagram, is_event_sub_process, kind, label, triggers
from app.workflow.problems import Problem, error

COMPENSATION = (
    _("compensation"),
    _("Draw the undo steps as an ordinary path, for example after an error boundary event."),
)
# element kind -> (what it is, what to use instead)
UNSUPPORTED_KINDS = {
    "complexGateway": (
        _("a complex gateway"),
        _("Use an inclusive gateway with a condition on each flow, or exclusive gateways."),
    ),
    "adHocSubProcess": (
        _("an ad-hoc sub-process"),
        _("Draw its tasks in order, or side by side after a parallel gateway."),
    ),
    "serviceTask": (
        _("a service task"),
        _("Use a script task (Python) for a calculation, or a user task for a person."),
    ),
    "dataStoreReference": (
        _("a data store"),
        _("Keep the value in the task data (a script task can set it)."),
    ),
    "conditionalEventDefinition": (
        _("a conditional event"),
        _("Use an exclusive gateway on the task data, or a timer."),
    ),
    "compensateEventDefinition": COMPENSATION,
    "linkEventDefinition": (
        _("a link event"),
        _("Connect the two places with a sequence flow."),
    ),
}
CONVERSATIONS = {
    "choreography",
    "choreographyTask",
    "subChoreography",
    "callChoreography",
    "conversation",
    "subConversation",
    "callConversation",
}
PYTHON = {"", "python", "text/x-python", "application/x-python"}


def _unsupported(element, what, instead) -> Problem:
    owner = element if element.get("id") or element.getparent() is None else element.getparent()
    message = _(
        "This kind of element is not supported here: %(element)s is %(what)s, which the "
        "engine here cannot run. %(instead)s",
        element=label(owner),
        what=what,
        instead=instead,
    )
    return error(owner, message, "unsupported-element")


def unsupported_kinds(diagram: Diagram) -> list[Problem]:
    """Rule `unsupported-element`, by element kind."""
    problems = []
    for name, (what, instead) in UNSUPPORTED_KINDS.items():
        for element in diagram.all(name):
            target = element.getparent() if name.endswith("EventDefinition") else element
            problems.append(_unsupported(target, what, instead))
    for element in diagram.all(*sorted(CONVERSATIONS)):
        what = _("a choreography or conversation")
        problems.append(_unsupported(element, what, _("Draw one participant's process.")))
    for element in diagram.root.iter():
        if element.get("isForCompensation") == "true":
            problems.append(_unsupported(element, *COMPENSATION))
    return problems


def unsupported_positions(diagram: Diagram) -> list[Problem]:
    """Rule `unsupported-element` for events the engine would misread: a signal end event
    (ended silently) and error or escalation start events (started at once)."""
    problems = []
    for end in diagram.all("endEvent"):
        if "signal" in triggers(end):
            what = _("a signal end event")
            instead = _(
                "Throw the signal with an intermediate signal throw event, then end with a "
                "plain end event."
            )
            problems.append(_unsupported(end, what, instead))
    for start in diagram.all("startEvent"):
        if {"error", "escalation"} & set(triggers(start)):
            what = _("an error or escalation start event")
            instead = _(
                "Put an error (or escalation) boundary event on the activity that may fail, "
                "and draw the handling after it."
            )
            problems.append(_unsupported(start, what, instead))
    return problems


def scripts(diagram: Diagram) -> list[Problem]:
    """Rules `script-language` and `script-missing`: script tasks hold a Python script."""
    problems = []
    for task in diagram.all("scriptTask"):
        language = (task.get("scriptFormat") or "").strip().lower()
        if language not in PYTHON:
            message = _(
                "Scripts are Python here: %(element)s is written in %(language)s. Rewrite it "
                "in Python (set the script format to python).",
                element=label(task),
                language=task.get("scriptFormat"),
            )
            problems.append(error(task, message, "script-language"))
        script = next((child for child in task if kind(child) == "script"), None)
        if script is None or not (script.text or "").strip():
            message = _(
                "A script task has a script: %(element)s has none. Write the Python it runs, "
                "or make it a plain task.",
                element=label(task),
            )
            problems.append(error(task, message, "script-missing"))
    return problems


def loops(diagram: Diagram) -> list[Problem]:
    """Rules `loop-settings` and `multi-instance-settings`: what a repeated task needs."""
    problems = []
    for loop in diagram.all("standardLoopCharacteristics"):
        has_condition = any(kind(child) == "loopCondition" for child in loop)
        if loop.get("loopMaximum") is None and not has_condition:
            message = _(
                "A loop says when it stops: %(element)s repeats without a loop condition or a "
                "loop maximum. Add one of them.",
                element=label(loop.getparent()),
            )
            problems.append(error(loop.getparent(), message, "loop-settings"))
    for loop in diagram.all("multiInstanceLoopCharacteristics"):
        parts = {kind(child) for child in loop}
        count = ("loopCardinality" in parts) + ("loopDataInputRef" in parts)
        if count != 1:
            message = _(
                "A multi-instance activity says how many times it runs: %(element)s needs "
                "exactly one of a loop cardinality (a number) or an input collection (a list "
                "in the task data).",
                element=label(loop.getparent()),
            )
            problems.append(error(loop.getparent(), message, "multi-instance-settings"))
    return problems


def starts_and_ends(diagram: Diagram) -> list[Problem]:
    """Rules `process-start` and `sub-process-start-end`: where the engine begins and ends."""
    problems = []
    for process in diagram.all("process"):
        if process.get("isExecutable", "true") != "true":
            continue
        if not any(kind(child) == "startEvent" for child in process):
            message = _(
                "A process has a start event: %(element)s has none. Add a start event where "
                "the invoice's path begins.",
                element=label(process),
            )
            problems.append(error(process, message, "process-start"))
    for sub in diagram.all("subProcess", "transaction"):
        if is_event_sub_process(sub):
            continue
        starts = sum(kind(child) == "startEvent" for child in sub)
        ends = sum(kind(child) == "endEvent" for child in sub)
        if starts != 1 or ends == 0:
            message = _(
                "A sub-process here has one start event and at least one end event: "
                "%(element)s has %(starts)s start and %(ends)s end event(s). Add or remove "
                "events to match.",
                element=label(sub),
                starts=starts,
                ends=ends,
            )
            problems.append(error(sub, message, "sub-process-start-end"))
    return problems


RULES = (unsupported_kinds, unsupported_positions, scripts, loops, starts_and_ends)
