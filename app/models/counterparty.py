from flask_appbuilder import Model
from sqlalchemy import Column, DateTime, Integer, String, UniqueConstraint

from app.models.base import utcnow


class Counterparty(Model):
    __tablename__ = "counterparty"
    __table_args__ = (UniqueConstraint("country", "tax_id", name="uq_counterparty_country_tax_id"),)

    id = Column(Integer, primary_key=True)
    name = Column(String(255), nullable=False, index=True)
    country = Column(String(2), nullable=False, default="RU")
    tax_id = Column(String(32), nullable=False)
    bank_name = Column(String(255))
    bank_bic = Column(String(16))
    bank_account = Column(String(34))
    kpp = Column(String(9))  # Russia: the tax office's registration reason code
    bank_corr_account = Column(String(20))  # the bank's correspondent account
    created_at = Column(DateTime, nullable=False, default=utcnow)

    def __repr__(self) -> str:
        return self.name
