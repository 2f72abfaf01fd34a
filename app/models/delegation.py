from flask_appbuilder import Model
from sqlalchemy import Column, Date, DateTime, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import relationship

from app.models.base import utcnow
from app.models.user import User


class Delegation(Model):
    """A person away from `starts_on` to `ends_on` (their own calendar days, both included):
    `deputy` sees and acts on their tasks meanwhile. The period is also kept as UTC instants,
    fixed in the zone the person was in when it was set, so the rule is one SQL comparison."""

    __tablename__ = "delegation"
    __table_args__ = (
        Index("ix_delegation_user_period", "user_id", "ends_at"),
        Index("ix_delegation_deputy_period", "deputy_id", "ends_at"),
    )

    id = Column(Integer, primary_key=True)
    user_id = Column(ForeignKey("ab_user.id"), nullable=False)
    deputy_id = Column(ForeignKey("ab_user.id"), nullable=False)
    starts_on = Column(Date, nullable=False)
    ends_on = Column(Date, nullable=False)
    time_zone = Column(String(64), nullable=False)
    starts_at = Column(DateTime, nullable=False)  # naive UTC: the first local midnight
    ends_at = Column(DateTime, nullable=False)  # naive UTC: the midnight after ends_on
    note = Column(Text)
    created_by_id = Column(ForeignKey("ab_user.id"), nullable=False)
    created_at = Column(DateTime, nullable=False, default=utcnow)
    cancelled_at = Column(DateTime)
    cancelled_by_id = Column(ForeignKey("ab_user.id"))

    user = relationship(User, foreign_keys=[user_id], lazy="joined", innerjoin=True)
    deputy = relationship(User, foreign_keys=[deputy_id], lazy="joined", innerjoin=True)
    created_by = relationship(User, foreign_keys=[created_by_id])

    def is_active_at(self, now) -> bool:
        return self.cancelled_at is None and self.starts_at <= now < self.ends_at
