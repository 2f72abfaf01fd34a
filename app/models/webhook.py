from flask_appbuilder import Model
from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    text,
)
from sqlalchemy.orm import relationship

from app.models.base import utcnow
from app.models.sealed import SealedString
from app.models.user import User


class WebhookEvent:
    """The events another system may subscribe to, named as the audit trail names them."""

    SUBMITTED = "submitted"
    APPROVED = "approved"
    RETURNED = "returned"
    REJECTED = "rejected"
    PAID = "paid"
    WITHDRAWN = "withdrawn"
    TASK_ASSIGNED = "task_assigned"
    ALL = (SUBMITTED, APPROVED, RETURNED, REJECTED, PAID, WITHDRAWN, TASK_ASSIGNED)


class WebhookSubscription(Model):
    """A URL an admin registered, with the events it wants and the secret that signs them."""

    __tablename__ = "webhook_subscription"

    id = Column(Integer, primary_key=True)
    url = Column(String(2000), nullable=False)
    description = Column(String(200), nullable=False, default="")
    events = Column(JSON, nullable=False, default=list)
    # Sealed at rest (app/models/sealed.py): shown once at creation, read back to sign.
    secret = Column(SealedString(), nullable=False)
    # After a rotation the replaced secret still signs (next to the new one) until
    # previous_secret_until, so a receiver can switch without losing events.
    previous_secret = Column(SealedString())
    previous_secret_until = Column(DateTime)
    secret_rotated_at = Column(DateTime)
    active = Column(Boolean, nullable=False, default=True)
    created_by_id = Column(ForeignKey("ab_user.id"), nullable=False)
    created_at = Column(DateTime, nullable=False, default=utcnow)
    updated_at = Column(DateTime)

    created_by = relationship(User, lazy="joined")

    def signing_secrets(self, now) -> list[str]:
        """The secrets a delivery sent at `now` is signed with: the current one first."""
        secrets = [self.secret]
        if self.previous_secret and self.previous_secret_until and now < self.previous_secret_until:
            secrets.append(self.previous_secret)
        return secrets


class WebhookDeliveryStatus:
    PENDING = "pending"
    # An attempt started and its outcome is not recorded yet (as the mail outbox's `sending`).
    SENDING = "sending"
    DELIVERED = "delivered"
    FAILED = "failed"  # given up: the next event of its invoice goes on


class WebhookDelivery(Model):
    """One event for one subscription: written in the same transaction as the change, sent by
    the worker in the order of the invoice's audit chain."""

    __tablename__ = "webhook_delivery"
    __table_args__ = (
        Index(
            "ix_webhook_delivery_claimable",
            "next_attempt_at",
            "id",
            postgresql_where=text("status IN ('pending', 'sending')"),
            sqlite_where=text("status IN ('pending', 'sending')"),
        ),
        # The claim's "an earlier delivery of the invoice still waits": waiting rows only.
        Index(
            "ix_webhook_delivery_waiting",
            "subscription_id",
            "invoice_id",
            "sequence",
            "id",
            postgresql_where=text("status IN ('pending', 'sending')"),
            sqlite_where=text("status IN ('pending', 'sending')"),
        ),
        Index("ix_webhook_delivery_log", "subscription_id", "id"),  # newest first
        # The few redeliveries: deleting old deliveries checks them without a table scan each.
        Index(
            "ix_webhook_delivery_redelivery_of",
            "redelivery_of_id",
            postgresql_where=text("redelivery_of_id IS NOT NULL"),
            sqlite_where=text("redelivery_of_id IS NOT NULL"),
        ),
    )

    id = Column(Integer, primary_key=True)
    subscription_id = Column(ForeignKey("webhook_subscription.id"), nullable=False)
    delivery_uid = Column(String(36), nullable=False, unique=True)
    event = Column(String(30), nullable=False)
    invoice_id = Column(ForeignKey("invoice.id"))
    # The event's place in its invoice's audit chain: deliveries go out in this order.
    sequence = Column(Integer, nullable=False, default=0)
    audit_event_id = Column(ForeignKey("audit_event.id"))
    payload = Column(JSON, nullable=False, default=dict)
    status = Column(String(10), nullable=False, default=WebhookDeliveryStatus.PENDING)
    attempts = Column(Integer, nullable=False, default=0)
    next_attempt_at = Column(DateTime, nullable=False, default=utcnow)
    claimed_by = Column(String(64))
    attempt_started_at = Column(DateTime)
    last_status_code = Column(Integer)
    last_response = Column(Text)  # the start of the receiver's answer
    last_error = Column(Text)
    redelivery_of_id = Column(ForeignKey("webhook_delivery.id"))
    created_at = Column(DateTime, nullable=False, default=utcnow)
    delivered_at = Column(DateTime)

    subscription = relationship(WebhookSubscription, lazy="joined")
