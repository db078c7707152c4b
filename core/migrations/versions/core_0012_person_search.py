"""core: the person search's indexes in its order (a page of a common name from an index range)

``core.people.search`` orders by (family_key, given_key, person id): the family-name index gets the id as
its last column, so a family name's people come out in that order from one range scan with LIMIT (no sort
of every "Peeters Adam"), and the given-name index becomes (given_key, family_key, id), so each given
name's people come out in the search's order too. They replace ix_person_family_key_given_key and
ix_person_given_key, which they serve as well (same leading columns).

Revision ID: core_0012
Revises: core_0011
Create Date: 2026-12-01 02:00:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'core_0012'
down_revision = 'core_0011'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('person', schema=None) as batch_op:
        batch_op.create_index('ix_person_family_key_given_key_id', ['family_key', 'given_key', 'id'], unique=False)
        batch_op.create_index('ix_person_given_key_family_key_id', ['given_key', 'family_key', 'id'], unique=False)
        batch_op.drop_index('ix_person_family_key_given_key')
        batch_op.drop_index('ix_person_given_key')
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ANALYZE person")  # the planner knows the new indexes at once


def downgrade():
    with op.batch_alter_table('person', schema=None) as batch_op:
        batch_op.create_index('ix_person_given_key', ['given_key'], unique=False)
        batch_op.create_index('ix_person_family_key_given_key', ['family_key', 'given_key'], unique=False)
        batch_op.drop_index('ix_person_given_key_family_key_id')
        batch_op.drop_index('ix_person_family_key_given_key_id')
