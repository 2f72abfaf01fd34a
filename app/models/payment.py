from flask_appbuilder import Model
from sqlalchemy import Column, Date, DateTime, ForeignKey, Index, Integer, String

from app.models.base import Money, utcnow


class Payment(Model):
    __tablename__ = "payment"
    # The cycle-time report: payments recorded in a period.
    __table_args__ = (Index("ix_payment_recorded_at", "recorded_at", "invoice_id"),)

    id = Column(Integer, primary_key=True)
    invoice_id = Column(ForeignKey("invoice.id"), nullable=False, index=True)
    paid_on = Column(Date, nullable=False)
    amount = Column(Money, nullable=False)
    reference = Column(String(100))
    payment_order_id = Column(ForeignKey("attachment.id"))
    recorded_by_id = Column(ForeignKey("ab_user.id"), nullable=False)
    recorded_at = Column(DateTime, nullable=False, default=utcnow)
