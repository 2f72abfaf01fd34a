"""The initiator sends a corrected invoice back through the whole approver chain."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.errors import InvoiceNotEditableError, PermissionDeniedError
from app.i18n import _
from app.models import FormKind, HumanTask, TaskStatus
from app.permissions import SUBMIT, require
from app.services import audit, use_case
from app.services.counterparty_snapshot import take_snapshot
from app.services.invoice_input import InvoicePolicy
from app.services.process_runtime import advance
from app.services.revision import invoice_revision
from app.services.stage_holders import stage_holders
from app.services.submit_invoice import check_ready_for_approval
from app.services.task_access import task_for_action
from app.services.visibility import get_visible_invoice
from app.workflow.failures import run_step
from app.workflow.store import load_workflow
from app.workflow.sync import close_task
from app.workflow.task_data import workflow_data


def open_correction_task(session: Session, invoice_id: int) -> HumanTask | None:
    return session.scalars(
        select(HumanTask).where(
            HumanTask.invoice_id == invoice_id,
            HumanTask.form == FormKind.CORRECTION,
            HumanTask.status == TaskStatus.OPEN,
        )
    ).first()


@use_case
def resubmit_invoice(session: Session, actor, invoice_id, policy: InvoicePolicy):
    """Complete the correction task with fresh card data. Raises NotFoundError,
    InvoiceNotEditableError, PermissionDeniedError, ValidationError, ConcurrentEditError."""
    require(actor, SUBMIT)
    invoice = get_visible_invoice(session, actor, invoice_id)
    correction = open_correction_task(session, invoice.id)
    if correction is None:
        raise InvoiceNotEditableError(
            _("Invoice #%(n)s is not waiting for a correction.", n=invoice.number)
        )
    if actor.id != invoice.initiator_id:
        raise PermissionDeniedError(_("Only the invoice's initiator may resubmit it."))
    task, invoice, instance = task_for_action(session, actor, correction.task_guid)
    check_ready_for_approval(session, invoice, policy)
    counterparty = take_snapshot(session, invoice)  # the counterparty as it is now, again
    workflow = load_workflow(instance)
    xml = instance.process_version.bpmn_xml
    data = {**workflow_data(invoice), **stage_holders(session, invoice, xml)}
    run_step(lambda: workflow.complete(task.task_guid, data), invoice.id)
    close_task(task, actor, "resubmit", None)
    for approver in invoice.approvers:  # a new round: every approver decides again
        approver.approved_at = approver.approved_by_id = None
    audit.record(
        session,
        "resubmitted",
        actor.id,
        {
            "round": task.round + 1,
            "revision": invoice_revision(session, invoice),
            "counterparty": counterparty,
        },
        invoice.id,
    )
    advance(session, actor, instance, invoice, workflow)
    return invoice
