"""Submitting a draft starts its approval process on the current process version."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.errors import InvoiceNotEditableError, PermissionDeniedError, ValidationError
from app.i18n import _
from app.models import InvoiceStatus, ProcessInstance
from app.permissions import SUBMIT, require
from app.services import audit, use_case
from app.services.counterparty_snapshot import take_snapshot
from app.services.create_invoice import card_snapshot
from app.services.invoice_input import InvoicePolicy, clean_invoice_input
from app.services.process_runtime import advance
from app.services.process_versions import current_version, definition_of
from app.services.revision import invoice_revision
from app.services.stage_holders import stage_holders
from app.services.visibility import get_visible_invoice
from app.workflow.definitions import SERIALIZER_VERSION
from app.workflow.engine import InvoiceWorkflow
from app.workflow.failures import run_step
from app.workflow.task_data import workflow_data


def check_ready_for_approval(session: Session, invoice, policy: InvoicePolicy) -> None:
    """Every card rule, plus 1 to 3 valid approvers. Raises ValidationError."""
    data = {**card_snapshot(invoice), "approvers": [a.user_id for a in invoice.approvers]}
    _clean, errors = clean_invoice_input(session, data, policy, invoice.initiator_id)
    if not invoice.approvers:
        errors.setdefault("approvers", []).append(_("Choose at least one approver to submit."))
    if errors:
        raise ValidationError(errors)


def _has_process(session: Session, invoice_id: int) -> bool:
    found = select(ProcessInstance.id).where(ProcessInstance.invoice_id == invoice_id)
    return session.scalar(found) is not None


@use_case
def submit_invoice(session: Session, actor, invoice_id, policy: InvoicePolicy):
    """Start the process. Raises NotFoundError, PermissionDeniedError, InvoiceNotEditableError,
    ValidationError, ProcessFailedError."""
    require(actor, SUBMIT)
    invoice = get_visible_invoice(session, actor, invoice_id)
    if actor.id != invoice.initiator_id:
        raise PermissionDeniedError(_("Only the invoice's initiator may submit it."))
    if invoice.status != InvoiceStatus.DRAFT or _has_process(session, invoice.id):
        raise InvoiceNotEditableError(_("Invoice #%(n)s was already submitted.", n=invoice.number))
    check_ready_for_approval(session, invoice, policy)
    counterparty = take_snapshot(session, invoice)  # what approvers see and payment uses
    version = current_version(session)
    workflow = None

    def start():
        nonlocal workflow
        data = {**workflow_data(invoice), **stage_holders(session, invoice, version.bpmn_xml)}
        workflow = InvoiceWorkflow.start(definition_of(version), data)

    run_step(start, invoice.id)
    instance = ProcessInstance(
        invoice_id=invoice.id,
        process_version_id=version.id,
        state="{}",
        serializer_version=SERIALIZER_VERSION,
    )
    instance.process_version = version
    session.add(instance)
    try:
        session.flush()
    except IntegrityError as exc:  # a second submit raced this one: only one process per invoice
        raise InvoiceNotEditableError(
            _("Invoice #%(n)s was already submitted.", n=invoice.number)
        ) from exc
    audit.record(
        session,
        "submitted",
        actor.id,
        {
            "process_version": version.version,
            "revision": invoice_revision(session, invoice),
            "counterparty": counterparty,
        },
        invoice.id,
    )
    advance(session, actor, instance, invoice, workflow)
    return invoice
