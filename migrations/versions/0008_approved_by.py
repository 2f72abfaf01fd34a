"""who approved for each approver (the approver, or a substitute an admin named)

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-28 03:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('invoice_approver', schema=None) as batch_op:
        batch_op.add_column(sa.Column('approved_by_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            'fk_invoice_approver_approved_by_id_ab_user', 'ab_user', ['approved_by_id'], ['id']
        )


def downgrade():
    with op.batch_alter_table('invoice_approver', schema=None) as batch_op:
        batch_op.drop_constraint('fk_invoice_approver_approved_by_id_ab_user', type_='foreignkey')
        batch_op.drop_column('approved_by_id')
