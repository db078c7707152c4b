"""core: team.phone, the number a worker calls to reach a team (shown on the no-access page of a family)

Nullable: existing teams have no number until an admin gives one (Beheer > Teams).

Revision ID: core_0011
Revises: core_0010
Create Date: 2026-12-01 01:45:00

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = 'core_0011'
down_revision = 'core_0010'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('team', schema=None) as batch_op:
        batch_op.add_column(sa.Column('phone', sa.String(length=40), nullable=True))


def downgrade():
    with op.batch_alter_table('team', schema=None) as batch_op:
        batch_op.drop_column('phone')
