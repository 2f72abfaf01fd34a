"""Who holds an open task: its assignee, by name, or the role it is offered to when it has no
assignee. One rule in two forms, Python for rows already read and SQL for sorting."""

from __future__ import annotations

from sqlalchemy import case, select

from app.models import HumanTask, TaskStatus
from app.roles import role_label


def holder_name(first_name: str | None, last_name: str | None, role: str | None) -> str | None:
    """The assignee's name (their row read with the task: None when it has no assignee), else
    the role in the reader's words; None for no task at all."""
    if first_name is not None:
        return f"{first_name} {last_name}"
    return role_label(role) or None


def holder_name_column(task, person):
    """holder_name() in SQL: `person` is the assignee's row, outer-joined on `task`."""
    return case(
        (person.id.is_not(None), person.first_name + " " + person.last_name),
        else_=task.candidate_role,
    )


def longest_waiting_open_task(invoice_id_column):
    """The id of the invoice's open task waiting longest (the one its list shows), correlated
    with `invoice_id_column`; NULL when none is open."""
    return (
        select(HumanTask.id)
        .where(HumanTask.invoice_id == invoice_id_column, HumanTask.status == TaskStatus.OPEN)
        .order_by(HumanTask.created_at, HumanTask.id)
        .limit(1)
        .scalar_subquery()
    )
