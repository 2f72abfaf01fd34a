from flask_appbuilder import Model
from sqlalchemy import (
    JSON,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import relationship

from app.models.base import utcnow
from app.models.user import User

SYSTEM_CHAIN = "system"


def invoice_chain(invoice_id: int) -> str:
    return f"invoice:{invoice_id}"


class AuditEvent(Model):
    """Insert-only. Each event links to the previous one of its chain by hash."""

    __tablename__ = "audit_event"
    __table_args__ = (
        UniqueConstraint("chain", "sequence", name="uq_audit_event_chain_sequence"),
        # The audit search's keyset pages: newest first, alone or by actor or action.
        Index("ix_audit_event_created_at_id", "created_at", "id"),
        Index("ix_audit_event_actor_created_at", "actor_id", "created_at", "id"),
        Index("ix_audit_event_action_created_at", "action", "created_at", "id"),
    )

    id = Column(Integer, primary_key=True)
    chain = Column(String(40), nullable=False)
    sequence = Column(Integer, nullable=False)
    invoice_id = Column(ForeignKey("invoice.id"), index=True)
    actor_id = Column(ForeignKey("ab_user.id"))
    action = Column(String(40), nullable=False)
    details = Column(JSON, nullable=False, default=dict)
    created_at = Column(DateTime, nullable=False, default=utcnow)
    prev_hash = Column(String(64), nullable=False)
    hash = Column(String(64), nullable=False)

    actor = relationship(User, lazy="joined")
