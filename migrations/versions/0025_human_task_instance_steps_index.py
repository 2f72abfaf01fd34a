"""an ordered, covering index of each instance's tasks for the wait heatmap

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-01 19:30:00

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0025"
down_revision = "0024"
branch_labels = None
depends_on = None


def upgrade():
    # The heatmap pairs each task with the next of its instance (a window over instance_id,
    # created_at, id): read in that order from this index, with the columns it needs, the
    # window needs no sort and no table rows. 0019's indexes stay.
    op.create_index(
        "ix_human_task_instance_steps",
        "human_task",
        ["instance_id", "created_at", "id"],
        postgresql_include=["bpmn_id", "status", "completed_at", "invoice_id"],
        postgresql_where=sa.text("status <> 'cancelled'"),
        sqlite_where=sa.text("status <> 'cancelled'"),
    )


def downgrade():
    op.drop_index("ix_human_task_instance_steps", table_name="human_task")
