"""Everything a task page shows to decide without leaving it."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from app.models import HumanTask, Payment
from app.permissions import ACTION_OF_FORM, allows
from app.services.invoice_card import InvoiceCard, load_card
from app.services.task_access import find_task, refusal
from app.services.task_holders import Card, acting_for, standing_of


@dataclass
class TaskPage:
    task: HumanTask
    card: InvoiceCard
    history: list[HumanTask]  # every decided task of every round, oldest first
    open_tasks: list[HumanTask]
    payments: list[Payment]
    can_act: bool
    on_behalf_of: int | None = None  # the absent person the reader stands in for here


def load_task_page(session: Session, actor, task_ref) -> TaskPage:
    """Raises NotFoundError for an unknown task or an invoice the actor may not see."""
    task, invoice = find_task(session, actor, task_ref)
    card = load_card(session, actor, invoice.id)
    history, open_tasks, payments = card.history, card.open_tasks, card.payments
    standing = standing_of(session, actor)
    can_act = (
        task.status == "open"
        and refusal(standing, task, invoice) is None
        and allows(actor, ACTION_OF_FORM[task.form])
    )
    for_id = acting_for(standing, task, Card.of(invoice)) if can_act else None
    deputy_for = for_id if for_id != actor.id else None
    return TaskPage(task, card, history, open_tasks, payments, can_act, deputy_for)
