"""single-use action links in task e-mails

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-01 16:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0020'
down_revision = '0019'
branch_labels = None
depends_on = None


def upgrade():
    # One row per link that acted (Approve, Return, Reject from a task e-mail): a link acts once.
    op.create_table(
        'email_action_use',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('link_digest', sa.String(length=64), nullable=False),
        sa.Column('human_task_id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('action', sa.String(length=16), nullable=False),
        sa.Column('used_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ['human_task_id'], ['human_task.id'], name='fk_email_action_use_human_task_id_human_task'
        ),
        sa.ForeignKeyConstraint(
            ['user_id'], ['ab_user.id'], name='fk_email_action_use_user_id_ab_user'
        ),
        sa.PrimaryKeyConstraint('id', name='pk_email_action_use'),
        sa.UniqueConstraint('link_digest', name='uq_email_action_use_link_digest'),
    )
    op.create_index(
        'ix_email_action_use_human_task_id', 'email_action_use', ['human_task_id'], unique=False
    )


def downgrade():
    op.drop_index('ix_email_action_use_human_task_id', table_name='email_action_use')
    op.drop_table('email_action_use')
