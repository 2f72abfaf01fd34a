"""covering indexes for the visibility rule's lookups

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-01 19:30:00

"""
from alembic import op

# revision identifiers, used by Alembic.
revision = '0027'
down_revision = '0026'
branch_labels = None
depends_on = None


def upgrade():
    # The visibility rule's branches (app/services/visibility.py) read invoice ids from the
    # index alone: "the invoices I started" and "the invoices I approve".
    with op.batch_alter_table('invoice', schema=None) as batch_op:
        batch_op.create_index('ix_invoice_initiator_id_id', ['initiator_id', 'id'], unique=False)
    with op.batch_alter_table('invoice_approver', schema=None) as batch_op:
        batch_op.create_index(
            'ix_invoice_approver_user_invoice', ['user_id', 'invoice_id'], unique=False
        )


def downgrade():
    with op.batch_alter_table('invoice_approver', schema=None) as batch_op:
        batch_op.drop_index('ix_invoice_approver_user_invoice')
    with op.batch_alter_table('invoice', schema=None) as batch_op:
        batch_op.drop_index('ix_invoice_initiator_id_id')
