"""incidents: processes that failed at run time, for admins to fix and retry; submitted cards
that an acknowledge first stage had left in draft are frozen (in approval)

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01 10:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'incident',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('invoice_id', sa.Integer(), nullable=False),
        sa.Column('process_version_id', sa.Integer(), nullable=True),
        sa.Column('element_id', sa.String(length=255), nullable=True),
        sa.Column('action', sa.String(length=40), nullable=False),
        sa.Column('error', sa.Text(), nullable=False),
        sa.Column('actor_id', sa.Integer(), nullable=True),
        sa.Column('status', sa.String(length=20), nullable=False),
        sa.Column('occurrences', sa.Integer(), nullable=False),
        sa.Column('opened_at', sa.DateTime(), nullable=False),
        sa.Column('last_seen_at', sa.DateTime(), nullable=False),
        sa.Column('resolved_at', sa.DateTime(), nullable=True),
        sa.Column('resolved_by_id', sa.Integer(), nullable=True),
        sa.Column('resolution', sa.String(length=500), nullable=True),
        sa.ForeignKeyConstraint(['invoice_id'], ['invoice.id'], name='fk_incident_invoice_id_invoice'),
        sa.ForeignKeyConstraint(
            ['process_version_id'], ['process_version.id'],
            name='fk_incident_process_version_id_process_version',
        ),
        sa.ForeignKeyConstraint(['actor_id'], ['ab_user.id'], name='fk_incident_actor_id_ab_user'),
        sa.ForeignKeyConstraint(
            ['resolved_by_id'], ['ab_user.id'], name='fk_incident_resolved_by_id_ab_user'
        ),
        sa.PrimaryKeyConstraint('id', name='pk_incident'),
    )
    op.create_index('ix_incident_invoice_id', 'incident', ['invoice_id'], unique=False)
    op.create_index('ix_incident_open', 'incident', ['status', 'last_seen_at'], unique=False)
    # A card stays editable only while no process runs on it (or a correction task is open).
    op.execute(
        "UPDATE invoice SET status = 'in_approval' WHERE status = 'draft' AND id IN "
        "(SELECT invoice_id FROM process_instance WHERE status = 'running')"
    )


def downgrade():
    op.drop_index('ix_incident_open', table_name='incident')
    op.drop_index('ix_incident_invoice_id', table_name='incident')
    op.drop_table('incident')
