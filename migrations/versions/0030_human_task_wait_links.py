"""each done human task keeps its waiting time and the task after it, each payment the
invoice's cycle, for the wait reports

Revision ID: 0030
Revises: 0029
Create Date: 2026-12-01 23:50:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0030"
down_revision = "0029"
branch_labels = None
depends_on = None

DONE = sa.text("status = 'done'")
NOT_CANCELLED = sa.text("status <> 'cancelled'")
ENTERED = sa.text("entered_at IS NOT NULL AND status <> 'cancelled'")
MOVE_COLUMNS = [
    "bpmn_id",
    "id",
    "next_bpmn_id",
    "next_created_at",
    "next_done_at",
    "ended_as",
    "earlier_visit_done_at",
]
WAIT_ORDERS = {
    "ix_human_task_version_wait_order": ["process_version_id", "bpmn_id", "wait_seconds"],
    "ix_human_task_stage_wait_order": ["name", "wait_seconds"],
    "ix_human_task_approver_wait_order": ["form", "completed_by_id", "wait_seconds"],
}
LINKS = (
    ("wait_seconds", sa.Float()),
    ("next_bpmn_id", sa.String(length=100)),
    ("next_created_at", sa.DateTime()),
    ("next_done_at", sa.DateTime()),
    ("ended_as", sa.String(length=20)),
    ("earlier_visit_done_at", sa.DateTime()),
    ("entered_at", sa.DateTime()),
)
# Each instance's tasks of a version in order (cancelled ones left out), the same step's done
# tasks in the order they were done, a closed invoice's status on its last: what the mirror
# writes from now on (app/workflow/step_links.py), worked out once for the tasks there are.
FILL = """
UPDATE human_task SET
    wait_seconds = CASE WHEN human_task.status = 'done' THEN {seconds} END,
    next_bpmn_id = CASE WHEN human_task.status = 'done' THEN steps.next_bpmn_id END,
    next_created_at = CASE WHEN human_task.status = 'done' THEN steps.next_created_at END,
    next_done_at = CASE WHEN human_task.status = 'done'
        AND steps.next_created_at < human_task.completed_at THEN steps.next_done_at END,
    ended_as = CASE WHEN human_task.status = 'done' THEN steps.ended_as END,
    earlier_visit_done_at = CASE WHEN human_task.status = 'done' THEN steps.earlier END,
    entered_at = steps.entered
FROM (
    SELECT t.id,
        lead(t.bpmn_id) OVER step AS next_bpmn_id,
        lead(t.created_at) OVER step AS next_created_at,
        lead(CASE WHEN t.status = 'done' THEN t.completed_at END) OVER step AS next_done_at,
        CASE WHEN lead(t.id) OVER step IS NULL
            AND v.status IN ('paid', 'rejected', 'cancelled') THEN v.status END AS ended_as,
        lag(t.completed_at) OVER visit AS earlier,
        CASE WHEN row_number() OVER step = 1 THEN i.created_at END AS entered
    FROM human_task AS t JOIN process_instance AS i ON i.id = t.instance_id
        JOIN invoice AS v ON v.id = t.invoice_id
    WHERE t.status <> 'cancelled'
    WINDOW step AS (PARTITION BY t.instance_id, t.process_version_id ORDER BY t.created_at, t.id),
        visit AS (
            PARTITION BY t.instance_id, t.process_version_id, t.bpmn_id, t.status
            ORDER BY t.completed_at, t.id
        )
) AS steps
WHERE human_task.id = steps.id
"""


CYCLES = """
UPDATE payment SET cycle_seconds = (
    SELECT {seconds} FROM process_instance WHERE process_instance.invoice_id = payment.invoice_id
)
"""


def _seconds(bind, start: str, end: str) -> str:
    if bind.dialect.name == "postgresql":
        return f"date_part('epoch', {end} - {start})"
    return f"(julianday({end}) - julianday({start})) * 86400.0"


def fill_links(bind) -> None:
    """The columns for the tasks and payments there are (bench/wait_report.py fills its seed
    this way)."""
    seconds = _seconds(bind, "human_task.created_at", "human_task.completed_at")
    bind.execute(sa.text(FILL.format(seconds=seconds)))
    seconds = _seconds(bind, "process_instance.created_at", "payment.recorded_at")
    bind.execute(sa.text(CYCLES.format(seconds=seconds)))


def upgrade():
    for name, type_ in LINKS:
        op.add_column("human_task", sa.Column(name, type_, nullable=True))
    op.add_column("payment", sa.Column("cycle_seconds", sa.Float(), nullable=True))
    fill_links(op.get_bind())
    # The cycle-time report's months and slowest invoices: no join of the instances.
    op.create_index(
        "ix_payment_recorded_cycles", "payment", ["recorded_at", "cycle_seconds", "invoice_id"]
    )
    op.create_index(
        "ix_payment_slowest_cycles", "payment", ["cycle_seconds", "invoice_id", "recorded_at"]
    )
    op.drop_index("ix_payment_recorded_at", table_name="payment")
    # The heatmap's flows and counts: a version's tasks done in a period, each with the task
    # after it, from one range of this index (no window over every task, no sort).
    op.create_index(
        "ix_human_task_version_moves",
        "human_task",
        ["process_version_id", "completed_at"],
        postgresql_include=MOVE_COLUMNS,
        postgresql_where=DONE,
        sqlite_where=DONE,
    )
    op.create_index(
        "ix_human_task_version_entries",
        "human_task",
        ["process_version_id", "entered_at"],
        postgresql_include=["bpmn_id", "created_at"],
        postgresql_where=ENTERED,
        sqlite_where=ENTERED,
    )
    # The cycle-time report's counts of the tasks done in a period, per stage and approver.
    op.create_index(
        "ix_human_task_done_holders",
        "human_task",
        ["completed_at"],
        postgresql_include=["name", "form", "completed_by_id"],
        postgresql_where=DONE,
        sqlite_where=DONE,
    )
    # Percentiles walk these in waiting-time order instead of sorting a period's tasks.
    for name, columns in WAIT_ORDERS.items():
        op.create_index(
            name,
            "human_task",
            columns,
            postgresql_include=["completed_at"],
            postgresql_where=DONE,
            sqlite_where=DONE,
        )
    # 0029's indexes for the reports, replaced by the ones above.
    for name in ("ix_human_task_version_waits", "ix_human_task_version_steps"):
        op.drop_index(name, table_name="human_task")
    for name in ("ix_human_task_done_stages", "ix_human_task_done_approvers"):
        op.drop_index(name, table_name="human_task")


def downgrade():
    op.create_index("ix_payment_recorded_at", "payment", ["recorded_at", "invoice_id"])
    op.drop_index("ix_payment_slowest_cycles", table_name="payment")
    op.drop_index("ix_payment_recorded_cycles", table_name="payment")
    with op.batch_alter_table("payment", schema=None) as batch_op:
        batch_op.drop_column("cycle_seconds")
    op.create_index(
        "ix_human_task_done_approvers",
        "human_task",
        ["form", "completed_by_id", "completed_at"],
        postgresql_include=["created_at"],
        postgresql_where=DONE,
        sqlite_where=DONE,
    )
    op.create_index(
        "ix_human_task_done_stages",
        "human_task",
        ["name", "completed_at"],
        postgresql_include=["created_at"],
        postgresql_where=DONE,
        sqlite_where=DONE,
    )
    op.create_index(
        "ix_human_task_version_steps",
        "human_task",
        ["process_version_id", "instance_id", "created_at", "id"],
        postgresql_include=["bpmn_id", "status", "completed_at", "invoice_id"],
        postgresql_where=NOT_CANCELLED,
        sqlite_where=NOT_CANCELLED,
    )
    op.create_index(
        "ix_human_task_version_waits",
        "human_task",
        ["process_version_id", "bpmn_id", "completed_at"],
        postgresql_include=["created_at", "invoice_id"],
        postgresql_where=DONE,
        sqlite_where=DONE,
    )
    for name in [*WAIT_ORDERS, "ix_human_task_done_holders"]:
        op.drop_index(name, table_name="human_task")
    for name in ("ix_human_task_version_entries", "ix_human_task_version_moves"):
        op.drop_index(name, table_name="human_task")
    with op.batch_alter_table("human_task", schema=None) as batch_op:
        for name, _type in reversed(LINKS):
            batch_op.drop_column(name)
