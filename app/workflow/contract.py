"""The contract between a diagram and the app (DESIGN.md §5): lanes name roles, user tasks
carry `form`, `title`, `assignee` and `due`, end events an invoice `status`; a task's due date
and its escalation timer agree."""

from __future__ import annotations

import ast
from collections import defaultdict

from lxml import etree

from app.domain.titles import placeholders
from app.i18n import _
from app.workflow.conformance.diagram import label
from app.workflow.durations import parse_duration
from app.workflow.problems import NS, Problem, error, properties, warning

FORMS = ("approval", "correction", "payment", "acknowledge")
STATUSES = (
    "draft",
    "in_approval",
    "on_rework",
    "awaiting_payment",
    "paid",
    "rejected",
    "cancelled",
)
# How an invoice can end: a process that ends gives one of these (the others name running states).
END_STATUSES = ("paid", "rejected", "cancelled")
INVOICE_FIELDS = {
    "number",
    "amount",
    "currency",
    "vat_amount",
    "counterparty_name",
    "issue_date",
    "due_date",
    "vendor_invoice_no",
    "contract_no",
    "client_request_no",
    "status",
}
# Variables the app puts in task data; a multi-instance adds its input item.
DATA_VARIABLES = {
    "invoice_id",
    "number",
    "amount",
    "currency",
    "counterparty_id",
    "initiator_id",
    "approvers",
    "payment_order_required",
    "department",
    "cost_centre",
}


def lanes_of(root) -> dict[str, str]:
    """The lane name of each element placed in a lane."""
    lanes = {}
    for lane in root.iterfind(".//bpmn:lane", NS):
        for ref in lane.iterfind("bpmn:flowNodeRef", NS):
            lanes[(ref.text or "").strip()] = lane.get("name") or ""
    return lanes


def contract_problems(root, roles: set[str]) -> list[Problem]:
    """The app's side of a diagram (DESIGN.md §5): lanes, task properties, end statuses."""
    problems = []
    lanes = lanes_of(root)
    for task in root.iterfind(".//bpmn:userTask", NS):
        problems += _user_task(task, lanes, roles)
    for end in root.iterfind(".//bpmn:endEvent", NS):
        if _is_main_path_end(root, end):
            problems += _end_status(end)
    return problems


def _end_status(end) -> list[Problem]:
    """Rule `end-status`: an end on the invoice's path says how the invoice ends."""
    status = properties(end).get("status")
    if status in END_STATUSES:
        return []
    values = {"element": label(end), "statuses": ", ".join(END_STATUSES)}
    if not status:
        message = _(
            "The end event %(element)s needs the property `status` naming how the invoice "
            "ends, one of %(statuses)s. Add it.",
            **values,
        )
    else:
        message = _(
            "The end event %(element)s needs the property `status` naming how the invoice "
            "ends, one of %(statuses)s; “%(status)s” is not one of them. Change it.",
            status=status,
            **values,
        )
    return [error(end, message, "end-status")]


def _user_task(task, lanes, roles) -> list[Problem]:
    props = properties(task)
    return [
        *_lane_of(task, props, lanes, roles),
        *_form(task, props),
        *_titles(task, props),
        *_due(task, props),
        *_assignee(task, props),
    ]


def _lane_of(task, props, lanes, roles) -> list[Problem]:
    """Rule `task-lane`: a task is offered to a role (its lane) or to a person (`assignee`)."""
    lane = lanes.get(task.get("id"))
    if lane is None and not props.get("assignee"):
        message = _(
            "The user task %(element)s needs a lane (a role) or an `assignee`: put it in the "
            "lane of a role, or give it the property `assignee`.",
            element=label(task),
        )
        return [error(task, message, "task-lane")]
    if lane is not None and lane != "Initiator" and lane not in roles:
        message = _(
            "The lane “%(lane)s” of %(element)s is neither `Initiator` nor an existing role: "
            "name the lane after a role (%(roles)s), or create the role first.",
            lane=lane,
            element=label(task),
            roles=", ".join(sorted(roles)),
        )
        return [error(task, message, "task-lane")]
    return []


def _form(task, props) -> list[Problem]:
    """Rule `task-form`: the form says which screen the task's holder sees."""
    if props.get("form") in FORMS:
        return []
    message = _(
        "In the user task %(element)s the property `form` must be one of %(forms)s (the "
        "screen its holder sees): set it to one of them.",
        element=label(task),
        forms=", ".join(FORMS),
    )
    return [error(task, message, "task-form")]


def _titles(task, props) -> list[Problem]:
    """Rule `task-title`: titles name only the invoice's fields, as `{number}`."""
    problems = []
    for key, template in props.items():
        if key == "title" or key.startswith("title_"):
            try:
                unknown = set(placeholders(template)) - INVOICE_FIELDS
            except ValueError:
                message = _(
                    "The property `%(key)s` of %(element)s, “%(template)s”, has a placeholder "
                    "that is not a bare field name: write fields as {number}, without dots, "
                    "brackets or formats.",
                    key=key,
                    element=label(task),
                    template=template,
                )
                problems.append(error(task, message, "task-title"))
                continue
            if unknown:
                message = _(
                    "The property `%(key)s` of %(element)s uses unknown fields: %(unknown)s. "
                    "Use only the invoice's fields: %(fields)s.",
                    key=key,
                    element=label(task),
                    unknown=", ".join(sorted(unknown)),
                    fields=", ".join(sorted(INVOICE_FIELDS)),
                )
                problems.append(error(task, message, "task-title"))
    return problems


def _due(task, props) -> list[Problem]:
    """Rule `task-due`: `due` is a duration from when the task is created."""
    if not props.get("due"):
        return []
    try:
        parse_duration(props["due"])
    except ValueError:
        message = _(
            "The property `due` of %(element)s, “%(due)s”, is not an ISO 8601 duration: "
            "write one such as P3D (three days) or PT24H (24 hours).",
            element=label(task),
            due=props["due"],
        )
        return [error(task, message, "task-due")]
    return []


def _assignee(task, props) -> list[Problem]:
    """Rule `task-assignee`: `assignee` names a variable holding the person's id."""
    assignee = props.get("assignee")
    if assignee and assignee not in DATA_VARIABLES | _loop_items(task):
        message = _(
            "The property `assignee` of %(element)s names “%(assignee)s”, which is not a "
            "variable the data provides: name one that is, such as the multi-instance item "
            "`approver`.",
            element=label(task),
            assignee=assignee,
        )
        return [error(task, message, "task-assignee")]
    return []


def escalation_problems(root) -> list[Problem]:
    """Escalation is due when the task is: the `notify=escalation` timer on a user task and
    the task's `due` should say the same, or My tasks shows one date and escalation comes on
    another. Warnings: the diagram still runs."""
    timers = defaultdict(list)
    for boundary in root.iterfind(".//bpmn:boundaryEvent", NS):
        if properties(boundary).get("notify") == "escalation":
            timers[boundary.get("attachedToRef")].append(boundary)
    problems = []
    for task in root.iterfind(".//bpmn:userTask", NS):
        due = properties(task).get("due")
        delays = [_literal_delay(b) for b in timers.get(task.get("id"), [])]
        problems += _escalation(task, due, delays)
    return problems


def _escalation(task, due: str | None, delays: list[str | None]) -> list[Problem]:
    """Rules `due-without-escalation`, `escalation-without-due`, `due-and-escalation-differ`."""
    if due and not delays:
        message = _(
            "%(element)s is due after %(due)s, but no escalation timer tells anyone it "
            "passed: add a timer boundary event with the property notify=escalation and the "
            "same duration, or remove `due`.",
            element=label(task),
            due=due,
        )
        return [warning(task, message, "due-without-escalation")]
    if delays and not due:
        message = _(
            "%(element)s has an escalation timer, but no `due`: My tasks shows no due date. "
            "Give the task the property `due` with the timer's duration.",
            element=label(task),
        )
        return [warning(task, message, "escalation-without-due")]
    differing = [d for d in delays if d is not None and not _same_duration(d, due)]
    if due and differing:
        message = _(
            "%(element)s is due after %(due)s, but its escalation timer fires after "
            "%(timer)s: give both the same duration.",
            element=label(task),
            due=due,
            timer=differing[0],
        )
        return [warning(task, message, "due-and-escalation-differ")]
    return []


def _literal_delay(boundary) -> str | None:
    node = boundary.find(".//bpmn:timeDuration", NS)
    try:
        value = ast.literal_eval((node.text or "").strip()) if node is not None else None
    except (ValueError, SyntaxError):
        return None
    return value if isinstance(value, str) else None


def _same_duration(a: str, b: str) -> bool:
    try:
        return parse_duration(a) == parse_duration(b)
    except ValueError:
        return True  # reported on its own


def _loop_items(task) -> set[str]:
    items = set()
    node = task
    while node is not None:
        for item in node.iterfind("bpmn:multiInstanceLoopCharacteristics/bpmn:inputDataItem", NS):
            items.add(item.get("name") or item.get("id"))
        node = node.getparent()
    return items


def _is_main_path_end(root, end) -> bool:
    """End events inside a subprocess (embedded, transaction, ad hoc, or a process a call
    activity calls), or ending a boundary event's path, end no invoice."""
    parent = end.getparent()
    if etree.QName(parent).localname in ("subProcess", "transaction", "adHocSubProcess"):
        return False
    called = {c.get("calledElement") for c in root.iterfind(".//bpmn:callActivity", NS)}
    if parent.get("id") in called:
        return False
    incoming = {(f.text or "").strip() for f in end.iterfind("bpmn:incoming", NS)}
    sources = {
        flow.get("sourceRef")
        for flow in root.iterfind(".//bpmn:sequenceFlow", NS)
        if flow.get("id") in incoming or flow.get("targetRef") == end.get("id")
    }
    boundaries = {b.get("id") for b in root.iterfind(".//bpmn:boundaryEvent", NS)}
    return not (sources and sources <= boundaries)
