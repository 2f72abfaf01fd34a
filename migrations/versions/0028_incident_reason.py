"""an incident keeps its reason as data, to be read in each admin's language

Revision ID: 0028
Revises: 0027
Create Date: 2026-12-01 19:30:00

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0028"
down_revision = "0027"
branch_labels = None
depends_on = None


def upgrade():
    # {"msgid", "params"} of the failure (app.i18n.portable); incidents recorded before keep
    # their text alone (NULL here), which the page shows as it was written.
    with op.batch_alter_table("incident", schema=None) as batch_op:
        batch_op.add_column(sa.Column("reason", sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table("incident", schema=None) as batch_op:
        batch_op.drop_column("reason")
