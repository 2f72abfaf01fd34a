"""Loading an invoice's workflow from its row and saving it back under the optimistic lock."""

from __future__ import annotations

from sqlalchemy import inspect, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value
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
    values = {
        "state": run_step(workflow.save, instance.invoice_id),
        "next_timer_at": run_step(workflow.next_timer_at, instance.invoice_id),
        "updated_at": utcnow(),
    }
    if _stored_unchanged(instance):
        _update_under_lock(session, instance, values)
        return
    for key, value in values.items():
        setattr(instance, key, value)
    try:
        session.flush()
    except StaleDataError as exc:
        raise _concurrent_edit() from exc


def _stored_unchanged(instance: ProcessInstance) -> bool:
    """A row already stored, with no other change pending on it (the decision's usual case)."""
    found = inspect(instance)
    return found.persistent and not found.modified


def _update_under_lock(session: Session, instance: ProcessInstance, values: dict) -> None:
    """One UPDATE ... WHERE lock_version = the version read, as the ORM's flush would write it,
    without a flush of the session's other rows (they go at the next flush or the commit). The
    object then holds what was written, as if flushed."""
    table = ProcessInstance.__table__
    read = instance.lock_version
    values = {**values, "lock_version": read + 1}
    written = session.connection().execute(
        update(table).where(table.c.id == instance.id, table.c.lock_version == read).values(values)
    )
    if written.rowcount != 1:
        raise _concurrent_edit()
    for key, value in values.items():
        set_committed_value(instance, key, value)


def _concurrent_edit() -> ConcurrentEditError:
    return ConcurrentEditError(_("This task was already handled by someone else."))
