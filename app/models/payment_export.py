"""Export for payment and the bank's statement coming back.

An export batch is the file handed to the bank client (1C Client-Bank format, or CSV): who made
it, when, its SHA-256, and the file itself, so the same bytes can be downloaded again. Each
invoice is in at most one batch that is not cancelled (the partial unique index): none is
exported twice. Cancelling a batch (before any of its invoices is paid) frees its invoices for
another; the cancelled batch and its file are kept.

A bank statement is a file imported from the bank; each of its documents is a line, matched to
an invoice awaiting payment (a proposal a finance director confirms) or left for a person to
resolve. A confirmed line names the payment it became.
"""

from __future__ import annotations

import enum

from flask_appbuilder import Model
from sqlalchemy import (
    JSON,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import relationship

from app.models.base import Money, utcnow
from app.models.user import User


class ExportFormat(enum.StrEnum):
    CLIENT_BANK = "1c"
    CSV = "csv"


class LineStatus(enum.StrEnum):
    PROPOSED = "proposed"  # matched to an invoice; waits for a finance director's confirmation
    PAID = "paid"  # confirmed: the invoice's payment records this line
    UNMATCHED = "unmatched"  # no invoice found; a person resolves it
    DISMISSED = "dismissed"  # a person said it pays no invoice here (with a note)


class PaymentExport(Model):
    __tablename__ = "payment_export"

    id = Column(Integer, primary_key=True)
    format = Column(String(8), nullable=False)
    file_name = Column(String(255), nullable=False)
    sha256 = Column(String(64), nullable=False)
    content = Column(LargeBinary, nullable=False)
    invoice_count = Column(Integer, nullable=False)
    total = Column(Money, nullable=False)
    currency = Column(String(3))  # None: several currencies (a CSV batch)
    created_by_id = Column(ForeignKey("ab_user.id"), nullable=False)
    created_at = Column(DateTime, nullable=False, default=utcnow, index=True)
    cancelled_at = Column(DateTime)
    cancelled_by_id = Column(ForeignKey("ab_user.id"))
    cancel_reason = Column(Text)

    created_by = relationship(User, lazy="joined", innerjoin=True, foreign_keys=[created_by_id])
    cancelled_by = relationship(User, lazy="joined", foreign_keys=[cancelled_by_id])
    items = relationship(
        "PaymentExportItem", order_by="PaymentExportItem.id", lazy="selectin", viewonly=True
    )

    @property
    def cancelled(self) -> bool:
        return self.cancelled_at is not None


class PaymentExportItem(Model):
    __tablename__ = "payment_export_item"
    __table_args__ = (
        # An invoice is in one batch that is not cancelled; cancelled ones may hold it too.
        Index(
            "uq_payment_export_item_open_invoice",
            "invoice_id",
            unique=True,
            postgresql_where=text("cancelled_at IS NULL"),
            sqlite_where=text("cancelled_at IS NULL"),
        ),
        Index("ix_payment_export_item_invoice_id", "invoice_id"),
    )

    id = Column(Integer, primary_key=True)
    export_id = Column(ForeignKey("payment_export.id"), nullable=False, index=True)
    invoice_id = Column(ForeignKey("invoice.id"), nullable=False)
    amount = Column(Money, nullable=False)
    currency = Column(String(3), nullable=False)
    # The batch's cancellation copied here: the unique index can only read this table.
    cancelled_at = Column(DateTime)

    invoice = relationship("Invoice", lazy="joined", innerjoin=True)


class BankStatement(Model):
    __tablename__ = "bank_statement"
    __table_args__ = (UniqueConstraint("sha256", name="uq_bank_statement_sha256"),)

    id = Column(Integer, primary_key=True)
    file_name = Column(String(255), nullable=False)
    sha256 = Column(String(64), nullable=False)
    account = Column(String(34))
    period_start = Column(Date)
    period_end = Column(Date)
    imported_by_id = Column(ForeignKey("ab_user.id"), nullable=False)
    imported_at = Column(DateTime, nullable=False, default=utcnow, index=True)

    imported_by = relationship(User, lazy="joined", innerjoin=True)
    lines = relationship(
        "BankStatementLine", order_by="BankStatementLine.position", lazy="selectin", viewonly=True
    )


class BankStatementLine(Model):
    __tablename__ = "bank_statement_line"

    id = Column(Integer, primary_key=True)
    statement_id = Column(ForeignKey("bank_statement.id"), nullable=False, index=True)
    position = Column(Integer, nullable=False)
    document_number = Column(String(32))
    document_date = Column(Date)
    amount = Column(Money, nullable=False)
    debited_on = Column(Date)  # ДатаСписано: money left the payer's account
    credited_on = Column(Date)  # ДатаПоступило
    payer_inn = Column(String(12))
    payer_account = Column(String(34))
    payer_name = Column(String(255))
    recipient_inn = Column(String(12))
    recipient_account = Column(String(34))
    recipient_name = Column(String(255))
    purpose = Column(Text)
    fields = Column(JSON, nullable=False, default=dict)  # every key of the section, as read
    status = Column(String(12), nullable=False, index=True)
    reason = Column(String(64))  # why a line is unmatched (a code; the screen says it in words)
    invoice_id = Column(ForeignKey("invoice.id"), index=True)
    payment_id = Column(ForeignKey("payment.id"))
    resolved_by_id = Column(ForeignKey("ab_user.id"))
    resolved_at = Column(DateTime)
    note = Column(Text)

    invoice = relationship("Invoice", lazy="joined")
