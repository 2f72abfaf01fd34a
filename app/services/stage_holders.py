"""Who a parallel stage asks (app/workflow/parallel.py): the active holders of its lane's role,
never the invoice's initiator (no one approves their own invoice), read at every submit and
resubmit so a new round asks those who hold the role then."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import Invoice
from app.models.user import User, holds_role
from app.workflow.parallel import parallel_stages


def stage_holders(session: Session, invoice: Invoice, bpmn_xml: str) -> dict:
    """Task data for the version's parallel stages: each input collection filled with its
    role's holders (sorted user ids), each output collection empty."""
    data: dict = {}
    for stage in parallel_stages(bpmn_xml):
        people = session.scalars(
            select(User.id)
            .where(User.active.is_(True), holds_role(stage.role), User.id != invoice.initiator_id)
            .order_by(User.id)
        )
        data[stage.holders] = list(people)
        if stage.answers:
            data[stage.answers] = []
    return data
