"""core: cache_version, the number that tells every server process that what it holds changed (core.held)

Read with the logged-in user in one query, so a request pays no query for which plugins a team switched on.

Revision ID: core_0010
Revises: core_0008
Create Date: 2026-11-30 22:40:00

"""
import secrets

import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = 'core_0010'
down_revision = 'core_0008'
branch_labels = None
depends_on = None


def upgrade():
    table = op.create_table(
        'cache_version',
        sa.Column('name', sa.String(length=40), nullable=False),
        sa.Column('version', sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint('name', name=op.f('pk_cache_version')),
    )
    op.bulk_insert(table, [{'name': 'held', 'version': secrets.randbits(62)}])


def downgrade():
    op.drop_table('cache_version')
