"""BPMN 2.0 rules for events: which triggers each position allows, boundary events on
activities, event sub-processes, cancel events and timers."""

from __future__ import annotations

from app.i18n import _
from app.workflow.conformance.diagram import (
    ACTIVITIES,
    EVENTS,
    Diagram,
    container,
    is_event_sub_process,
    kind,
    label,
    scope,
    triggers,
)
from app.workflow.conformance.phrases import (
    POSITION_NAMES,
    SCOPE_NAMES,
    TRIGGER_NAMES,
    trigger_list,
)
from app.workflow.problems import Problem, error

START_IN_PROCESS = (None, "message", "timer", "signal", "conditional")
START_IN_EVENT_SUB_PROCESS = (
    "message",
    "timer",
    "signal",
    "conditional",
    "error",
    "escalation",
    "compensation",
)
END = (None, "message", "error", "escalation", "cancel", "compensation", "signal", "terminate")
CATCH = ("message", "timer", "signal", "conditional", "link")
THROW = (None, "message", "escalation", "compensation", "signal", "link")
BOUNDARY = (
    "message",
    "timer",
    "error",
    "escalation",
    "cancel",
    "compensation",
    "conditional",
    "signal",
)


def allowed_triggers(event) -> tuple:
    name = kind(event)
    if name == "startEvent":
        where = scope(event)
        if where == "process":
            return START_IN_PROCESS
        return START_IN_EVENT_SUB_PROCESS if where == "event" else (None,)
    return {
        "endEvent": END,
        "intermediateCatchEvent": CATCH,
        "intermediateThrowEvent": THROW,
        "boundaryEvent": BOUNDARY,
    }[name]


def event_triggers(diagram: Diagram) -> list[Problem]:
    """Rule `event-trigger`: a trigger allowed where the event is."""
    problems = []
    for event in diagram.all(*sorted(EVENTS)):
        found = triggers(event)
        if "reference" in found:
            continue  # a shared definition elsewhere: its kind is not known here
        allowed = allowed_triggers(event)
        for trigger in found or [None]:
            if trigger not in allowed:
                problems.append(_trigger_problem(event, trigger, allowed))
                break
    return problems


def _trigger_problem(event, trigger, allowed) -> Problem:
    name, where = kind(event), scope(event)
    element = label(event)
    if name == "startEvent" and where in ("subProcess", "transaction"):
        message = _(
            "Start events of sub-processes: %(element)s is a %(trigger)s start event inside "
            "an embedded sub-process, which starts when the flow reaches it. Remove the "
            "trigger, or make the sub-process an event sub-process.",
            element=element,
            trigger=TRIGGER_NAMES[trigger],
        )
        return error(event, message, "start-event-in-sub-process")
    if name == "startEvent" and where == "process" and trigger in START_IN_EVENT_SUB_PROCESS:
        message = _(
            "Error, escalation and compensation start events belong in event sub-processes: "
            "%(element)s is a %(trigger)s start event at the top level of a process. Use a "
            "start event without a trigger, or move it into an event sub-process.",
            element=element,
            trigger=TRIGGER_NAMES[trigger],
        )
        return error(event, message, "start-event-trigger")
    if name == "startEvent" and trigger is None:
        message = _(
            "Start events of event sub-processes: %(element)s has no trigger, so nothing "
            "would start the event sub-process. Give it the event that starts it: %(allowed)s.",
            element=element,
            allowed=trigger_list(allowed),
        )
        return error(event, message, "event-sub-process-start")
    if trigger is None:
        message = _(
            "Events that wait need a trigger: %(element)s is a %(position)s without one, so it "
            "would wait for nothing. Give it one of: %(allowed)s; or remove it.",
            element=element,
            position=POSITION_NAMES[name],
            allowed=trigger_list(allowed),
        )
        return error(event, message, "event-trigger-missing")
    message = _(
        "Triggers allowed at each position: %(element)s is a %(position)s with a %(trigger)s "
        "trigger, which BPMN does not allow %(where)s. Use one of: %(allowed)s.",
        element=element,
        position=POSITION_NAMES[name],
        trigger=TRIGGER_NAMES[trigger],
        where=SCOPE_NAMES["boundary" if name == "boundaryEvent" else where],
        allowed=trigger_list(allowed),
    )
    return error(event, message, "event-trigger")


def cancel_events(diagram: Diagram) -> list[Problem]:
    """Rule `cancel-outside-transaction`: cancel events belong to transactions."""
    problems = []
    for event in diagram.all("endEvent", "boundaryEvent"):
        if "cancel" not in triggers(event):
            continue
        if kind(event) == "endEvent":
            inside = scope(event) == "transaction"
        else:
            inside = kind(diagram.get(event.get("attachedToRef"))) == "transaction"
        if not inside:
            message = _(
                "Cancel events belong to transactions: %(element)s is not in or on a "
                "transaction. Use an error event instead, or make the sub-process a transaction.",
                element=label(event),
            )
            problems.append(error(event, message, "cancel-outside-transaction"))
    return problems


def boundary_attachments(diagram: Diagram) -> list[Problem]:
    """Rules `boundary-attachment` and `boundary-must-interrupt`."""
    problems = []
    for event in diagram.all("boundaryEvent"):
        ref = event.get("attachedToRef")
        activity = diagram.get(ref)
        if (
            activity is None
            or kind(activity) not in ACTIVITIES
            or container(activity) is not container(event)
        ):
            message = _(
                "Boundary events sit on an activity: %(element)s is attached to “%(ref)s”, "
                "which is not a task, sub-process or call activity of the same process or "
                "sub-process. Attach it to one.",
                element=label(event),
                ref=ref or "",
            )
            problems.append(error(event, message, "boundary-attachment"))
        found = triggers(event)
        if event.get("cancelActivity") == "false" and ({"error", "cancel"} & set(found)):
            message = _(
                "Error and cancel boundary events always interrupt the activity: %(element)s "
                'says it does not. Remove cancelActivity="false" (make it interrupting).',
                element=label(event),
            )
            problems.append(error(event, message, "boundary-must-interrupt"))
    return problems


def event_sub_processes(diagram: Diagram) -> list[Problem]:
    """Rules `event-sub-process-start` (exactly one start event) and
    `event-sub-process-flows` (no sequence flow in or out)."""
    problems = []
    for sub in diagram.all("subProcess"):
        if not is_event_sub_process(sub):
            continue
        starts = [child for child in sub if kind(child) == "startEvent"]
        if len(starts) != 1:
            message = _(
                "Event sub-processes start with one start event: %(element)s has %(n)s. Keep "
                "exactly one, with the trigger that starts the sub-process.",
                element=label(sub),
                n=len(starts),
            )
            problems.append(error(sub, message, "event-sub-process-start"))
        ident = sub.get("id")
        if diagram.incoming.get(ident) or diagram.outgoing.get(ident):
            message = _(
                "Event sub-processes are started by their event, not by the flow: %(element)s "
                "has sequence flows in or out. Remove those flows.",
                element=label(sub),
            )
            problems.append(error(sub, message, "event-sub-process-flows"))
    return problems


TIMER_PARTS = ("timeDate", "timeDuration", "timeCycle")


def timer_definitions(diagram: Diagram) -> list[Problem]:
    """Rule `timer-definition`: a timer says exactly one of when, after how long, how often."""
    problems = []
    for timer in diagram.all("timerEventDefinition"):
        parts = [child for child in timer if kind(child) in TIMER_PARTS]
        filled = [part for part in parts if (part.text or "").strip()]
        if len(parts) == 1 and len(filled) == 1:
            continue
        event = timer.getparent()
        message = _(
            "Timers say one thing: %(element)s needs exactly one of a date (timeDate), a "
            'duration (timeDuration) or a cycle (timeCycle), with a value such as "P2D".',
            element=label(event),
        )
        problems.append(error(event, message, "timer-definition"))
    return problems


RULES = (
    event_triggers,
    cancel_events,
    boundary_attachments,
    event_sub_processes,
    timer_definitions,
)
