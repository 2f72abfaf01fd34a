"""Rules no diagram can break (DESIGN.md §5), held at run time whatever a published diagram says.

Checked after the engine moved and before anything is saved. A breach refuses the action with a
ProcessFailedError: nothing is saved, the person acting is told why, and admins get an incident.
The check of a diagram (app/workflow/rules_of_money.py) refuses what it can see before publishing;
these rules also hold for a diagram written straight into the database.
"""

from __future__ import annotations

from dataclasses import dataclass

from app.i18n import _
from app.models import FormKind, HumanTask, InvoiceStatus, TaskStatus
from app.workflow.parallel import STAGE_SETTLED

# An approver's turn an admin took back when changing the chain: no decision, no refusal.
TURN_WITHDRAWN = "withdrawn"
FINAL_STATUSES = (InvoiceStatus.PAID, InvoiceStatus.REJECTED, InvoiceStatus.CANCELLED)


@dataclass(frozen=True)
class Act:
    """What the person did in this action, as far as the rules care."""

    decision: str | None = None  # approve, return or reject on an approval task
    paid: bool = False  # a payment was recorded in this action
    task_id: str | None = None  # the BPMN id of the task acted on


@dataclass(frozen=True)
class Outcome:
    """Where the process stands after the action: its end (if reached) and its open tasks."""

    end_id: str | None
    end_status: str | None
    completed: bool
    open_tasks: list[HumanTask]
    tasks: list[HumanTask]  # every task of the process, this action's included


class RuleOfMoneyBroken(Exception):
    """The diagram would break a rule of money; `element_id` names where, if known."""

    def __init__(self, message: str, element_id: str | None = None):
        super().__init__(message)
        self.element_id = element_id


def check_rules_of_money(act: Act, outcome: Outcome) -> None:
    """Raise RuleOfMoneyBroken when the action would break one of the rules."""
    for rule in (
        _ends_final,
        _reject_ends_rejected,
        _return_opens_correction,
        _paid_only_by_payment,
        _payment_ends_paid,
    ):
        rule(act, outcome)
    _payment_only_after_approved_round(outcome)


def _ends_final(_act: Act, outcome: Outcome) -> None:
    if outcome.completed and outcome.end_status not in FINAL_STATUSES:
        raise RuleOfMoneyBroken(
            _(
                "the process ended at %(end)s, which gives no final status (paid, rejected or "
                "cancelled)",
                end=outcome.end_id or "?",
            ),
            outcome.end_id,
        )


def _paid_only_by_payment(act: Act, outcome: Outcome) -> None:
    if outcome.end_status == InvoiceStatus.PAID and not act.paid:
        raise RuleOfMoneyBroken(
            _(
                "the process reached the end %(end)s (status paid) without a recorded payment; "
                "an invoice is paid only through its payment stage",
                end=outcome.end_id,
            ),
            outcome.end_id,
        )


def _payment_ends_paid(act: Act, outcome: Outcome) -> None:
    if act.paid and outcome.end_status != InvoiceStatus.PAID:
        raise RuleOfMoneyBroken(
            _(
                "after the payment the process must end the invoice paid; it went on to %(w)s",
                w=_where(outcome),
            ),
            act.task_id,
        )


def _reject_ends_rejected(act: Act, outcome: Outcome) -> None:
    if act.decision == "reject" and outcome.end_status != InvoiceStatus.REJECTED:
        raise RuleOfMoneyBroken(
            _(
                "after a rejection the process must end the invoice rejected; it went on to %(w)s",
                w=_where(outcome),
            ),
            act.task_id,
        )


def _return_opens_correction(act: Act, outcome: Outcome) -> None:
    if act.decision != "return":
        return
    if not any(t.form == FormKind.CORRECTION for t in outcome.open_tasks):
        raise RuleOfMoneyBroken(
            _(
                "after a return for rework the process must give the initiator a correction "
                "task; it went on to %(w)s",
                w=_where(outcome),
            ),
            act.task_id,
        )


def _payment_only_after_approved_round(outcome: Outcome) -> None:
    payments = [t for t in outcome.open_tasks if t.form == FormKind.PAYMENT]
    if not payments and outcome.end_status != InvoiceStatus.PAID:
        return
    if approved_round(outcome.tasks):
        return
    element = payments[0].bpmn_id if payments else outcome.end_id
    raise RuleOfMoneyBroken(
        _(
            "the payment stage %(stage)s was reached before every approval of this round said "
            "approve",
            stage=element,
        ),
        element,
    )


def approved_round(tasks: list[HumanTask]) -> bool:
    """The current round has approvals, every one of them decided, and all said approve (an
    approval a timer or an event cut short is no approval)."""
    current = max((t.round for t in tasks), default=1)
    approvals = [
        t
        for t in tasks
        if t.form == FormKind.APPROVAL
        and t.round == current
        and t.decision not in (TURN_WITHDRAWN, STAGE_SETTLED)
    ]
    return bool(approvals) and all(
        t.status == TaskStatus.DONE and t.decision == "approve" for t in approvals
    )


def _where(outcome: Outcome) -> str:
    if outcome.completed:
        return _(
            "the end %(end)s (status %(status)s)", end=outcome.end_id, status=outcome.end_status
        )
    names = ", ".join(f"{t.name} ({t.bpmn_id})" for t in outcome.open_tasks)
    return names or _("no task at all")
