"""Incidents: when an invoice's process fails at run time, admins see it, fix it and retry.

The failed action itself saved nothing (its transaction rolled back); the incident is written
in a transaction of its own, with an audit event on the invoice's chain.
"""

from __future__ import annotations

import re

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.domain.ids import parse_id
from app.errors import InvoiceFlowError, NotFoundError, PermissionDeniedError
from app.i18n import _, portable
from app.models import Incident, IncidentStatus, InstanceStatus, ProcessInstance
from app.models.base import utcnow
from app.roles import ADMIN, has_role
from app.services import audit, use_case
from app.workflow.failures import ProcessFailedError

ERROR_LIMIT = 4000
# The use case whose run failed (app/services' @use_case name), as admins read it.
ACTION_LABELS = {
    "decide": _("A decision on a task"),
    "acknowledge_task": _("Acknowledging a task"),
    "submit_invoice": _("Submitting the invoice"),
    "resubmit_invoice": _("Resubmitting the corrected invoice"),
    "pay_invoice": _("Recording the payment"),
    "withdraw_invoice": _("Withdrawing the invoice"),
    "change_approvers": _("Changing the approvers"),
    "fire_timers_of": _("Reminders and deadlines (timers)"),
    "retry_incident": _("A retry by an administrator"),
    "move_to_current_version": _("Moving to the current version"),
    "move_to_version": _("Moving to another version"),
    "rewind_process": _("Going back to an earlier task"),
    "confirm_payments": _("A payment from a bank statement"),
}


def action_text(action: str) -> str:
    """The failed action in the reader's language (an unknown code as it is)."""
    return str(ACTION_LABELS.get(action, action))


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
    incident.reason = portable(getattr(failure, "reason", failure.message))
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
    _resolve(session, actor, incident, RETRIED)
    return incident


@use_case
def move_to_current_version(session: Session, actor, incident_id) -> Incident:
    """Move the invoice's running process to the current published version, then run it.
    Raises NotFoundError, PermissionDeniedError, ValidationError (cannot be moved)."""
    from app.services.migrate_process import migrate_instance  # noqa: PLC0415

    incident = _open_incident(session, actor, incident_id)
    version = migrate_instance(session, actor, incident.invoice_id)
    _resolve(session, actor, incident, f"{MOVED}:{version.version}")
    return incident


# How an incident was resolved, kept as a code and worded for each reader (resolution_text).
RETRIED, MOVED, REWOUND = "retried", "moved", "rewound"
# Incidents resolved before the codes were kept hold these English words.
_WORDED = (
    (re.compile(r"retried: the process runs"), RETRIED),
    (re.compile(r"moved to version (\d+)"), MOVED),
    (re.compile(r"moved back to (.+)"), REWOUND),
)


def resolution_text(resolution: str | None, stage_label=str) -> str:
    """How the incident was resolved, in the reader's language; `stage_label` words a task's
    name from the diagram."""
    if not resolution:
        return ""
    how, _sep, detail = resolution.partition(":")
    for worded, code in _WORDED:
        if found := worded.fullmatch(resolution):
            how, detail = code, (found.groups() or ("",))[0]
    if how == RETRIED:
        return str(_("retried: the process runs"))
    if how == MOVED:
        return str(_("moved to version %(v)s", v=detail))
    if how == REWOUND:
        return str(_("moved back to %(task)s", task=stage_label(detail)))
    return resolution


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


def resolve_incident(session: Session, actor, incident: Incident, how: str) -> None:
    """Part of a repair (the caller commits): the incident is resolved, audited. `how` is a
    resolution code (RETRIED, MOVED or REWOUND, with its detail after a colon)."""
    _resolve(session, actor, incident, how)


def _resolve(session: Session, actor, incident: Incident, how: str) -> None:
    incident.status = IncidentStatus.RESOLVED
    incident.resolved_at = utcnow()
    incident.resolved_by_id = actor.id
    incident.resolution = how[:500]
    audit.record(
        session,
        "incident_resolved",
        actor.id,
        {"incident": incident.id, "how": incident.resolution},
        incident.invoice_id,
    )
