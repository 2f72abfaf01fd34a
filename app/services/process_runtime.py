"""What every process action shares: task data from the card, task sync, status, saving."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session, lazyload
from sqlalchemy.orm.exc import StaleDataError

from app.domain.titles import placeholders
from app.errors import ConcurrentEditError, InvoiceFlowError
from app.i18n import _
from app.models import (
    FormKind,
    HumanTask,
    InstanceStatus,
    Invoice,
    InvoiceStatus,
    NotificationKind,
    ProcessInstance,
    TaskStatus,
)
from app.models.base import utcnow
from app.services import audit
from app.services.notify import holders_of, notify
from app.services.process_versions import definition_of
from app.services.rules_of_money import Act, Outcome, RuleOfMoneyBroken, check_rules_of_money
from app.workflow.definitions import WorkflowError
from app.workflow.durations import parse_duration
from app.workflow.engine import InvoiceWorkflow, ReadyTask, TaskNotReadyError, failed_element

INITIATOR_LANE = "Initiator"
FORM_STATUS = {
    FormKind.APPROVAL: InvoiceStatus.IN_APPROVAL,
    FormKind.CORRECTION: InvoiceStatus.ON_REWORK,
    FormKind.PAYMENT: InvoiceStatus.AWAITING_PAYMENT,
}


class ProcessFailedError(InvoiceFlowError):
    """The diagram could not go on; nothing was saved. Becomes an incident admins see."""

    status_code = 422

    def __init__(self, message, invoice_id: int | None = None, element_id: str | None = None):
        super().__init__(message)
        self.invoice_id = invoice_id
        self.element_id = element_id


def process_failed(why: str, invoice_id: int | None, element_id: str | None):
    """The error for a process that cannot go on, in words for the person acting."""
    message = _(
        "The process could not continue: %(why)s. Nothing was saved; the administrators see it "
        "among the incidents.",
        why=why.rstrip("."),
    )
    return ProcessFailedError(message, invoice_id, element_id)


def workflow_data(invoice: Invoice) -> dict:
    """Small task data, refreshed from the card at every submit: never files or long text."""
    return {
        "invoice_id": invoice.id,
        "number": invoice.number,
        "amount": invoice.amount,
        "currency": invoice.currency,
        "counterparty_id": invoice.counterparty_id,
        "initiator_id": invoice.initiator_id,
        "approvers": [a.user_id for a in invoice.approvers],
        "payment_order_required": bool(invoice.payment_order_required),
    }


def load_workflow(instance: ProcessInstance) -> InvoiceWorkflow:
    return InvoiceWorkflow.restore(definition_of(instance.process_version), instance.state)


def run_step(step, invoice_id: int | None = None) -> None:
    """Run an engine call, turning a diagram failure into a clean error that saves nothing."""
    try:
        step()
    except TaskNotReadyError as exc:
        # Another request completed it between our read of the task and of the state.
        raise ConcurrentEditError(_("This task was already handled by someone else.")) from exc
    except WorkflowError as exc:
        raise process_failed(str(exc), invoice_id, failed_element(exc)) from exc


def advance(
    session: Session,
    actor,
    instance: ProcessInstance,
    invoice: Invoice,
    workflow: InvoiceWorkflow,
    act: Act = Act(),  # noqa: B008 - frozen, never mutated
) -> list[HumanTask]:
    """After the workflow moved: mirror its tasks, hold the rules of money, update the invoice,
    save with the lock. Raises ProcessFailedError (nothing saved) when a rule would break."""
    new_tasks, open_tasks, every_task = sync_tasks(session, instance, invoice, workflow)
    _hold_rules_of_money(act, invoice, workflow, open_tasks, every_task)
    for task in new_tasks:
        # The process hands out tasks: recorded as the system's act, caused by the actor's.
        audit.record(session, "task_assigned", None, _task_details(task), invoice.id)
        notify(
            session,
            NotificationKind.TASK_ASSIGNED,
            holders_of(session, task),
            event=task.task_guid,
            invoice_id=invoice.id,
            task_guid=task.task_guid,
            params=task_params(task),
        )
    refresh_invoice_state(invoice, instance, workflow, open_tasks)
    save_state(session, instance, workflow)
    return new_tasks


def _hold_rules_of_money(act, invoice, workflow, open_tasks, every_task) -> None:
    end_id, end_status = workflow.reached_end() if workflow.is_completed else (None, None)
    outcome = Outcome(end_id, end_status, workflow.is_completed, open_tasks, every_task)
    try:
        check_rules_of_money(act, outcome)
    except RuleOfMoneyBroken as exc:
        raise process_failed(str(exc), invoice.id, exc.element_id) from exc


def save_state(session: Session, instance: ProcessInstance, workflow: InvoiceWorkflow) -> None:
    run_step(lambda: setattr(instance, "state", workflow.save()), instance.invoice_id)
    run_step(
        lambda: setattr(instance, "next_timer_at", workflow.next_timer_at()), instance.invoice_id
    )
    instance.updated_at = utcnow()
    try:
        session.flush()
    except StaleDataError as exc:
        raise ConcurrentEditError(_("This task was already handled by someone else.")) from exc


def sync_tasks(
    session: Session, instance: ProcessInstance, invoice: Invoice, workflow: InvoiceWorkflow
) -> tuple[list[HumanTask], list[HumanTask], list[HumanTask]]:
    """Mirror READY user tasks into human_task; return (created, open, all) from one read."""
    ready = {task.guid: task for task in workflow.ready_tasks()}
    rows = list(
        session.scalars(
            select(HumanTask)
            .where(HumanTask.instance_id == instance.id)
            .order_by(HumanTask.id)
            .options(lazyload(HumanTask.assignee), lazyload(HumanTask.completed_by))
        )
    )
    still_open = []
    for row in rows:
        if row.status != TaskStatus.OPEN:
            continue
        if row.task_guid in ready:
            still_open.append(row)
        else:
            row.status = TaskStatus.CANCELLED
            row.completed_at = utcnow()
    known = {row.task_guid for row in rows}
    round_no = 1 + sum(
        1 for row in rows if row.form == FormKind.CORRECTION and row.status == TaskStatus.DONE
    )
    created = [
        _new_task(instance, invoice, task, round_no) for g, task in ready.items() if g not in known
    ]
    session.add_all(created)
    session.flush()
    return created, still_open + created, rows + created


def open_tasks_of(session: Session, instance_id: int) -> list[HumanTask]:
    return list(
        session.scalars(
            select(HumanTask)
            .where(HumanTask.instance_id == instance_id, HumanTask.status == TaskStatus.OPEN)
            .order_by(HumanTask.id)
        ).unique()
    )


def refresh_invoice_state(invoice, instance, workflow, open_tasks) -> None:
    if workflow.is_completed:
        instance.status = InstanceStatus.COMPLETED
        invoice.status = workflow.end_status() or invoice.status
        invoice.stage = None
        invoice.stage_translations = {}
        return
    invoice.status = running_status(open_tasks)
    invoice.stage = ", ".join(t.name for t in open_tasks)[:255] or None
    invoice.stage_translations = stage_translations(open_tasks)


def stage_translations(open_tasks: list[HumanTask]) -> dict[str, str]:
    """The stage in each language the diagram names it in; a task without that language keeps
    its name, so a stage of two tasks reads whole."""
    languages = {language for t in open_tasks for language in t.name_translations or {}}
    return {
        language: ", ".join(
            (t.name_translations or {}).get(language) or t.name for t in open_tasks
        )[:255]
        for language in sorted(languages)
    }


def running_status(open_tasks: list[HumanTask]) -> str:
    """The status of a running process: the card opens only while a correction task is open,
    whatever stage comes first (an acknowledge stage leaves it in approval, frozen)."""
    forms = {t.form for t in open_tasks}
    for form in (FormKind.CORRECTION, FormKind.PAYMENT):
        if form in forms:
            return FORM_STATUS[form]
    return InvoiceStatus.IN_APPROVAL


def close_task(task: HumanTask, actor, decision: str | None, comment: str | None) -> None:
    task.status = TaskStatus.DONE
    task.completed_at = utcnow()
    task.completed_by_id = actor.id
    task.decision = decision
    task.comment = comment


def _new_task(instance, invoice, ready: ReadyTask, round_no: int) -> HumanTask:
    assignee_id, role = _holder(ready, invoice)
    titles = ready.titles() or {"en": ready.name}
    now = utcnow()
    return HumanTask(
        task_guid=ready.guid,
        instance_id=instance.id,
        invoice_id=invoice.id,
        bpmn_id=ready.bpmn_id,
        name=ready.name[:255],
        name_translations=ready.name_translations(),
        title_template=titles,
        title_values=_title_values(titles, invoice),
        lane=ready.lane,
        form=ready.form or FormKind.ACKNOWLEDGE,
        assignee_user_id=assignee_id,
        candidate_role=role,
        round=round_no,
        status=TaskStatus.OPEN,
        created_at=now,
        due_at=_due_at(now, ready, invoice.id),
    )


def _due_at(now, ready: ReadyTask, invoice_id: int):
    if not ready.properties.get("due"):
        return None
    try:
        return now + parse_duration(ready.properties["due"])
    except ValueError as exc:  # a diagram published before `due` was checked
        raise process_failed(f"{ready.bpmn_id}: due: {exc}", invoice_id, ready.bpmn_id) from exc


def process_assignee(workflow: InvoiceWorkflow, guid: str, invoice: Invoice) -> int | None:
    """The person the diagram gives a waiting task to (None for a role's task)."""
    for ready in workflow.ready_tasks():
        if ready.guid == guid:
            return _holder(ready, invoice)[0]
    return None


def _holder(ready: ReadyTask, invoice: Invoice) -> tuple[int | None, str | None]:
    """Assignee property first, then lane Initiator, then the lane's role (DESIGN.md §5)."""
    if ready.assignee_variable:
        value = ready.data.get(ready.assignee_variable)
        try:
            return int(value), None
        except (TypeError, ValueError) as exc:
            raise ProcessFailedError(
                _(
                    "Task %(task)s has no person in %(var)s.",
                    task=ready.bpmn_id,
                    var=ready.assignee_variable,
                ),
                invoice.id,
                ready.bpmn_id,
            ) from exc
    if ready.lane == INITIATOR_LANE:
        return invoice.initiator_id, None
    if ready.lane:
        return None, ready.lane
    raise ProcessFailedError(
        _("Task %(task)s has neither a lane nor an assignee.", task=ready.bpmn_id),
        invoice.id,
        ready.bpmn_id,
    )


def _title_values(titles: dict, invoice: Invoice) -> dict:
    names = set()
    for template in titles.values():
        try:
            names.update(placeholders(template))
        except ValueError:
            continue
    return {name: str(getattr(invoice, name, "")) for name in names if hasattr(invoice, name)}


def task_params(task: HumanTask) -> dict:
    """What a notification needs to name a task in any language."""
    return {"title_template": task.title_template, "title_values": task.title_values}


def _task_details(task: HumanTask) -> dict:
    return {
        "task": task.task_guid,
        "bpmn_id": task.bpmn_id,
        "name": task.name,
        "name_translations": task.name_translations,
        "assignee_id": task.assignee_user_id,
        "role": task.candidate_role,
        "round": task.round,
    }
