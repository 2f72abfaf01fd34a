from flask_appbuilder import Model
from sqlalchemy import Column, DateTime, ForeignKey, Index, Integer, Text
from sqlalchemy.orm import relationship

from app.models.attachment import Attachment
from app.models.base import utcnow
from app.models.user import User


class DiscussionMessage(Model):
    """One message of an invoice's discussion. Never deleted: a deleted message keeps its row
    (its text is blanked; the audit trail keeps what it said)."""

    __tablename__ = "message"
    __table_args__ = (Index("ix_message_invoice", "invoice_id", "created_at", "id"),)

    id = Column(Integer, primary_key=True)
    invoice_id = Column(ForeignKey("invoice.id"), nullable=False)
    author_id = Column(ForeignKey("ab_user.id"), nullable=False)
    text = Column(Text, nullable=False)
    created_at = Column(DateTime, nullable=False, default=utcnow)
    edited_at = Column(DateTime)
    deleted_at = Column(DateTime)

    author = relationship(User, lazy="joined", innerjoin=True)
    attachments = relationship(Attachment, order_by=Attachment.id, lazy="selectin", viewonly=True)

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None
