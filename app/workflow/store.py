"""Loading an invoice's workflow from its row and saving it back under the optimistic lock."""

from __future__ import annotations

from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from app.errors import ConcurrentEditError
from app.i18n import _
from app.models import ProcessInstance
from app.models.base import utcnow
from app.workflow.definitions import definition_for
from app.workflow.engine import InvoiceWorkflow
from app.workflow.failures import run_step


def load_workflow(instance: ProcessInstance) -> InvoiceWorkflow:
    version = instance.process_version
    # The version row's hash names the parsed diagram: its XML is read on first use only.
    definition = definition_for(
        version.sha256,
        version.process_id,
        lambda: version.bpmn_xml,
        lambda: version.decision_tables,
    )
    return InvoiceWorkflow.restore(definition, instance.state)


def save_state(session: Session, instance: ProcessInstance, workflow: InvoiceWorkflow) -> None:
    """Write the state; a concurrent writer's earlier save (lock_version moved) is a 409."""
    run_step(lambda: setattr(instance, "state", workflow.save()), instance.invoice_id)
    run_step(
        lambda: setattr(instance, "next_timer_at", workflow.next_timer_at()), instance.invoice_id
    )
    instance.updated_at = utcnow()
    try:
        session.flush()
    except StaleDataError as exc:
        raise ConcurrentEditError(_("This task was already handled by someone else.")) from exc
