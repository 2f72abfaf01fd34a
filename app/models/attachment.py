import enum

from flask_appbuilder import Model
from sqlalchemy import BigInteger, Column, DateTime, ForeignKey, Integer, String
from sqlalchemy.orm import relationship

from app.models.base import utcnow
from app.models.user import User


class AttachmentKind(enum.StrEnum):
    INVOICE = "invoice"
    CONTRACT = "contract"
    JUSTIFICATION = "justification"
    ACT = "act"
    PAYMENT_ORDER = "payment_order"
    OTHER = "other"


class Attachment(Model):
    __tablename__ = "attachment"

    id = Column(Integer, primary_key=True)
    invoice_id = Column(ForeignKey("invoice.id"), nullable=False, index=True)
    kind = Column(String(20), nullable=False, default=AttachmentKind.OTHER)
    filename = Column(String(255), nullable=False)
    size = Column(BigInteger, nullable=False)
    content_type = Column(String(127), nullable=False)
    sha256 = Column(String(64), nullable=False, index=True)
    storage_key = Column(String(64), nullable=False, unique=True)
    uploaded_by_id = Column(ForeignKey("ab_user.id"), nullable=False)
    uploaded_at = Column(DateTime, nullable=False, default=utcnow)
    removed_at = Column(DateTime)
    removed_by_id = Column(ForeignKey("ab_user.id"))
    # Set when the file was posted with a discussion message; it is a card file all the same.
    message_id = Column(ForeignKey("message.id"), index=True)

    uploaded_by = relationship(User, foreign_keys=[uploaded_by_id], lazy="joined")

    @property
    def previewable(self) -> bool:
        return self.content_type in ("application/pdf", "image/png", "image/jpeg")
