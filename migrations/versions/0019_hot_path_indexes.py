"""indexes of the hot path

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-01 16:00:00

"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401


# revision identifiers, used by Alembic.
revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None


def upgrade():
    # The invoice list's stage choices read the distinct stages by a loose index scan.
    with op.batch_alter_table("invoice") as batch_op:
        batch_op.create_index("ix_invoice_stage", ["stage"], unique=False)
    # The audit search's keyset pages: newest first, alone or by actor or action.
    op.create_index("ix_audit_event_created_at_id", "audit_event", ["created_at", "id"])
    op.create_index(
        "ix_audit_event_actor_created_at", "audit_event", ["actor_id", "created_at", "id"]
    )
    op.create_index(
        "ix_audit_event_action_created_at", "audit_event", ["action", "created_at", "id"]
    )
    # The wait heatmap (covering, done tasks only) and the cycle-time report.
    op.create_index(
        "ix_human_task_done_waits",
        "human_task",
        ["completed_at", "bpmn_id", "instance_id", "created_at", "invoice_id", "completed_by_id",
         "form"],
        postgresql_where=sa.text("status = 'done'"),
        sqlite_where=sa.text("status = 'done'"),
    )
    op.create_index("ix_payment_recorded_at", "payment", ["recorded_at", "invoice_id"])


def downgrade():
    op.drop_index("ix_payment_recorded_at", table_name="payment")
    op.drop_index("ix_human_task_done_waits", table_name="human_task")
    op.drop_index("ix_audit_event_action_created_at", table_name="audit_event")
    op.drop_index("ix_audit_event_actor_created_at", table_name="audit_event")
    op.drop_index("ix_audit_event_created_at_id", table_name="audit_event")
    with op.batch_alter_table("invoice") as batch_op:
        batch_op.drop_index("ix_invoice_stage")
