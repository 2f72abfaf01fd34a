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
    UniqueConstraint,
)
from sqlalchemy.orm import deferred, relationship

from app.models.base import utcnow
from app.models.user import User


class ProcessVersion(Model):
    """One published version of a BPMN process; instances keep the version they started on."""

    __tablename__ = "process_version"
    __table_args__ = (
        UniqueConstraint("process_id", "version", name="uq_process_version_number"),
        Index("ix_process_version_current", "process_id", "is_current"),
    )

    id = Column(Integer, primary_key=True)
    process_id = Column(String(100), nullable=False)
    version = Column(Integer, nullable=False)
    # Read when asked for: a running process needs only the hash (see definition_of).
    bpmn_xml = deferred(Column(Text, nullable=False))
    # The version's decision tables ({"rules.dmn": "<definitions ...>"}), published with it.
    decision_tables = deferred(Column(JSON))
    sha256 = Column(String(64), nullable=False, index=True)
    note = Column(String(500))
    published_by_id = Column(ForeignKey("ab_user.id"))
    published_at = Column(DateTime, nullable=False, default=utcnow)
    is_current = Column(Boolean, nullable=False, default=False)

    published_by = relationship(User, lazy="joined")


class InstanceStatus:
    RUNNING = "running"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


class ProcessInstance(Model):
    """The running process of one invoice: its serialized state, without the spec."""

    __tablename__ = "process_instance"

    id = Column(Integer, primary_key=True)
    invoice_id = Column(ForeignKey("invoice.id"), nullable=False, unique=True)
    process_version_id = Column(ForeignKey("process_version.id"), nullable=False, index=True)
    state = Column(Text, nullable=False)
    serializer_version = Column(String(10), nullable=False)
    status = Column(String(20), nullable=False, default=InstanceStatus.RUNNING)
    next_timer_at = Column(DateTime, index=True)
    # A worker firing this instance's due timers leases it (app/services/timers.py): no other
    # worker takes it before the lease ends, so a timer fires once however many workers run.
    timer_claimed_until = Column(DateTime)
    timer_claimed_by = Column(String(255))
    lock_version = Column(Integer, nullable=False, default=1)
    created_at = Column(DateTime, nullable=False, default=utcnow)
    updated_at = Column(DateTime, nullable=False, default=utcnow, onupdate=utcnow)

    process_version = relationship(ProcessVersion, lazy="joined")

    # Saving compares lock_version: of two concurrent decisions only one can save its state.
    __mapper_args__ = {"version_id_col": lock_version}


class ProcessDraft(Model):
    """An analyst's work in progress: saved, linted, reopened; published when clean."""

    __tablename__ = "process_draft"

    id = Column(Integer, primary_key=True)
    process_id = Column(String(100), nullable=False, index=True)
    bpmn_xml = Column(Text, nullable=False)
    # The draft's decision tables ({file name: DMN XML}), saved and published with the diagram.
    decision_tables = deferred(Column(JSON))
    based_on_version = Column(Integer)
    saved_by_id = Column(ForeignKey("ab_user.id"), nullable=False)
    saved_at = Column(DateTime, nullable=False, default=utcnow)
    problems = Column(JSON, nullable=False, default=list)
    published_version_id = Column(ForeignKey("process_version.id"))

    saved_by = relationship(User, lazy="joined")
