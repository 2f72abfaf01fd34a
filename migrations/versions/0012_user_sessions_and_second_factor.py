"""per-user session generation, password rules and the TOTP second factor

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-01 13:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'user_security',
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('session_generation', sa.Integer(), nullable=False),
        sa.Column('password_changed_at', sa.DateTime(), nullable=True),
        sa.Column('must_change_password', sa.Boolean(), nullable=False),
        sa.Column('totp_secret', sa.String(length=255), nullable=True),
        sa.Column('totp_enrolled_at', sa.DateTime(), nullable=True),
        sa.Column('totp_last_step', sa.Integer(), nullable=True),
        sa.Column('totp_failures', sa.Integer(), server_default='0', nullable=False),
        sa.Column('totp_locked_until', sa.DateTime(), nullable=True),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ['user_id'], ['ab_user.id'], name='fk_user_security_user_id_ab_user', ondelete='CASCADE'
        ),
        sa.PrimaryKeyConstraint('user_id', name='pk_user_security'),
    )
    op.create_table(
        'role_policy',
        sa.Column('role_id', sa.Integer(), nullable=False),
        sa.Column('second_factor_required', sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ['role_id'], ['ab_role.id'], name='fk_role_policy_role_id_ab_role', ondelete='CASCADE'
        ),
        sa.PrimaryKeyConstraint('role_id', name='pk_role_policy'),
    )


def downgrade():
    op.drop_table('role_policy')
    op.drop_table('user_security')
