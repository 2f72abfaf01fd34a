"""timer claims and worker heartbeats

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-01 16:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'worker_heartbeat',
        sa.Column('worker_id', sa.String(length=255), nullable=False),
        sa.Column('started_at', sa.DateTime(), nullable=False),
        sa.Column('beat_at', sa.DateTime(), nullable=False),
        sa.Column('last_counts', sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint('worker_id'),
    )
    with op.batch_alter_table('worker_heartbeat', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_worker_heartbeat_beat_at'), ['beat_at'], unique=False)
    # Unclaimed to begin with: the first worker after the upgrade takes what is due.
    with op.batch_alter_table('process_instance', schema=None) as batch_op:
        batch_op.add_column(sa.Column('timer_claimed_until', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('timer_claimed_by', sa.String(length=255), nullable=True))
    # Messages queued before the upgrade have no request id.
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.add_column(sa.Column('request_id', sa.String(length=64), nullable=True))


def downgrade():
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_column('request_id')
    with op.batch_alter_table('process_instance', schema=None) as batch_op:
        batch_op.drop_column('timer_claimed_by')
        batch_op.drop_column('timer_claimed_until')
    with op.batch_alter_table('worker_heartbeat', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_worker_heartbeat_beat_at'))
    op.drop_table('worker_heartbeat')
