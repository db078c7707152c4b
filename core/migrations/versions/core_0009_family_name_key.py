"""core: family_name_key, the family directory's search index (a page of a common name from one index)

One row per name key a household is found by (its label's and every member's given and family name,
folded) with the household's label_key and archived flag, indexed on (name_key, label_key, family_id): the families whose
names start with a query come out in directory order, a page at a time, instead of every match being joined
and sorted. Filled here from the existing rows; kept in step by the models (core.models).

Revision ID: core_0009
Revises: core_0008
Create Date: 2026-11-30 22:30:00

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = 'core_0009'
down_revision = 'core_0008'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('family_name_key',
    sa.Column('family_id', sa.Integer(), nullable=False),
    sa.Column('name_key', sa.String(length=200), nullable=False),
    sa.Column('label_key', sa.String(length=200), nullable=False),
    sa.Column('archived', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['family_id'], ['family.id'], name=op.f('fk_family_name_key_family_id_family'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('family_id', 'name_key', name=op.f('pk_family_name_key'))
    )
    op.execute(
        "INSERT INTO family_name_key (family_id, name_key, label_key, archived) "
        "SELECT id, label_key, label_key, archived FROM family WHERE label_key <> '' "
        "UNION SELECT fm.family_id, p.given_key, f.label_key, f.archived FROM family_member fm "
        "JOIN family f ON f.id = fm.family_id JOIN person p ON p.id = fm.person_id WHERE p.given_key <> '' "
        "UNION SELECT fm.family_id, p.family_key, f.label_key, f.archived FROM family_member fm "
        "JOIN family f ON f.id = fm.family_id JOIN person p ON p.id = fm.person_id WHERE p.family_key <> ''")
    with op.batch_alter_table('family_name_key', schema=None) as batch_op:
        batch_op.create_index('ix_family_name_key_search', ['name_key', 'label_key', 'family_id'], unique=False)
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ANALYZE family_name_key")  # the planner knows the new table at once


def downgrade():
    with op.batch_alter_table('family_name_key', schema=None) as batch_op:
        batch_op.drop_index('ix_family_name_key_search')
    op.drop_table('family_name_key')
