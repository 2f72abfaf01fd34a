"""Incidents: a process that failed at run time, for admins to see, fix and retry."""

from flask_appbuilder import Model
from sqlalchemy import JSON, Column, DateTime, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import relationship

from app.i18n import from_portable
from app.models.base import utcnow
from app.models.user import User


class IncidentStatus:
    OPEN = "open"
    RESOLVED = "resolved"


class Incident(Model):
    """One way an invoice's process failed (an action refused, timers that could not fire).

    The same failure again (same invoice, element and action) counts on the open incident.
    """

    __tablename__ = "incident"
    __table_args__ = (Index("ix_incident_open", "status", "last_seen_at"),)

    id = Column(Integer, primary_key=True)
    invoice_id = Column(ForeignKey("invoice.id"), nullable=False, index=True)
    process_version_id = Column(ForeignKey("process_version.id"))
    element_id = Column(String(255))
    action = Column(String(40), nullable=False)
    error = Column(Text, nullable=False)  # as the person whose action failed read it
    # The same failure as data (app.i18n.portable), shown in each admin's language; empty on
    # incidents recorded before it was kept.
    reason = Column(JSON)
    actor_id = Column(ForeignKey("ab_user.id"))
    status = Column(String(20), nullable=False, default=IncidentStatus.OPEN)
    occurrences = Column(Integer, nullable=False, default=1)
    opened_at = Column(DateTime, nullable=False, default=utcnow)
    last_seen_at = Column(DateTime, nullable=False, default=utcnow)
    resolved_at = Column(DateTime)
    resolved_by_id = Column(ForeignKey("ab_user.id"))
    resolution = Column(String(500))  # a code: "retried", "moved:<version>", "rewound:<task>"

    invoice = relationship("Invoice", lazy="joined")
    process_version = relationship("ProcessVersion", lazy="joined")
    actor = relationship(User, foreign_keys=[actor_id], lazy="joined")
    resolved_by = relationship(User, foreign_keys=[resolved_by_id], lazy="joined")

    def reason_shown(self) -> str:
        return reason_text(self.reason, self.error)


def reason_text(reason, error: str) -> str:
    """What failed, in the reader's language where the message is the app's own (the engine's
    words stay as it wrote them); `error`, the stored text, for incidents without a reason."""
    return from_portable(reason) if reason else error
