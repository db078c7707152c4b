"""costing: children per group (method 2 shares the group's hours over them)

Revision ID: costing_0002
Revises: costing_0001
"""
from alembic import op
import sqlalchemy as sa

revision = 'costing_0002'
down_revision = 'costing_0001'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('costing_cost_model') as batch:
        batch.add_column(sa.Column('group_children', sa.Integer(), nullable=False, server_default='8'))


def downgrade():
    with op.batch_alter_table('costing_cost_model') as batch:
        batch.drop_column('group_children')
