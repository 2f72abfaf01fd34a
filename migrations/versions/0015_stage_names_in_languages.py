"""stage names in languages: a task's and an invoice's stage in the diagram's name_<lang>

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-03 10:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade():
    # Empty for what ran before: those stages are shown by their name, in every language.
    with op.batch_alter_table('human_task', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('name_translations', sa.JSON(), nullable=False, server_default='{}')
        )
    with op.batch_alter_table('invoice', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('stage_translations', sa.JSON(), nullable=False, server_default='{}')
        )


def downgrade():
    with op.batch_alter_table('invoice', schema=None) as batch_op:
        batch_op.drop_column('stage_translations')
    with op.batch_alter_table('human_task', schema=None) as batch_op:
        batch_op.drop_column('name_translations')
