import enum

from flask_appbuilder import Model
from sqlalchemy import (
    DDL,
    JSON,
    Boolean,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    event,
)
from sqlalchemy.orm import relationship

from app.models.base import Money, utcnow
from app.models.user import User


class InvoiceStatus(enum.StrEnum):
    DRAFT = "draft"
    IN_APPROVAL = "in_approval"
    ON_REWORK = "on_rework"
    AWAITING_PAYMENT = "awaiting_payment"
    PAID = "paid"
    REJECTED = "rejected"
    CANCELLED = "cancelled"


# A paid, rejected or cancelled invoice is closed: its process has ended for good.
CLOSED_STATUSES = frozenset({InvoiceStatus.PAID, InvoiceStatus.REJECTED, InvoiceStatus.CANCELLED})


# The card's fields may change in these statuses (a draft, or during a correction).
EDITABLE_STATUSES = (InvoiceStatus.DRAFT, InvoiceStatus.ON_REWORK)


class Invoice(Model):
    __tablename__ = "invoice"
    __table_args__ = (
        Index("ix_invoice_issue_date_id", "issue_date", "id"),
        Index("ix_invoice_amount_id", "amount", "id"),
        Index("ix_invoice_counterparty_vendor_no", "counterparty_id", "vendor_invoice_no"),
        # The list's stage choices: a loose index scan (app/services/invoice_filter.py).
        Index("ix_invoice_stage", "stage"),
        # The visibility rule's "invoices I started", read from the index alone.
        Index("ix_invoice_initiator_id_id", "initiator_id", "id"),
        # "Counterparty contains ..." searches use a trigram index on PostgreSQL.
        Index(
            "ix_invoice_counterparty_name_trgm",
            "counterparty_name",
            postgresql_using="gin",
            postgresql_ops={"counterparty_name": "gin_trgm_ops"},
        ).ddl_if(dialect="postgresql"),
    )

    id = Column(Integer, primary_key=True)
    # The short number users say aloud (#49); assigned from the id when the card is created.
    number = Column(Integer, unique=True, index=True)
    vendor_invoice_no = Column(String(64))
    amount = Column(Money, nullable=False)
    currency = Column(String(3), nullable=False, default="RUB")
    vat_amount = Column(Money)
    counterparty_id = Column(ForeignKey("counterparty.id"), nullable=False, index=True)
    # The counterparty as the invoice names it (app/services/counterparty_snapshot.py): taken
    # again at every submit and resubmit, followed while the card is editable, kept after that.
    # The name also lets the list search and sort without a join.
    counterparty_name = Column(String(255), nullable=False, index=True)
    counterparty_country = Column(String(2))
    counterparty_tax_id = Column(String(32))
    counterparty_bank_name = Column(String(255))
    counterparty_bank_bic = Column(String(16))
    counterparty_bank_account = Column(String(34))
    counterparty_kpp = Column(String(9))
    counterparty_bank_corr_account = Column(String(20))
    issue_date = Column(Date, nullable=False)
    due_date = Column(Date)
    contract_no = Column(String(64))
    client_request_no = Column(String(64))
    justification = Column(Text)
    payment_order_required = Column(Boolean, nullable=False, default=False)
    # Optional; the rules (DMN tables) read their codes from the task data.
    department_id = Column(
        ForeignKey("department.id", name="fk_invoice_department_id_department"), index=True
    )
    cost_centre_id = Column(
        ForeignKey("cost_centre.id", name="fk_invoice_cost_centre_id_cost_centre"), index=True
    )
    status = Column(String(20), nullable=False, default=InvoiceStatus.DRAFT, index=True)
    stage = Column(String(255))
    # The stage in other languages, from the diagram's `name_<lang>` ({"ru": "..."}).
    stage_translations = Column(JSON, nullable=False, default=dict)
    initiator_id = Column(ForeignKey("ab_user.id"), nullable=False, index=True)
    lock_version = Column(Integer, nullable=False, default=1)
    created_at = Column(DateTime, nullable=False, default=utcnow)
    updated_at = Column(DateTime, nullable=False, default=utcnow, onupdate=utcnow)

    counterparty = relationship("Counterparty", lazy="joined", innerjoin=True)
    initiator = relationship(User, lazy="joined", innerjoin=True)
    department = relationship("Department", lazy="joined")
    cost_centre = relationship("CostCentre", lazy="joined")
    approvers = relationship(
        "InvoiceApprover",
        order_by="InvoiceApprover.position",
        cascade="all, delete-orphan",
        lazy="selectin",
        back_populates="invoice",
    )

    # The UPDATE carries `WHERE lock_version = ?`: a concurrent save loses instead of overwriting.
    __mapper_args__ = {"version_id_col": lock_version}

    def __repr__(self) -> str:
        return f"#{self.number}"

    @property
    def is_editable(self) -> bool:
        return self.status in EDITABLE_STATUSES

    @property
    def is_closed(self) -> bool:
        return self.status in CLOSED_STATUSES


class InvoiceApprover(Model):
    __tablename__ = "invoice_approver"
    __table_args__ = (
        UniqueConstraint("invoice_id", "position", name="uq_invoice_approver_position"),
        UniqueConstraint("invoice_id", "user_id", name="uq_invoice_approver_user"),
        # The visibility rule's "invoices I approve", read from the index alone.
        Index("ix_invoice_approver_user_invoice", "user_id", "invoice_id"),
    )

    id = Column(Integer, primary_key=True)
    invoice_id = Column(ForeignKey("invoice.id"), nullable=False)
    position = Column(Integer, nullable=False)
    user_id = Column(ForeignKey("ab_user.id"), nullable=False, index=True)
    approved_at = Column(DateTime)
    # Who approved in this approver's place: the approver, or a substitute an admin named.
    approved_by_id = Column(
        ForeignKey("ab_user.id", name="fk_invoice_approver_approved_by_id_ab_user")
    )
    # Set when approved_by was a deputy (dated delegation): the absent person they acted for.
    approved_for_id = Column(
        ForeignKey("ab_user.id", name="fk_invoice_approver_approved_for_id_ab_user")
    )

    invoice = relationship("Invoice", back_populates="approvers")
    user = relationship(User, foreign_keys=[user_id], lazy="joined", innerjoin=True)
    approved_by = relationship(User, foreign_keys=[approved_by_id], lazy="joined")
    approved_for = relationship(User, foreign_keys=[approved_for_id], lazy="select")


event.listen(
    Invoice.__table__,
    "before_create",
    DDL("CREATE EXTENSION IF NOT EXISTS pg_trgm").execute_if(dialect="postgresql"),
)
