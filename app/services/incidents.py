"""Incidents: when an invoice's process fails at run time, admins see it, fix it and retry.

The failed action itself saved nothing (its transaction rolled back); the incident is written
in a transaction of its own, with an audit event on the invoice's chain.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.domain.ids import parse_id
from app.errors import InvoiceFlowError, NotFoundError, PermissionDeniedError
from app.i18n import _
from app.models import Incident, IncidentStatus, InstanceStatus, ProcessInstance
from app.models.base import utcnow
from app.roles import ADMIN, has_role
from app.services import audit, use_case
from app.workflow.failures import ProcessFailedError

ERROR_LIMIT = 4000


def record_incident(session: Session, failure, action: str, actor_id: int | None) -> Incident:
    """Write down a failure of `action` on its invoice (in the caller's fresh transaction)."""
    now = utcnow()
    error = str(failure.message)[:ERROR_LIMIT]
    instance = session.scalars(
        select(ProcessInstance).where(ProcessInstance.invoice_id == failure.invoice_id)
    ).first()
    incident = session.scalars(
        select(Incident).where(
            Incident.invoice_id == failure.invoice_id,
            Incident.status == IncidentStatus.OPEN,
            Incident.action == action,
            Incident.element_id.is_(None)
            if failure.element_id is None
            else Incident.element_id == failure.element_id,
        )
    ).first()
    if incident is None:
        incident = Incident(
            invoice_id=failure.invoice_id,
            element_id=failure.element_id,
            action=action,
            opened_at=now,
            occurrences=0,
        )
        session.add(incident)
    incident.occurrences += 1
    incident.error = error
    incident.actor_id = actor_id
    incident.last_seen_at = now
    incident.process_version_id = instance.process_version_id if instance else None
    session.flush()
    details = {"incident": incident.id, "action": action, "element": failure.element_id}
    audit.record(
        session, "process_failed", actor_id, {**details, "error": error}, incident.invoice_id
    )
    return incident


class IncidentStillFailingError(InvoiceFlowError):
    status_code = 422


@use_case
def retry_incident(session: Session, actor, incident_id) -> Incident:
    """Run the invoice's process again as it stands: the engine's own steps and due timers.
    Raises NotFoundError, PermissionDeniedError, IncidentStillFailingError."""
    from app.services.timers import run_process_now  # noqa: PLC0415 - timers use this module

    incident = _open_incident(session, actor, incident_id)
    instance = session.scalars(
        select(ProcessInstance).where(ProcessInstance.invoice_id == incident.invoice_id)
    ).first()
    if instance is not None and instance.status == InstanceStatus.RUNNING:
        try:
            run_process_now(session, instance, actor)
        except ProcessFailedError as exc:
            exc.action = incident.action  # the same incident, seen once more
            raise
    _resolve(session, actor, incident, _("retried: the process runs"))
    return incident


@use_case
def move_to_current_version(session: Session, actor, incident_id) -> Incident:
    """Move the invoice's running process to the current published version, then run it.
    Raises NotFoundError, PermissionDeniedError, ValidationError (cannot be moved)."""
    from app.services.migrate_process import migrate_instance  # noqa: PLC0415

    incident = _open_incident(session, actor, incident_id)
    version = migrate_instance(session, actor, incident.invoice_id)
    _resolve(session, actor, incident, _("moved to version %(v)s", v=version.version))
    return incident


def incident_for_admin(session: Session, actor, incident_id) -> Incident:
    """Raises PermissionDeniedError, NotFoundError."""
    if not has_role(actor, ADMIN):
        raise PermissionDeniedError(_("Only an administrator may handle incidents."))
    incident = session.get(Incident, parse_id(incident_id) or 0)
    if incident is None:
        raise NotFoundError(_("Incident not found."))
    return incident


def _open_incident(session: Session, actor, incident_id) -> Incident:
    incident = incident_for_admin(session, actor, incident_id)
    if incident.status != IncidentStatus.OPEN:
        raise NotFoundError(_("This incident is resolved already."))
    return incident


def resolve_incident(session: Session, actor, incident: Incident, how) -> None:
    """Part of a repair (the caller commits): the incident is resolved, audited."""
    _resolve(session, actor, incident, how)


def _resolve(session: Session, actor, incident: Incident, how) -> None:
    incident.status = IncidentStatus.RESOLVED
    incident.resolved_at = utcnow()
    incident.resolved_by_id = actor.id
    incident.resolution = str(how)[:500]
    audit.record(
        session,
        "incident_resolved",
        actor.id,
        {"incident": incident.id, "how": incident.resolution},
        incident.invoice_id,
    )
