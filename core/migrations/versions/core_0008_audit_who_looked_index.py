"""core: "who looked" reads a family's latest audit entries from one index (family_id, at, id)

The family page shows the last views of a family ordered by time and id; the index on (family_id, at) left
the id to a sort of every entry of that time. This index answers the ORDER BY ... LIMIT from the index alone
and replaces the narrower one (its prefix).

Revision ID: core_0008
Revises: core_0006
Create Date: 2026-11-30 19:20:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'core_0008'
down_revision = 'core_0006'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('audit_entry', schema=None) as batch_op:
        batch_op.create_index('ix_audit_entry_family_at_id', ['family_id', 'at', 'id'], unique=False)
        batch_op.drop_index('ix_audit_entry_family_at')


def downgrade():
    with op.batch_alter_table('audit_entry', schema=None) as batch_op:
        batch_op.create_index('ix_audit_entry_family_at', ['family_id', 'at'], unique=False)
        batch_op.drop_index('ix_audit_entry_family_at_id')
