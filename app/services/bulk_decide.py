"""Approve several approval tasks in one step, with one comment.

Each task is decided by `decide`, in a transaction of its own: audited, told and shown on the
card exactly as a single decision would be. One task that cannot be approved (someone else
handled it meanwhile, it is not mine, the rules of money refuse it) is reported in its result
and the others still go through.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache

from sqlalchemy import Select, bindparam, select
from sqlalchemy.orm import Session, aliased

from app.errors import (
    ConcurrentEditError,
    InvoiceFlowError,
    NotFoundError,
    PermissionDeniedError,
    ValidationError,
)
from app.i18n import _
from app.models import HumanTask, Invoice
from app.models.user import User
from app.permissions import DECIDE, allows, require
from app.services.complete_task import NotAnApprovalError, clean_decision, decide
from app.workflow.failures import ProcessFailedError

APPROVED = "approved"
ALREADY_HANDLED = "already_handled"
REFUSED = "refused"
OUTCOMES = (APPROVED, ALREADY_HANDLED, REFUSED)
# Why a task was refused (or by whom it was handled), for people and for API clients.
REASONS = (
    "not_found",
    "not_yours",
    "not_approval",
    "permission",
    "process_refused",
    "refused",
    "by_you",
    "by_someone_else",
    "closed",
)
# Approving is what people do in bulk; a return or a rejection is argued task by task.
BULK_DECISIONS = ("approve",)


@dataclass(frozen=True)
class BulkResult:
    task_ref: str
    outcome: str
    reason: str | None = None
    message: str | None = None
    # What the result list shows of the task, when the person may see it.
    invoice_id: int | None = None
    number: int | None = None
    title_template: dict | None = None
    title_values: dict | None = None


def bulk_decide(
    session: Session, actor, task_refs: object, decision: object, comment: object, max_tasks: int
) -> list[BulkResult]:
    """Approve each task in its own transaction; one result per task, in the order asked.
    Raises ValidationError (nothing decided) for no tasks, more than `max_tasks`, a decision
    other than approve, or a comment that is refused."""
    refs = _task_refs(task_refs, max_tasks)
    decision = decision if decision is not None else "approve"
    if decision not in BULK_DECISIONS:
        only_approve = _("Several tasks at once are only approved: return or reject each alone.")
        raise ValidationError({"decision": [only_approve]})
    decision, comment = clean_decision(decision, comment)
    if not allows(actor, DECIDE):
        refusal = _permission_refusal(actor)
        return [BulkResult(ref, REFUSED, "permission", refusal) for ref in refs]
    actor_id = actor.id
    outcomes = {ref: _decide_one(session, actor, ref, decision, comment) for ref in refs}
    return _described(session, actor_id, refs, outcomes)


def may_decide_in_bulk(actor) -> bool:
    """Whether My tasks offers to approve several tasks at once."""
    return allows(actor, DECIDE)


def summary_of(results: list[BulkResult]) -> str:
    """One sentence for the person who asked: how many went through, how many did not."""
    counts = {outcome: 0 for outcome in OUTCOMES}
    for result in results:
        counts[result.outcome] += 1
    return str(
        _(
            "Approved: %(approved)s. Already handled: %(handled)s. Refused: %(refused)s.",
            approved=counts[APPROVED],
            handled=counts[ALREADY_HANDLED],
            refused=counts[REFUSED],
        )
    )


def _task_refs(task_refs: object, max_tasks: int) -> list[str]:
    if not isinstance(task_refs, list | tuple) or not all(
        isinstance(ref, str) for ref in task_refs
    ):
        raise ValidationError({"tasks": [_("Send the tasks as a list of task ids.")]})
    refs = list(dict.fromkeys(ref.strip() for ref in task_refs))  # once each, in order
    if not refs:
        raise ValidationError({"tasks": [_("Choose at least one task.")]})
    if len(refs) > max_tasks:
        raise ValidationError(
            {
                "tasks": [
                    _(
                        "Choose at most %(n)s tasks at once (this has %(m)s).",
                        n=max_tasks,
                        m=len(refs),
                    )
                ]
            }
        )
    return refs


def _decide_one(session: Session, actor, ref: str, decision: str, comment: str):
    """(outcome, reason, message) of one decision; its transaction is committed or undone."""
    try:
        decide(session, actor, ref, decision, comment)
    except ConcurrentEditError as exc:  # no longer open, or decided by someone else first
        return ALREADY_HANDLED, None, str(exc.message)
    except NotFoundError as exc:
        return REFUSED, "not_found", str(exc.message)
    except PermissionDeniedError as exc:
        return REFUSED, "not_yours", str(exc.message)
    except NotAnApprovalError as exc:
        return REFUSED, "not_approval", _first_message(exc)
    except ProcessFailedError as exc:
        return REFUSED, "process_refused", str(exc.message)
    except ValidationError as exc:
        return REFUSED, "refused", _first_message(exc)
    except InvoiceFlowError as exc:
        return REFUSED, "refused", str(exc.message)
    return APPROVED, None, None


def _described(
    session: Session, actor_id: int, refs: list[str], outcomes: dict
) -> list[BulkResult]:
    """The results with the tasks' titles and, for those handled meanwhile, by whom: one
    query. A task the person may not see (not found) stays a bare id."""
    seen = [ref for ref in refs if outcomes[ref][1] != "not_found"]
    known = {row.task_guid: row for row in _task_rows(session, seen)} if seen else {}
    results = []
    for ref in refs:
        outcome, reason, message = outcomes[ref]
        row = known.get(ref)
        if outcome == ALREADY_HANDLED and row is not None:
            reason, message = _handled_by(row, actor_id)
        details = {}
        if row is not None:
            details = {
                "invoice_id": row.invoice_id,
                "number": row.number,
                "title_template": row.title_template,
                "title_values": row.title_values,
            }
        results.append(BulkResult(ref, outcome, reason, message, **details))
    return results


def _task_rows(session: Session, refs: Iterable[str]):
    return session.execute(_task_rows_query(), {"guids": list(refs)})


@cache
def _task_rows_query() -> Select:
    """The tasks of :guids with who decided them (built once: building costs more than
    running it)."""
    decider = aliased(User)
    return (
        select(
            HumanTask.task_guid,
            HumanTask.invoice_id,
            HumanTask.title_template,
            HumanTask.title_values,
            HumanTask.completed_by_id,
            decider.first_name,
            decider.last_name,
            Invoice.number,
        )
        .join(Invoice, Invoice.id == HumanTask.invoice_id)
        .outerjoin(decider, decider.id == HumanTask.completed_by_id)
        .where(HumanTask.task_guid.in_(bindparam("guids", expanding=True)))
    )


def _handled_by(row, actor_id: int) -> tuple[str, str]:
    if row.completed_by_id == actor_id:
        return "by_you", str(_("You had already decided on it."))
    if row.completed_by_id is not None:
        name = f"{row.first_name} {row.last_name}".strip()
        return "by_someone_else", str(_("Already handled by %(name)s.", name=name))
    return "closed", str(_("No longer waiting for a decision: the invoice moved on."))


def _first_message(exc: ValidationError) -> str:
    return next((str(m) for messages in exc.errors.values() for m in messages), str(exc))


def _permission_refusal(actor) -> str:
    """The refusal `decide` itself would give, worded once (app/permissions.py)."""
    try:
        require(actor, DECIDE)
    except PermissionDeniedError as exc:
        return str(exc.message)
    return ""
