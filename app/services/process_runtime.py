"""After the process moved: what every process action does next (the engine glue itself, task
data, the human-task mirror, status and saving, lives in app/workflow)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from app.models import HumanTask, Invoice, NotificationKind, ProcessInstance
from app.services import audit
from app.services.notify import notify_holders
from app.services.rules_of_money import Act, Outcome, RuleOfMoneyBroken, check_rules_of_money
from app.workflow.engine import InvoiceWorkflow
from app.workflow.failures import process_failed
from app.workflow.status import refresh_invoice_state
from app.workflow.store import save_state
from app.workflow.sync import sync_tasks, task_params


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
        notify_holders(
            session,
            NotificationKind.TASK_ASSIGNED,
            task,
            task.task_guid,
            task_params(task),
            invoice,
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
        # The rule's own message, still translatable: the incident shows it in each reader's
        # language.
        raise process_failed(exc.args[0], invoice.id, exc.element_id) from exc


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
