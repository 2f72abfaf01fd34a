"""trigram index for counterparty name searches (PostgreSQL)

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28 00:10:00

"""
from alembic import op

# revision identifiers, used by Alembic.
revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    op.create_index(
        "ix_invoice_counterparty_name_trgm",
        "invoice",
        ["counterparty_name"],
        postgresql_using="gin",
        postgresql_ops={"counterparty_name": "gin_trgm_ops"},
    )


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.drop_index("ix_invoice_counterparty_name_trgm", table_name="invoice")
