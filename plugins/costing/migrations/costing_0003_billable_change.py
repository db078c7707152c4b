"""costing: the log of writes to billable work (the cached actual figures stay valid while it is unchanged)

Revision ID: costing_0003
Revises: costing_0002
"""
from alembic import op
import sqlalchemy as sa

revision = 'costing_0003'
down_revision = 'costing_0002'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'costing_billable_change',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('stamp', sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )


def downgrade():
    op.drop_table('costing_billable_change')
