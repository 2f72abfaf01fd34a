from flask_appbuilder import Model
from sqlalchemy import Column, Date, DateTime, Float, ForeignKey, Index, Integer, String

from app.models.base import Money, utcnow


class Payment(Model):
    __tablename__ = "payment"
    # The cycle-time report (migration 0030): the cycles of the payments recorded in a period,
    # from the index alone; the slowest walked from the top of the second.
    __table_args__ = (
        Index("ix_payment_recorded_cycles", "recorded_at", "cycle_seconds", "invoice_id"),
        Index("ix_payment_slowest_cycles", "cycle_seconds", "invoice_id", "recorded_at"),
    )

    id = Column(Integer, primary_key=True)
    invoice_id = Column(ForeignKey("invoice.id"), nullable=False, index=True)
    paid_on = Column(Date, nullable=False)
    amount = Column(Money, nullable=False)
    reference = Column(String(100))
    payment_order_id = Column(ForeignKey("attachment.id"))
    recorded_by_id = Column(ForeignKey("ab_user.id"), nullable=False)
    recorded_at = Column(DateTime, nullable=False, default=utcnow)
    # The invoice's cycle: its first submit (its process instance's creation) to recorded_at.
    cycle_seconds = Column(Float)
