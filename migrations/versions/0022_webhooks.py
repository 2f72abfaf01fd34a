"""webhook subscriptions and deliveries

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-01 16:00:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None

CLAIMABLE = "status IN ('pending', 'sending')"


def upgrade():
    op.create_table(
        "webhook_subscription",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("url", sa.String(length=2000), nullable=False),
        sa.Column("description", sa.String(length=200), nullable=False),
        sa.Column("events", sa.JSON(), nullable=False),
        sa.Column("secret", sa.String(length=255), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["created_by_id"], ["ab_user.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "webhook_delivery",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("subscription_id", sa.Integer(), nullable=False),
        sa.Column("delivery_uid", sa.String(length=36), nullable=False),
        sa.Column("event", sa.String(length=30), nullable=False),
        sa.Column("invoice_id", sa.Integer(), nullable=True),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("audit_event_id", sa.Integer(), nullable=True),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(), nullable=False),
        sa.Column("claimed_by", sa.String(length=64), nullable=True),
        sa.Column("attempt_started_at", sa.DateTime(), nullable=True),
        sa.Column("last_status_code", sa.Integer(), nullable=True),
        sa.Column("last_response", sa.Text(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("redelivery_of_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("delivered_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["subscription_id"], ["webhook_subscription.id"]),
        sa.ForeignKeyConstraint(["invoice_id"], ["invoice.id"]),
        sa.ForeignKeyConstraint(["audit_event_id"], ["audit_event.id"]),
        sa.ForeignKeyConstraint(["redelivery_of_id"], ["webhook_delivery.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("delivery_uid"),
    )
    op.create_index(
        "ix_webhook_delivery_claimable",
        "webhook_delivery",
        ["next_attempt_at", "id"],
        postgresql_where=sa.text(CLAIMABLE),
        sqlite_where=sa.text(CLAIMABLE),
    )
    op.create_index(
        "ix_webhook_delivery_waiting",
        "webhook_delivery",
        ["subscription_id", "invoice_id", "sequence", "id"],
        postgresql_where=sa.text(CLAIMABLE),
        sqlite_where=sa.text(CLAIMABLE),
    )
    op.create_index("ix_webhook_delivery_log", "webhook_delivery", ["subscription_id", "id"])
    op.create_index(
        "ix_webhook_delivery_redelivery_of",
        "webhook_delivery",
        ["redelivery_of_id"],
        postgresql_where=sa.text("redelivery_of_id IS NOT NULL"),
        sqlite_where=sa.text("redelivery_of_id IS NOT NULL"),
    )


def downgrade():
    op.drop_index("ix_webhook_delivery_redelivery_of", table_name="webhook_delivery")
    op.drop_index("ix_webhook_delivery_log", table_name="webhook_delivery")
    op.drop_index("ix_webhook_delivery_waiting", table_name="webhook_delivery")
    op.drop_index("ix_webhook_delivery_claimable", table_name="webhook_delivery")
    op.drop_table("webhook_delivery")
    op.drop_table("webhook_subscription")
