"""decision tables saved with a process draft

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-01 19:15:00

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None


def upgrade():
    # A draft keeps its decision tables ({file name: DMN XML}) as a version does (0021).
    with op.batch_alter_table("process_draft", schema=None) as batch_op:
        batch_op.add_column(sa.Column("decision_tables", sa.JSON(), nullable=True))
    # Drafts saved before held no tables: the editor opened them with their version's tables,
    # so they keep those.
    draft = sa.table(
        "process_draft",
        sa.column("process_id", sa.String),
        sa.column("based_on_version", sa.Integer),
        sa.column("decision_tables", sa.JSON),
    )
    version = sa.table(
        "process_version",
        sa.column("process_id", sa.String),
        sa.column("version", sa.Integer),
        sa.column("decision_tables", sa.JSON),
    )
    tables_of_its_version = (
        sa.select(version.c.decision_tables)
        .where(
            version.c.process_id == draft.c.process_id,
            version.c.version == draft.c.based_on_version,
        )
        .scalar_subquery()
    )
    op.execute(
        draft.update()
        .where(draft.c.based_on_version.is_not(None))
        .values(decision_tables=tables_of_its_version)
    )


def downgrade():
    with op.batch_alter_table("process_draft", schema=None) as batch_op:
        batch_op.drop_column("decision_tables")
