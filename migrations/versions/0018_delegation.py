"""dated deputies

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-01 16:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'delegation',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('deputy_id', sa.Integer(), nullable=False),
        sa.Column('starts_on', sa.Date(), nullable=False),
        sa.Column('ends_on', sa.Date(), nullable=False),
        sa.Column('time_zone', sa.String(length=64), nullable=False),
        sa.Column('starts_at', sa.DateTime(), nullable=False),
        sa.Column('ends_at', sa.DateTime(), nullable=False),
        sa.Column('note', sa.Text(), nullable=True),
        sa.Column('created_by_id', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('cancelled_at', sa.DateTime(), nullable=True),
        sa.Column('cancelled_by_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['user_id'], ['ab_user.id'], name='fk_delegation_user_id_ab_user'),
        sa.ForeignKeyConstraint(
            ['deputy_id'], ['ab_user.id'], name='fk_delegation_deputy_id_ab_user'
        ),
        sa.ForeignKeyConstraint(
            ['created_by_id'], ['ab_user.id'], name='fk_delegation_created_by_id_ab_user'
        ),
        sa.ForeignKeyConstraint(
            ['cancelled_by_id'], ['ab_user.id'], name='fk_delegation_cancelled_by_id_ab_user'
        ),
        sa.PrimaryKeyConstraint('id', name='pk_delegation'),
    )
    op.create_index('ix_delegation_user_period', 'delegation', ['user_id', 'ends_at'])
    op.create_index('ix_delegation_deputy_period', 'delegation', ['deputy_id', 'ends_at'])
    # "Anna Petrova for Ivan Sidorov": whose task a deputy completed, whose approval they gave.
    with op.batch_alter_table('human_task', schema=None) as batch_op:
        batch_op.add_column(sa.Column('completed_for_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            'fk_human_task_completed_for_id_ab_user', 'ab_user', ['completed_for_id'], ['id']
        )
    with op.batch_alter_table('invoice_approver', schema=None) as batch_op:
        batch_op.add_column(sa.Column('approved_for_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            'fk_invoice_approver_approved_for_id_ab_user', 'ab_user', ['approved_for_id'], ['id']
        )


def downgrade():
    with op.batch_alter_table('invoice_approver', schema=None) as batch_op:
        batch_op.drop_constraint('fk_invoice_approver_approved_for_id_ab_user', type_='foreignkey')
        batch_op.drop_column('approved_for_id')
    with op.batch_alter_table('human_task', schema=None) as batch_op:
        batch_op.drop_constraint('fk_human_task_completed_for_id_ab_user', type_='foreignkey')
        batch_op.drop_column('completed_for_id')
    op.drop_index('ix_delegation_deputy_period', table_name='delegation')
    op.drop_index('ix_delegation_user_period', table_name='delegation')
    op.drop_table('delegation')
