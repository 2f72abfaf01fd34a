"""per-message leases of the outbox

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-01 16:00:00

"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401


# revision identifiers, used by Alembic.
revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None


CLAIMABLE = sa.text("status IN ('pending', 'sending')")
PENDING = sa.text("status = 'pending'")
WAITING = sa.text("waiting_for_server IS NOT NULL")


def upgrade():
    # Rows leased before the upgrade (pending, next_attempt_at at the lease's end) are claimed
    # again when that lease is over, as before: nothing to convert.
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.add_column(sa.Column('claimed_by', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('attempt_started_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('waiting_for_server', sa.String(length=255), nullable=True))
        batch_op.drop_index('ix_outbox_pending', postgresql_where=PENDING, sqlite_where=PENDING)
        batch_op.create_index(
            'ix_outbox_claimable',
            ['next_attempt_at', 'id'],
            unique=False,
            postgresql_where=CLAIMABLE,
            sqlite_where=CLAIMABLE,
        )
        batch_op.create_index(
            'ix_outbox_waiting_for_server',
            ['waiting_for_server', 'next_attempt_at'],
            unique=False,
            postgresql_where=WAITING,
            sqlite_where=WAITING,
        )


def downgrade():
    # An attempt whose outcome was never recorded is sent again by the old worker too.
    op.execute("UPDATE outbox SET status = 'pending' WHERE status = 'sending'")
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_index('ix_outbox_waiting_for_server')
        batch_op.drop_index('ix_outbox_claimable')
        batch_op.create_index(
            'ix_outbox_pending',
            ['next_attempt_at', 'id'],
            unique=False,
            postgresql_where=PENDING,
            sqlite_where=PENDING,
        )
        batch_op.drop_column('waiting_for_server')
        batch_op.drop_column('attempt_started_at')
        batch_op.drop_column('claimed_by')
