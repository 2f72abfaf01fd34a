"""The invoice's status and stage, derived from its process's open tasks or end event."""

from __future__ import annotations

from app.models import FormKind, HumanTask, InstanceStatus, InvoiceStatus

FORM_STATUS = {
    FormKind.APPROVAL: InvoiceStatus.IN_APPROVAL,
    FormKind.CORRECTION: InvoiceStatus.ON_REWORK,
    FormKind.PAYMENT: InvoiceStatus.AWAITING_PAYMENT,
}


def ended_status(invoice, workflow) -> str | None:
    """The status the invoice ends with once its process completed; None while it runs."""
    return (workflow.end_status() or invoice.status) if workflow.is_completed else None


def refresh_invoice_state(invoice, instance, workflow, open_tasks) -> None:
    if workflow.is_completed:
        _change(instance, status=InstanceStatus.COMPLETED)
        _change(invoice, status=ended_status(invoice, workflow), stage=None, stage_translations={})
        return
    _change(
        invoice,
        status=running_status(open_tasks),
        stage=", ".join(t.name for t in open_tasks)[:255] or None,
        stage_translations=stage_translations(open_tasks),
    )


def _change(row, **values) -> None:
    """Set only what differs: a row left as it was has nothing for the next flush to do."""
    for key, value in values.items():
        if getattr(row, key) != value:
            setattr(row, key, value)


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
