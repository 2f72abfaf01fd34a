from flask_appbuilder import Model
from sqlalchemy import (
    JSON,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    text,
)
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
        # Covering: done tasks by completion (0019); the wait reports read the indexes below.
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
        # The wait reports (migration 0030). A version's tasks done in a period, with the step
        # that came after each: the heatmap's flows and counts from one range of the index.
        Index(
            "ix_human_task_version_moves",
            "process_version_id",
            "completed_at",
            postgresql_include=[
                "bpmn_id",
                "id",
                "next_bpmn_id",
                "next_created_at",
                "next_done_at",
                "ended_as",
                "earlier_visit_done_at",
            ],
            postgresql_where=text("status = 'done'"),
            sqlite_where=text("status = 'done'"),
        ),
        # Each version's first steps by their invoice's submit: the flows from the start event.
        Index(
            "ix_human_task_version_entries",
            "process_version_id",
            "entered_at",
            postgresql_include=["bpmn_id", "created_at"],
            postgresql_where=text("entered_at IS NOT NULL AND status <> 'cancelled'"),
            sqlite_where=text("entered_at IS NOT NULL AND status <> 'cancelled'"),
        ),
        # The cycle-time report's tasks done in a period, per stage and approver.
        Index(
            "ix_human_task_done_holders",
            "completed_at",
            postgresql_include=["name", "form", "completed_by_id"],
            postgresql_where=text("status = 'done'"),
            sqlite_where=text("status = 'done'"),
        ),
        # In waiting-time order: a median or a 90th percentile is the row at an offset from
        # one end of a group (app/services/wait_percentiles.py), found without a sort.
        Index(
            "ix_human_task_version_wait_order",
            "process_version_id",
            "bpmn_id",
            "wait_seconds",
            postgresql_include=["completed_at"],
            postgresql_where=text("status = 'done'"),
            sqlite_where=text("status = 'done'"),
        ),
        Index(
            "ix_human_task_stage_wait_order",
            "name",
            "wait_seconds",
            postgresql_include=["completed_at"],
            postgresql_where=text("status = 'done'"),
            sqlite_where=text("status = 'done'"),
        ),
        Index(
            "ix_human_task_approver_wait_order",
            "form",
            "completed_by_id",
            "wait_seconds",
            postgresql_include=["completed_at"],
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
    # The version whose diagram the task came from (its instance's when it was created): the
    # wait reports filter by it without joining the instances. Written by the mirror only.
    process_version_id = Column(
        ForeignKey("process_version.id", name="fk_human_task_process_version_id_process_version")
    )
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
    # Read by the wait reports, written by the mirror only (app/workflow/step_links.py).
    wait_seconds = Column(Float)  # completed_at - created_at of a done task
    # The next task of the instance and version (cancelled ones left out), on a done task.
    next_bpmn_id = Column(String(100))
    next_created_at = Column(DateTime)
    next_done_at = Column(DateTime)  # its completed_at, if it began before this one was done
    ended_as = Column(String(20))  # on the last done task: the status its invoice ended with
    # When the same step of the same invoice was done before (a return brings it back).
    earlier_visit_done_at = Column(DateTime)
    entered_at = Column(DateTime)  # on the first task of a version: its instance's creation

    assignee = relationship(User, foreign_keys=[assignee_user_id], lazy="joined")
    completed_by = relationship(User, foreign_keys=[completed_by_id], lazy="joined")
    completed_for = relationship(User, foreign_keys=[completed_for_id], lazy="select")
