"""webhook secret rotation and edits; cancelled payment export batches

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-01 19:10:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0026"
down_revision = "0025"
branch_labels = None
depends_on = None

OPEN_ITEM = "cancelled_at IS NULL"


def upgrade():
    with op.batch_alter_table("webhook_subscription", schema=None) as batch_op:
        batch_op.add_column(sa.Column("previous_secret", sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column("previous_secret_until", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("secret_rotated_at", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("updated_at", sa.DateTime(), nullable=True))
    with op.batch_alter_table("payment_export", schema=None) as batch_op:
        batch_op.add_column(sa.Column("cancelled_at", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("cancelled_by_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("cancel_reason", sa.Text(), nullable=True))
        batch_op.create_foreign_key(
            "fk_payment_export_cancelled_by_id_ab_user", "ab_user", ["cancelled_by_id"], ["id"]
        )
    # "In one batch only" becomes "in one batch that is not cancelled".
    with op.batch_alter_table("payment_export_item", schema=None) as batch_op:
        batch_op.add_column(sa.Column("cancelled_at", sa.DateTime(), nullable=True))
        batch_op.drop_constraint("uq_payment_export_item_invoice_id", type_="unique")
    op.create_index(
        "uq_payment_export_item_open_invoice",
        "payment_export_item",
        ["invoice_id"],
        unique=True,
        postgresql_where=sa.text(OPEN_ITEM),
        sqlite_where=sa.text(OPEN_ITEM),
    )
    op.create_index("ix_payment_export_item_invoice_id", "payment_export_item", ["invoice_id"])


def downgrade():
    # Fails while an invoice is in a cancelled batch and another one: nothing to merge them into.
    op.drop_index("ix_payment_export_item_invoice_id", table_name="payment_export_item")
    op.drop_index("uq_payment_export_item_open_invoice", table_name="payment_export_item")
    with op.batch_alter_table("payment_export_item", schema=None) as batch_op:
        batch_op.create_unique_constraint("uq_payment_export_item_invoice_id", ["invoice_id"])
        batch_op.drop_column("cancelled_at")
    with op.batch_alter_table("payment_export", schema=None) as batch_op:
        batch_op.drop_constraint("fk_payment_export_cancelled_by_id_ab_user", type_="foreignkey")
        batch_op.drop_column("cancel_reason")
        batch_op.drop_column("cancelled_by_id")
        batch_op.drop_column("cancelled_at")
    with op.batch_alter_table("webhook_subscription", schema=None) as batch_op:
        batch_op.drop_column("updated_at")
        batch_op.drop_column("secret_rotated_at")
        batch_op.drop_column("previous_secret_until")
        batch_op.drop_column("previous_secret")
