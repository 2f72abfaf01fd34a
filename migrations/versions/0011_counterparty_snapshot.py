"""invoices keep the counterparty as it was at submit

Each invoice gets its own copy of the counterparty's country, tax id and bank details (the name
was copied already). Existing invoices are filled from their counterparty as it is now: nothing
older is known (a rename used to rewrite every invoice).

Initiators lose the right to change existing counterparties (can_write on Counterparty), which
`flask init-security` used to grant them; they keep adding new ones (can_add, granted by the next
`flask init-security`). Done here, once, rather than at every init-security, so that an admin who
later grants it again on the Roles screen is not overruled by the next deploy.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01 13:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None

COPIED = {  # invoice column -> (counterparty column, type)
    'counterparty_country': ('country', sa.String(length=2)),
    'counterparty_tax_id': ('tax_id', sa.String(length=32)),
    'counterparty_bank_name': ('bank_name', sa.String(length=255)),
    'counterparty_bank_bic': ('bank_bic', sa.String(length=16)),
    'counterparty_bank_account': ('bank_account', sa.String(length=34)),
}

REVOKE_INITIATOR_CHANGES = sa.text(
    """
    DELETE FROM ab_permission_view_role
    WHERE role_id IN (SELECT id FROM ab_role WHERE name = 'Initiator')
      AND permission_view_id IN (
        SELECT pv.id FROM ab_permission_view pv
        JOIN ab_permission p ON p.id = pv.permission_id
        JOIN ab_view_menu v ON v.id = pv.view_menu_id
        WHERE p.name = 'can_write' AND v.name = 'Counterparty'
      )
    """
)


def upgrade():
    with op.batch_alter_table('invoice') as batch_op:
        for column, (_source, type_) in COPIED.items():
            batch_op.add_column(sa.Column(column, type_, nullable=True))
    invoice = sa.table(
        'invoice', sa.column('counterparty_id'), *(sa.column(c) for c in COPIED)
    )
    counterparty = sa.table(
        'counterparty', sa.column('id'), *(sa.column(s) for s, _t in COPIED.values())
    )
    op.execute(
        invoice.update().values(
            {
                column: sa.select(counterparty.c[source])
                .where(counterparty.c.id == invoice.c.counterparty_id)
                .scalar_subquery()
                for column, (source, _type) in COPIED.items()
            }
        )
    )
    op.execute(REVOKE_INITIATOR_CHANGES)


def downgrade():
    # The permission is not granted back: the previous version's `flask init-security` does.
    with op.batch_alter_table('invoice') as batch_op:
        for column in reversed(list(COPIED)):
            batch_op.drop_column(column)
