"""SQLAlchemy models: the single source of truth for InvoiceFlow's data."""

from app.models.attachment import Attachment, AttachmentKind
from app.models.audit import AuditEvent
from app.models.counterparty import Counterparty
from app.models.discussion import DiscussionMessage
from app.models.incident import Incident, IncidentStatus
from app.models.invoice import Invoice, InvoiceApprover, InvoiceStatus
from app.models.notification import (
    Notification,
    NotificationKind,
    OutboxMessage,
    OutboxStatus,
    UserPreference,
)
from app.models.payment import Payment
from app.models.process import InstanceStatus, ProcessInstance, ProcessVersion
from app.models.task import FormKind, HumanTask, TaskStatus
from app.models.user_security import RolePolicy, UserSecurity

__all__ = [
    "Attachment",
    "AttachmentKind",
    "AuditEvent",
    "Counterparty",
    "DiscussionMessage",
    "Incident",
    "IncidentStatus",
    "Invoice",
    "InvoiceApprover",
    "InvoiceStatus",
    "FormKind",
    "HumanTask",
    "InstanceStatus",
    "Payment",
    "ProcessInstance",
    "ProcessVersion",
    "TaskStatus",
    "Notification",
    "NotificationKind",
    "OutboxMessage",
    "OutboxStatus",
    "UserPreference",
    "RolePolicy",
    "UserSecurity",
]
