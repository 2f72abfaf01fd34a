"""each human task names the process version it came from, for the wait reports

Revision ID: 0029
Revises: 0028
Create Date: 2026-12-01 20:20:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0029"
down_revision = "0028"
branch_labels = None
depends_on = None

STEP_COLUMNS = ["bpmn_id", "status", "completed_at", "invoice_id"]


def upgrade():
    # The version of the task's instance, copied when the mirror creates the task: the wait
    # heatmap reads a version's waits as one index range, with no join of the instances.
    with op.batch_alter_table("human_task", schema=None) as batch_op:
        batch_op.add_column(sa.Column("process_version_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            "fk_human_task_process_version_id_process_version",
            "process_version",
            ["process_version_id"],
            ["id"],
        )
    op.execute(
        "UPDATE human_task SET process_version_id = ("
        "SELECT process_instance.process_version_id FROM process_instance"
        " WHERE process_instance.id = human_task.instance_id)"
    )
    op.create_index(
        "ix_human_task_version_waits",
        "human_task",
        ["process_version_id", "bpmn_id", "completed_at"],
        postgresql_include=["created_at", "invoice_id"],
        postgresql_where=sa.text("status = 'done'"),
        sqlite_where=sa.text("status = 'done'"),
    )
    # The heatmap's flows walk each instance's tasks of one version in order: this index, led
    # by the version, replaces 0025's (the heatmap was its only reader).
    op.create_index(
        "ix_human_task_version_steps",
        "human_task",
        ["process_version_id", "instance_id", "created_at", "id"],
        postgresql_include=STEP_COLUMNS,
        postgresql_where=sa.text("status <> 'cancelled'"),
        sqlite_where=sa.text("status <> 'cancelled'"),
    )
    op.drop_index("ix_human_task_instance_steps", table_name="human_task")
    # The cycle-time report's stages and approvers, grouped in index order (no sort).
    op.create_index(
        "ix_human_task_done_stages",
        "human_task",
        ["name", "completed_at"],
        postgresql_include=["created_at"],
        postgresql_where=sa.text("status = 'done'"),
        sqlite_where=sa.text("status = 'done'"),
    )
    op.create_index(
        "ix_human_task_done_approvers",
        "human_task",
        ["form", "completed_by_id", "completed_at"],
        postgresql_include=["created_at"],
        postgresql_where=sa.text("status = 'done'"),
        sqlite_where=sa.text("status = 'done'"),
    )


def downgrade():
    op.drop_index("ix_human_task_done_approvers", table_name="human_task")
    op.drop_index("ix_human_task_done_stages", table_name="human_task")
    op.create_index(
        "ix_human_task_instance_steps",
        "human_task",
        ["instance_id", "created_at", "id"],
        postgresql_include=STEP_COLUMNS,
        postgresql_where=sa.text("status <> 'cancelled'"),
        sqlite_where=sa.text("status <> 'cancelled'"),
    )
    op.drop_index("ix_human_task_version_steps", table_name="human_task")
    op.drop_index("ix_human_task_version_waits", table_name="human_task")
    with op.batch_alter_table("human_task", schema=None) as batch_op:
        batch_op.drop_constraint(
            "fk_human_task_process_version_id_process_version", type_="foreignkey"
        )
        batch_op.drop_column("process_version_id")
