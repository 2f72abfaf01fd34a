"""departments and cost centres on the card

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-01 16:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0021'
down_revision = '0020'
branch_labels = None
depends_on = None

DIRECTORIES = ('department', 'cost_centre')


def upgrade():
    # Two directories admins manage; the card names one of each, optionally, for the rules.
    for table in DIRECTORIES:
        op.create_table(
            table,
            sa.Column('id', sa.Integer(), nullable=False),
            sa.Column('code', sa.String(length=32), nullable=False),
            sa.Column('name', sa.String(length=255), nullable=False),
            sa.Column('active', sa.Boolean(), nullable=False),
            sa.Column('created_at', sa.DateTime(), nullable=False),
            sa.PrimaryKeyConstraint('id', name=f'pk_{table}'),
            sa.UniqueConstraint('code', name=f'uq_{table}_code'),
        )
    with op.batch_alter_table('invoice', schema=None) as batch_op:
        for table in DIRECTORIES:
            batch_op.add_column(sa.Column(f'{table}_id', sa.Integer(), nullable=True))
            batch_op.create_foreign_key(
                f'fk_invoice_{table}_id_{table}', table, [f'{table}_id'], ['id']
            )
            batch_op.create_index(f'ix_invoice_{table}_id', [f'{table}_id'], unique=False)
    # The rules read them through decision tables (DMN), published with the diagram.
    with op.batch_alter_table('process_version', schema=None) as batch_op:
        batch_op.add_column(sa.Column('decision_tables', sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table('process_version', schema=None) as batch_op:
        batch_op.drop_column('decision_tables')
    with op.batch_alter_table('invoice', schema=None) as batch_op:
        for table in DIRECTORIES:
            batch_op.drop_index(f'ix_invoice_{table}_id')
            batch_op.drop_constraint(f'fk_invoice_{table}_id_{table}', type_='foreignkey')
            batch_op.drop_column(f'{table}_id')
    for table in reversed(DIRECTORIES):
        op.drop_table(table)
