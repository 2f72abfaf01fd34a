"""SQLAlchemy models: the single source of truth for InvoiceFlow's data."""

from app.models.attachment import Attachment, AttachmentKind
from app.models.audit import AuditEvent
from app.models.counterparty import Counterparty
from app.models.delegation import Delegation
from app.models.department import CostCentre, Department
from app.models.discussion import DiscussionMessage
from app.models.email_action import EmailActionUse
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
from app.models.payment_export import (
    BankStatement,
    BankStatementLine,
    ExportFormat,
    LineStatus,
    PaymentExport,
    PaymentExportItem,
)
from app.models.process import InstanceStatus, ProcessInstance, ProcessVersion
from app.models.task import FormKind, HumanTask, TaskStatus
from app.models.user_security import RolePolicy, UserSecurity
from app.models.webhook import (
    WebhookDelivery,
    WebhookDeliveryStatus,
    WebhookEvent,
    WebhookSubscription,
)
from app.models.worker_heartbeat import WorkerHeartbeat

__all__ = [
    "Attachment",
    "AttachmentKind",
    "AuditEvent",
    "Counterparty",
    "CostCentre",
    "Department",
    "Delegation",
    "DiscussionMessage",
    "EmailActionUse",
    "Incident",
    "IncidentStatus",
    "Invoice",
    "InvoiceApprover",
    "InvoiceStatus",
    "FormKind",
    "HumanTask",
    "InstanceStatus",
    "Payment",
    "PaymentExport",
    "PaymentExportItem",
    "BankStatement",
    "BankStatementLine",
    "ExportFormat",
    "LineStatus",
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
    "WorkerHeartbeat",
    "WebhookDelivery",
    "WebhookDeliveryStatus",
    "WebhookEvent",
    "WebhookSubscription",
]
