from flask_appbuilder import Model
from sqlalchemy import JSON, Column, DateTime, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import relationship

from app.log_context import current_request_id
from app.models.base import utcnow
from app.models.user import User


class NotificationKind:
    TASK_ASSIGNED = "task_assigned"
    RETURNED = "returned"
    REJECTED = "rejected"
    PAID = "paid"
    WITHDRAWN = "withdrawn"
    REASSIGNED = "reassigned"
    DISCUSSION = "discussion"
    REMINDER = "reminder"
    ESCALATION = "escalation"
    CLOSING_DOCUMENT = "closing_document"
    # Always mailed, whatever the preferences: a counterparty's name, tax id or bank details
    # changed.
    COUNTERPARTY_CHANGED = "counterparty_changed"
    COUNTERPARTY_ADDED = "counterparty_added"  # a new one, with the details it came with
    # Always mailed too: the user's password or second factor changed (was it them?).
    PASSWORD_CHANGED = "password_changed"  # noqa: S105 - a notification kind
    SECOND_FACTOR_CHANGED = "second_factor_changed"
    # Someone with the password failed the second factor until it locked.
    SECOND_FACTOR_FAILED = "second_factor_failed"
    # Always mailed too: someone named the user deputy for a period, changed or ended it.
    DEPUTY_NAMED = "deputy_named"
    DEPUTY_CHANGED = "deputy_changed"
    DEPUTY_CANCELLED = "deputy_cancelled"
    # The approvers of an invoice whose turn the user holds were changed around them.
    APPROVERS_CHANGED = "approvers_changed"
    # The kinds a user may choose to get in the app only.
    ALL = (
        TASK_ASSIGNED,
        RETURNED,
        REJECTED,
        PAID,
        WITHDRAWN,
        REASSIGNED,
        DISCUSSION,
        REMINDER,
        ESCALATION,
        CLOSING_DOCUMENT,
        APPROVERS_CHANGED,
    )


class Notification(Model):
    """An in-app notification: always made, whatever the e-mail preferences."""

    __tablename__ = "notification"
    __table_args__ = (Index("ix_notification_user_unread", "user_id", "read_at", "id"),)

    id = Column(Integer, primary_key=True)
    user_id = Column(ForeignKey("ab_user.id"), nullable=False)
    kind = Column(String(30), nullable=False)
    invoice_id = Column(ForeignKey("invoice.id"))
    task_guid = Column(String(36))
    params = Column(JSON, nullable=False, default=dict)
    created_at = Column(DateTime, nullable=False, default=utcnow)
    read_at = Column(DateTime)


class OutboxStatus:
    PENDING = "pending"
    # An attempt started and its outcome is not recorded yet: the worker may have died between
    # the server's acceptance and the commit, so after its lease the message is sent again.
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"


class OutboxMessage(Model):
    """One e-mail to one recipient, written in the same transaction as the change it reports.

    Rendered and sent by the worker; the Message-ID is fixed at creation, so a resend after a
    crash carries the same one.
    """

    __tablename__ = "outbox"
    __table_args__ = (
        # The claim reads pending and sending rows only: a partial index stays small however
        # many sent rows the table keeps.
        Index(
            "ix_outbox_claimable",
            "next_attempt_at",
            "id",
            postgresql_where=text("status IN ('pending', 'sending')"),
            sqlite_where=text("status IN ('pending', 'sending')"),
        ),
        # The messages in backoff because their server was unreachable: pulled forward when it
        # answers again. Few rows, whatever the table holds.
        Index(
            "ix_outbox_waiting_for_server",
            "waiting_for_server",
            "next_attempt_at",
            postgresql_where=text("waiting_for_server IS NOT NULL"),
            sqlite_where=text("waiting_for_server IS NOT NULL"),
        ),
        # The dashboard counts failed mails; few of them however many were sent.
        Index(
            "ix_outbox_failed",
            "id",
            postgresql_where=text("status = 'failed'"),
            sqlite_where=text("status = 'failed'"),
        ),
    )

    id = Column(Integer, primary_key=True)
    recipient_id = Column(ForeignKey("ab_user.id"), nullable=False)
    to_address = Column(String(255), nullable=False)
    language = Column(String(10), nullable=False, default="en")
    kind = Column(String(30), nullable=False)
    invoice_id = Column(ForeignKey("invoice.id"))
    task_guid = Column(String(36))
    params = Column(JSON, nullable=False, default=dict)
    status = Column(String(10), nullable=False, default=OutboxStatus.PENDING)
    attempts = Column(Integer, nullable=False, default=0)
    # When a worker may take the row next: the backoff of a failed attempt, or the end of the
    # lease of the worker holding it (`claimed_by`), renewed as its batch goes.
    next_attempt_at = Column(DateTime, nullable=False, default=utcnow)
    claimed_by = Column(String(64))
    attempt_started_at = Column(DateTime)  # the start of the last attempt
    # host:port of the server that could not be reached at the last attempt, until it answers.
    waiting_for_server = Column(String(255))
    last_error = Column(Text)
    message_id = Column(String(255), nullable=False, unique=True)
    dedupe_key = Column(String(255), nullable=False, unique=True)
    created_at = Column(DateTime, nullable=False, default=utcnow)
    sent_at = Column(DateTime)
    # The request that queued it (X-Request-ID): the worker's log lines for its delivery carry it.
    request_id = Column(String(64), default=current_request_id)

    recipient = relationship(User, lazy="joined")


class UserPreference(Model):
    __tablename__ = "user_preference"

    user_id = Column(ForeignKey("ab_user.id"), primary_key=True)
    language = Column(String(10))
    email_off = Column(JSON, nullable=False, default=list)  # kinds the user wants in-app only
    # An IANA zone name (Europe/Moscow); empty: the application's DEFAULT_TIME_ZONE.
    time_zone = Column(String(64))
