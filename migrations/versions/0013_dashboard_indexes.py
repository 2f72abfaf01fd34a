"""dashboard indexes: open tasks by age, done tasks by completion, failed mails

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-01 14:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None

OPEN = sa.text("status = 'open'")
DONE = sa.text("status = 'done'")
FAILED = sa.text("status = 'failed'")


def upgrade():
    with op.batch_alter_table('human_task', schema=None) as batch_op:
        batch_op.create_index(
            'ix_human_task_open_created', ['created_at', 'id'], unique=False,
            postgresql_where=OPEN, sqlite_where=OPEN,
        )
        batch_op.create_index(
            'ix_human_task_done_completed',
            ['completed_at', 'form', 'decision', 'name', 'created_at', 'invoice_id'],
            unique=False,
            postgresql_where=DONE, sqlite_where=DONE,
        )
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.create_index(
            'ix_outbox_failed', ['id'], unique=False,
            postgresql_where=FAILED, sqlite_where=FAILED,
        )


def downgrade():
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_index('ix_outbox_failed', postgresql_where=FAILED, sqlite_where=FAILED)
    with op.batch_alter_table('human_task', schema=None) as batch_op:
        batch_op.drop_index('ix_human_task_done_completed', postgresql_where=DONE, sqlite_where=DONE)
        batch_op.drop_index('ix_human_task_open_created', postgresql_where=OPEN, sqlite_where=OPEN)
