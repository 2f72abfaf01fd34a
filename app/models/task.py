from flask_appbuilder import Model
from sqlalchemy import JSON, Column, DateTime, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import relationship

from app.models.base import utcnow
from app.models.user import User


class TaskStatus:
    OPEN = "open"
    DONE = "done"
    CANCELLED = "cancelled"


class FormKind:
    APPROVAL = "approval"
    CORRECTION = "correction"
    PAYMENT = "payment"
    ACKNOWLEDGE = "acknowledge"
    ALL = (APPROVAL, CORRECTION, PAYMENT, ACKNOWLEDGE)


class HumanTask(Model):
    """A user task of a process, mirrored so that task lists and permission checks are SQL."""

    __tablename__ = "human_task"
    __table_args__ = (
        Index("ix_human_task_assignee_open", "assignee_user_id", "status", "created_at", "id"),
        Index("ix_human_task_role_open", "candidate_role", "status", "created_at", "id"),
        Index("ix_human_task_invoice", "invoice_id", "status"),
        Index("ix_human_task_instance", "instance_id", "status"),
        # Visibility ("offered to me, done by me, offered to my role") reads these per invoice.
        Index("ix_human_task_completed_by", "completed_by_id", "invoice_id"),
        Index("ix_human_task_assignee_invoice", "assignee_user_id", "invoice_id"),
        Index(
            "ix_human_task_role_unassigned",
            "candidate_role",
            "assignee_user_id",
            "status",
            "invoice_id",
        ),
        # The dashboard: the tasks waiting longest, and the stages done in the last weeks.
        Index(
            "ix_human_task_open_created",
            "created_at",
            "id",
            postgresql_where=text("status = 'open'"),
            sqlite_where=text("status = 'open'"),
        ),
        # Covering: the wait heatmap's percentiles per task of a version, from the index alone.
        Index(
            "ix_human_task_done_waits",
            "completed_at",
            "bpmn_id",
            "instance_id",
            "created_at",
            "invoice_id",
            "completed_by_id",
            "form",
            postgresql_where=text("status = 'done'"),
            sqlite_where=text("status = 'done'"),
        ),
        # Covering: the charts read these columns from the index alone.
        Index(
            "ix_human_task_done_completed",
            "completed_at",
            "form",
            "decision",
            "name",
            "created_at",
            "invoice_id",
            postgresql_where=text("status = 'done'"),
            sqlite_where=text("status = 'done'"),
        ),
    )

    id = Column(Integer, primary_key=True)
    task_guid = Column(String(36), nullable=False, unique=True)
    instance_id = Column(ForeignKey("process_instance.id"), nullable=False)
    invoice_id = Column(ForeignKey("invoice.id"), nullable=False)
    bpmn_id = Column(String(100), nullable=False)
    name = Column(String(255))
    name_translations = Column(JSON, nullable=False, default=dict)  # {"ru": "..."}: name_<lang>
    title_template = Column(JSON, nullable=False, default=dict)  # {"en": "...", "ru": "..."}
    title_values = Column(JSON, nullable=False, default=dict)
    lane = Column(String(100))
    form = Column(String(20), nullable=False)
    # Either a person (the assignee) or, for a task without one, every holder of a role.
    assignee_user_id = Column(ForeignKey("ab_user.id"))
    candidate_role = Column(String(100))
    round = Column(Integer, nullable=False, default=1)
    status = Column(String(12), nullable=False, default=TaskStatus.OPEN)
    created_at = Column(DateTime, nullable=False, default=utcnow)
    due_at = Column(DateTime)
    completed_at = Column(DateTime)
    completed_by_id = Column(ForeignKey("ab_user.id"))
    # Set when a deputy completed it: whose task it was (completed_by is the deputy).
    completed_for_id = Column(
        ForeignKey("ab_user.id", name="fk_human_task_completed_for_id_ab_user")
    )
    decision = Column(String(20))
    comment = Column(Text)

    assignee = relationship(User, foreign_keys=[assignee_user_id], lazy="joined")
    completed_by = relationship(User, foreign_keys=[completed_by_id], lazy="joined")
    completed_for = relationship(User, foreign_keys=[completed_for_id], lazy="select")
