"""invoices exported for payment and bank statements

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-01 16:00:00

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None


def upgrade():
    # The bank details a payment order needs beyond those the card had: KPP and the bank's
    # correspondent account, on the counterparty and on the invoice's copy of it.
    with op.batch_alter_table("counterparty", schema=None) as batch_op:
        batch_op.add_column(sa.Column("kpp", sa.String(length=9), nullable=True))
        batch_op.add_column(sa.Column("bank_corr_account", sa.String(length=20), nullable=True))
    with op.batch_alter_table("invoice", schema=None) as batch_op:
        batch_op.add_column(sa.Column("counterparty_kpp", sa.String(length=9), nullable=True))
        batch_op.add_column(
            sa.Column("counterparty_bank_corr_account", sa.String(length=20), nullable=True)
        )
    op.create_table(
        "payment_export",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("format", sa.String(length=8), nullable=False),
        sa.Column("file_name", sa.String(length=255), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("invoice_count", sa.Integer(), nullable=False),
        sa.Column("total", sa.Numeric(precision=18, scale=3), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["created_by_id"], ["ab_user.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_payment_export_created_at", "payment_export", ["created_at"])
    op.create_table(
        "payment_export_item",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("export_id", sa.Integer(), nullable=False),
        sa.Column("invoice_id", sa.Integer(), nullable=False),
        sa.Column("amount", sa.Numeric(precision=18, scale=3), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.ForeignKeyConstraint(["export_id"], ["payment_export.id"]),
        sa.ForeignKeyConstraint(["invoice_id"], ["invoice.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("invoice_id", name="uq_payment_export_item_invoice_id"),
    )
    op.create_index("ix_payment_export_item_export_id", "payment_export_item", ["export_id"])
    op.create_table(
        "bank_statement",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("file_name", sa.String(length=255), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("account", sa.String(length=34), nullable=True),
        sa.Column("period_start", sa.Date(), nullable=True),
        sa.Column("period_end", sa.Date(), nullable=True),
        sa.Column("imported_by_id", sa.Integer(), nullable=False),
        sa.Column("imported_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["imported_by_id"], ["ab_user.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("sha256", name="uq_bank_statement_sha256"),
    )
    op.create_index("ix_bank_statement_imported_at", "bank_statement", ["imported_at"])
    op.create_table(
        "bank_statement_line",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("statement_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("document_number", sa.String(length=32), nullable=True),
        sa.Column("document_date", sa.Date(), nullable=True),
        sa.Column("amount", sa.Numeric(precision=18, scale=3), nullable=False),
        sa.Column("debited_on", sa.Date(), nullable=True),
        sa.Column("credited_on", sa.Date(), nullable=True),
        sa.Column("payer_inn", sa.String(length=12), nullable=True),
        sa.Column("payer_account", sa.String(length=34), nullable=True),
        sa.Column("payer_name", sa.String(length=255), nullable=True),
        sa.Column("recipient_inn", sa.String(length=12), nullable=True),
        sa.Column("recipient_account", sa.String(length=34), nullable=True),
        sa.Column("recipient_name", sa.String(length=255), nullable=True),
        sa.Column("purpose", sa.Text(), nullable=True),
        sa.Column("fields", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("reason", sa.String(length=64), nullable=True),
        sa.Column("invoice_id", sa.Integer(), nullable=True),
        sa.Column("payment_id", sa.Integer(), nullable=True),
        sa.Column("resolved_by_id", sa.Integer(), nullable=True),
        sa.Column("resolved_at", sa.DateTime(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["statement_id"], ["bank_statement.id"]),
        sa.ForeignKeyConstraint(["invoice_id"], ["invoice.id"]),
        sa.ForeignKeyConstraint(["payment_id"], ["payment.id"]),
        sa.ForeignKeyConstraint(["resolved_by_id"], ["ab_user.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_bank_statement_line_statement_id", "bank_statement_line", ["statement_id"])
    op.create_index("ix_bank_statement_line_status", "bank_statement_line", ["status"])
    op.create_index("ix_bank_statement_line_invoice_id", "bank_statement_line", ["invoice_id"])


def downgrade():
    op.drop_table("bank_statement_line")
    op.drop_table("bank_statement")
    op.drop_table("payment_export_item")
    op.drop_table("payment_export")
    with op.batch_alter_table("invoice", schema=None) as batch_op:
        batch_op.drop_column("counterparty_bank_corr_account")
        batch_op.drop_column("counterparty_kpp")
    with op.batch_alter_table("counterparty", schema=None) as batch_op:
        batch_op.drop_column("bank_corr_account")
        batch_op.drop_column("kpp")
