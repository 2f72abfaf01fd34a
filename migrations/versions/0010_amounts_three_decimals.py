"""amounts with three decimal places: currencies such as KWD have three minor units

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01 11:45:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None

COLUMNS = {'invoice': ('amount', 'vat_amount'), 'payment': ('amount',)}
NULLABLE = {('invoice', 'vat_amount')}


def _retype(scale_from, scale_to):
    for table, columns in COLUMNS.items():
        with op.batch_alter_table(table) as batch_op:
            for column in columns:
                batch_op.alter_column(
                    column,
                    existing_type=sa.Numeric(precision=18, scale=scale_from),
                    type_=sa.Numeric(precision=18, scale=scale_to),
                    existing_nullable=(table, column) in NULLABLE,
                )


def upgrade():
    _retype(2, 3)


def downgrade():
    # Amounts with a third decimal place (KWD, BHD, ...) are rounded to two on the way down.
    _retype(3, 2)
