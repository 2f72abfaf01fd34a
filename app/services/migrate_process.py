"""Moving an invoice's running process to another version of its diagram (an admin's act):
one invoice from an incident, or many from the version's move screen."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.errors import NotFoundError, PermissionDeniedError, ValidationError
from app.i18n import _, current_language
from app.models import (
    HumanTask,
    InstanceStatus,
    Invoice,
    NotificationKind,
    ProcessInstance,
    ProcessVersion,
)
from app.roles import ADMIN, has_role
from app.services import audit
from app.services.notify import notify_holders
from app.services.process_runtime import advance
from app.services.process_versions import current_version, definition_of
from app.services.stage_names import stage_in
from app.workflow.engine import InvoiceWorkflow
from app.workflow.store import load_workflow
from app.workflow.sync import open_tasks_of, task_params
from app.workflow.version_move import MovePlan, plan_move


def migrate_instance(
    session: Session, actor, invoice_id: int, target: ProcessVersion | None = None
) -> ProcessVersion:
    """Part of a use case (the caller commits): to `target`, the current version by default.
    Raises PermissionDeniedError, NotFoundError, ValidationError when the process cannot be
    moved, ProcessFailedError."""
    require_admin(actor)
    instance = session.scalars(
        select(ProcessInstance).where(
            ProcessInstance.invoice_id == invoice_id,
            ProcessInstance.status == InstanceStatus.RUNNING,
        )
    ).first()
    if instance is None:
        raise NotFoundError(_("This invoice has no running process."))
    old = instance.process_version
    if target is None and current_version(session).id == old.id:
        raise ValidationError(
            {
                "version": [
                    _("The invoice already runs on the current version %(v)s.", v=old.version)
                ]
            }
        )
    target = target or current_version(session)
    if target.id == old.id:
        raise ValidationError(
            {"version": [_("The invoice already runs on version %(v)s.", v=old.version)]}
        )
    plan = plan_for(instance, target)
    if not plan.movable:
        raise ValidationError(
            {
                "version": [
                    _(
                        "It cannot be moved to version %(v)s: %(why)s",
                        v=target.version,
                        why=refusal_words(plan, current_language()),
                    )
                ]
            }
        )
    move_running_process(session, actor, instance, target, plan.workflow)
    return target


def require_admin(actor) -> None:
    if not has_role(actor, ADMIN):
        raise PermissionDeniedError(_("Only an administrator may move a running process."))


def plan_for(instance: ProcessInstance, target: ProcessVersion) -> MovePlan:
    """What moving this process onto `target` would do (its stored state is not touched)."""
    current = definition_of(instance.process_version)
    return plan_move(load_workflow(instance), current, definition_of(target))


def refusal_words(plan: MovePlan, language: str | None = None) -> str:
    """Why a process cannot move, for the reader (in English with the diagram's ids too, the
    words an analyst searches the diagram for)."""
    if not plan.missing:
        return plan.problem or ""
    names = ", ".join(f"“{stage_in(language, e['names']['en'], e['names'])}”" for e in plan.missing)
    words = str(
        _(
            "the new version lacks %(names)s, which this invoice has already reached",
            names=names,
        )
    )
    if language in (None, "en"):
        words += f" ({', '.join(e['id'] for e in plan.missing)})"
    return words


def move_running_process(
    session: Session, actor, instance: ProcessInstance, target: ProcessVersion, moved
) -> list[HumanTask]:
    """Put the moved process in place: audited with both versions; the holders of a task that
    changed with the new version are told (new tasks are announced as usual)."""
    old = instance.process_version
    invoice = session.get(Invoice, instance.invoice_id)
    before = {t.task_guid: t for t in open_tasks_of(session, instance.id)}
    changed = _refresh_open_tasks(before, moved)
    instance.process_version = target
    instance.process_version_id = target.id
    event = audit.record(
        session,
        "process_moved",
        actor.id,
        {
            "from_version": old.version,
            "to_version": target.version,
            "from_version_id": old.id,
            "to_version_id": target.id,
            "changed_tasks": [t.task_guid for t in changed],
        },
        invoice.id,
    )
    new_tasks = advance(session, actor, instance, invoice, moved)
    for task in changed:
        notify_holders(
            session,
            NotificationKind.TASK_ASSIGNED,
            task,
            f"moved:{event.id}:{task.task_guid}",
            task_params(task),
            invoice,
        )
    return new_tasks


def _refresh_open_tasks(open_rows: dict, moved: InvoiceWorkflow) -> list[HumanTask]:
    """Open tasks the new version names, shapes or hands out differently, updated in place."""
    changed = []
    for ready in moved.ready_tasks():
        row = open_rows.get(ready.guid)
        if row is None:
            continue
        titles = ready.titles() or {"en": ready.name}
        new = {
            "bpmn_id": ready.bpmn_id,
            "name": ready.name[:255],
            "name_translations": ready.name_translations(),
            "title_template": titles,
            "lane": ready.lane,
            "form": ready.form or row.form,
        }
        if any(getattr(row, key) != value for key, value in new.items()):
            for key, value in new.items():
                setattr(row, key, value)
            changed.append(row)
    return changed
