"""Moving an invoice's running process to the current version of its diagram (an admin's act)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.errors import NotFoundError, PermissionDeniedError, ValidationError
from app.i18n import _
from app.models import InstanceStatus, Invoice, ProcessInstance, ProcessVersion
from app.roles import ADMIN, has_role
from app.services import audit
from app.services.process_runtime import advance, load_workflow
from app.services.process_versions import current_version, definition_of
from app.workflow.definitions import WorkflowError


def migrate_instance(session: Session, actor, invoice_id: int) -> ProcessVersion:
    """Part of a use case (the caller commits). Raises PermissionDeniedError, NotFoundError,
    ValidationError when the process cannot be moved, ProcessFailedError."""
    if not has_role(actor, ADMIN):
        raise PermissionDeniedError(_("Only an administrator may move a running process."))
    instance = session.scalars(
        select(ProcessInstance).where(
            ProcessInstance.invoice_id == invoice_id,
            ProcessInstance.status == InstanceStatus.RUNNING,
        )
    ).first()
    if instance is None:
        raise NotFoundError(_("This invoice has no running process."))
    target = current_version(session)
    old = instance.process_version
    if target.id == old.id:
        raise ValidationError(
            {
                "version": [
                    _("The invoice already runs on the current version %(v)s.", v=old.version)
                ]
            }
        )
    workflow = load_workflow(instance)
    try:
        moved = workflow.moved_to(definition_of(target))
    except WorkflowError as exc:
        raise ValidationError(
            {
                "version": [
                    _(
                        "It cannot be moved to version %(v)s: %(why)s",
                        v=target.version,
                        why=str(exc),
                    )
                ]
            }
        ) from exc
    instance.process_version = target
    instance.process_version_id = target.id
    invoice = session.get(Invoice, invoice_id)
    audit.record(
        session,
        "process_moved",
        actor.id,
        {"from_version": old.version, "to_version": target.version},
        invoice_id,
    )
    advance(session, actor, instance, invoice, moved)
    return target
