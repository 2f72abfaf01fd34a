"""The contract between a diagram and the app (DESIGN.md §5): lanes name roles, user tasks
carry `form`, `title`, `assignee` and `due`, end events an invoice `status`; a task's due date
and its escalation timer agree."""

from __future__ import annotations

import ast
from collections import defaultdict

from lxml import etree

from app.domain.titles import placeholders
from app.workflow.engine import parse_duration
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
}


def _lanes(root) -> dict[str, str]:
    lanes = {}
    for lane in root.iterfind(".//bpmn:lane", NS):
        for ref in lane.iterfind("bpmn:flowNodeRef", NS):
            lanes[(ref.text or "").strip()] = lane.get("name") or ""
    return lanes


def contract_problems(root, roles: set[str]) -> list[Problem]:
    """The app's side of a diagram (DESIGN.md §5): lanes, task properties, end statuses."""
    problems = []
    lanes = _lanes(root)
    for task in root.iterfind(".//bpmn:userTask", NS):
        problems += _user_task(task, lanes, roles)
    for end in root.iterfind(".//bpmn:endEvent", NS):
        if _is_main_path_end(root, end):
            status = properties(end).get("status")
            if status not in STATUSES:
                problems.append(
                    error(
                        end,
                        "an end event needs the property `status`, one of " + ", ".join(STATUSES),
                    )
                )
    return problems


def _user_task(task, lanes, roles) -> list[Problem]:
    props = properties(task)
    messages = [
        *_lane_of(task, props, lanes, roles),
        *_titles(props),
        *_due(props),
        *_assignee(task, props),
    ]
    if props.get("form") not in FORMS:
        messages.append("property `form` must be one of " + ", ".join(FORMS))
    return [error(task, message) for message in messages]


def _lane_of(task, props, lanes, roles) -> list[str]:
    lane = lanes.get(task.get("id"))
    if lane is None and not props.get("assignee"):
        return ["a user task needs a lane (a role) or an `assignee`"]
    if lane is not None and lane != "Initiator" and lane not in roles:
        return [f"lane {lane!r} is neither `Initiator` nor an existing role"]
    return []


def _titles(props) -> list[str]:
    messages = []
    for key, template in props.items():
        if key == "title" or key.startswith("title_"):
            try:
                unknown = set(placeholders(template)) - INVOICE_FIELDS
            except ValueError as exc:
                messages.append(f"{key}: {exc}")
                continue
            if unknown:
                messages.append(f"{key} uses unknown fields: {sorted(unknown)}")
    return messages


def _due(props) -> list[str]:
    if not props.get("due"):
        return []
    try:
        parse_duration(props["due"])
    except ValueError as exc:
        return [f"`due`: {exc}"]
    return []


def _assignee(task, props) -> list[str]:
    assignee = props.get("assignee")
    if assignee and assignee not in DATA_VARIABLES | _loop_items(task):
        return [
            f"`assignee` {assignee!r} is not a variable the data "
            "provides (e.g. the multi-instance item `approver`)"
        ]
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
        if due and not delays:
            problems.append(
                warning(task, f"due after {due}, but no escalation timer tells anyone it passed")
            )
        elif delays and not due:
            problems.append(warning(task, "an escalation timer, but no `due`: My tasks shows none"))
        else:
            differing = [d for d in delays if d is not None and not _same_duration(d, due)]
            if due and differing:
                problems.append(
                    warning(
                        task,
                        f"due after {due}, but its escalation timer fires after {differing[0]}",
                    )
                )
    return problems


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
    """End events inside a subprocess, or ending a boundary event's path, end no invoice."""
    if etree.QName(end.getparent()).localname == "subProcess":
        return False
    incoming = {(f.text or "").strip() for f in end.iterfind("bpmn:incoming", NS)}
    sources = {
        flow.get("sourceRef")
        for flow in root.iterfind(".//bpmn:sequenceFlow", NS)
        if flow.get("id") in incoming or flow.get("targetRef") == end.get("id")
    }
    boundaries = {b.get("id") for b in root.iterfind(".//bpmn:boundaryEvent", NS)}
    return not (sources and sources <= boundaries)
