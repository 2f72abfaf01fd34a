"""Changing the approvers of a running invoice: admins during approval (audited, the turn's
holder told), the initiator or an admin during a correction."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.errors import InvoiceFlowError, PermissionDeniedError, ValidationError
from app.i18n import _
from app.models import (
    FormKind,
    InstanceStatus,
    Invoice,
    InvoiceApprover,
    InvoiceStatus,
    NotificationKind,
    ProcessInstance,
    TaskStatus,
)
from app.models.base import utcnow
from app.models.user import User, holds_role
from app.roles import ADMIN, APPROVER, has_role
from app.services import audit, use_case
from app.services.approvers import replace_approvers
from app.services.notify import notify, notify_holders
from app.services.process_runtime import advance
from app.services.rules_of_money import TURN_WITHDRAWN
from app.services.visibility import get_visible_invoice
from app.workflow.approver_chain import NoRunningChainError, rearrange_chain, turn_holder
from app.workflow.failures import run_step
from app.workflow.store import load_workflow
from app.workflow.sync import open_tasks_of, task_params

MAX_APPROVERS = 3


class ApproversNotChangeableError(InvoiceFlowError):
    status_code = 409


@use_case
def change_approvers(
    session: Session, actor, invoice_ref, user_ids, confirm_removal: bool = False
) -> Invoice:
    """Raises NotFoundError, PermissionDeniedError, ValidationError,
    ApproversNotChangeableError, ConcurrentEditError, ProcessFailedError."""
    invoice = get_visible_invoice(session, actor, invoice_ref)
    admin = has_role(actor, ADMIN)
    if invoice.status == InvoiceStatus.ON_REWORK:
        if not admin and actor.id != invoice.initiator_id:
            raise PermissionDeniedError(_("Only the initiator or an administrator may do this."))
        # The next submit hands the process this chain (task data is refreshed from the card).
        replace_approvers(session, actor, invoice, valid_chain(session, invoice, user_ids))
        return invoice
    if invoice.status != InvoiceStatus.IN_APPROVAL:
        raise ApproversNotChangeableError(
            _("The approvers can be changed only during approval or a correction.")
        )
    if not admin:
        raise PermissionDeniedError(_("Only an administrator may change a running approval."))
    _change_running_chain(
        session, actor, invoice, valid_chain(session, invoice, user_ids), confirm_removal
    )
    return invoice


def valid_chain(session: Session, invoice: Invoice, user_ids) -> list[int]:
    """1 to 3 distinct active approvers, none of them the initiator. Raises ValidationError."""
    ids = []
    for item in user_ids if isinstance(user_ids, list | tuple) else [user_ids]:
        try:
            ids.append(int(item))
        except (TypeError, ValueError):
            raise ValidationError(
                {"approvers": [_("%(v)s is not a user id.", v=str(item)[:20])]}
            ) from None
    problems = []
    if not 1 <= len(ids) <= MAX_APPROVERS:
        problems.append(_("Choose 1 to %(n)s approvers.", n=MAX_APPROVERS))
    if len(set(ids)) != len(ids):
        problems.append(_("Each approver may appear only once."))
    if invoice.initiator_id in ids:
        problems.append(_("The initiator cannot approve their own invoice."))
    eligible = set(
        session.scalars(
            select(User.id).where(User.id.in_(ids), User.active.is_(True), holds_role(APPROVER))
        )
    )
    if any(pk not in eligible for pk in ids):
        problems.append(_("Approvers must be active users with the Approver role."))
    if problems:
        raise ValidationError({"approvers": problems})
    return ids


def _change_running_chain(session, actor, invoice, chain: list[int], confirm_removal) -> None:
    instance = session.scalars(
        select(ProcessInstance).where(
            ProcessInstance.invoice_id == invoice.id,
            ProcessInstance.status == InstanceStatus.RUNNING,
        )
    ).one()
    workflow = load_workflow(instance)
    turn = _open_turn(session, instance, workflow)
    approved = [a.user_id for a in invoice.approvers if a.approved_at is not None]
    pending = [pk for pk in chain if pk not in approved]
    if not pending:
        raise ValidationError(
            {
                "approvers": [
                    _(
                        "Someone on the new list must still decide: a change of "
                        "approvers never approves an invoice by itself."
                    )
                ]
            }
        )
    dropped = [pk for pk in approved if pk not in chain]
    if dropped and not confirm_removal:
        raise ValidationError(
            {
                "confirm_removal": [
                    _(
                        "Someone you removed already approved in this round. "
                        "Confirm the removal: their approval stays recorded."
                    )
                ]
            }
        )
    old = [a.user_id for a in invoice.approvers]
    holder = turn_holder(workflow, turn.task_guid)
    run_step(lambda: rearrange_chain(workflow, turn.task_guid, chain, pending), invoice.id)
    _rewrite_rows(session, invoice, chain)
    event = audit.record(
        session,
        "approvers_changed",
        actor.id,
        {
            "old": old,
            "new": chain,
            "removed_approvals": dropped,
            "turn_from": holder,
            "turn_to": pending[0],
            "round": turn.round,
        },
        invoice.id,
    )
    if pending[0] != holder:  # the turn goes to someone else: it was no decision
        turn.status, turn.decision, turn.completed_at = (
            TaskStatus.CANCELLED,
            TURN_WITHDRAWN,
            utcnow(),
        )
    advance(session, actor, instance, invoice, workflow)
    if pending[0] == holder and chain != old:
        _tell_the_turn_it_stays(session, actor, invoice, turn, chain, event.id)
    if pending[0] != holder:
        notify(
            session,
            NotificationKind.REASSIGNED,
            [turn.assignee_user_id, pending[0]],
            event=str(event.id),
            invoice_id=invoice.id,
            task_guid=None,
            params={
                **task_params(turn),
                "from": turn.assignee_user_id,
                "to": pending[0],
                "by": actor.id,
            },
        )


def _tell_the_turn_it_stays(session, actor, invoice, turn, chain: list[int], event_id) -> None:
    """The holder of the turn keeps it, with others added, removed or moved around them: they
    (or their deputy) get the new list, in order, and who changed it."""
    notify_holders(
        session,
        NotificationKind.APPROVERS_CHANGED,
        turn,
        event=str(event_id),
        params={**task_params(turn), "approvers": chain, "by": actor.id},
        invoice=invoice,
    )


def _open_turn(session, instance, workflow):
    for task in open_tasks_of(session, instance.id):
        if task.form != FormKind.APPROVAL:
            continue
        try:
            turn_holder(workflow, task.task_guid)
        except NoRunningChainError:
            continue
        return task
    raise ApproversNotChangeableError(_("No approver's turn is open on this invoice now."))


def _rewrite_rows(session, invoice: Invoice, chain: list[int]) -> None:
    """Rows of approvers kept keep their *Approved by* and *Approval date*; removed ones go
    (their decisions stay in the audit trail and the task history)."""
    rows = {a.user_id: a for a in invoice.approvers}
    for row in list(invoice.approvers):
        if row.user_id not in chain:
            invoice.approvers.remove(row)
        else:
            row.position += 10  # positions are unique per invoice: free them first
    session.flush()
    for position, user_id in enumerate(chain, start=1):
        row = rows.get(user_id)
        if row is None:
            invoice.approvers.append(InvoiceApprover(position=position, user_id=user_id))
        else:
            row.position = position
    session.flush()
