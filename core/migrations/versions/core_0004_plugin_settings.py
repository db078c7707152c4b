"""core: one settings store for plugins (plugin_setting)

Every plugin keeps its changed settings here (``core.settings.PluginSettings``): one row per plugin and key,
the value as JSON text. Plugins move their own tables' values in with their own migrations (petra_0002,
network_0002), which depend on this revision.

Revision ID: core_0004
Revises: core_0003
Create Date: 2026-12-10 10:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'core_0004'
down_revision = 'core_0003'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('plugin_setting',
    sa.Column('plugin', sa.String(length=80), nullable=False),
    sa.Column('key', sa.String(length=80), nullable=False),
    sa.Column('value', sa.Text(), nullable=False),
    sa.Column('changed_at', sa.DateTime(), nullable=False),
    sa.Column('changed_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['changed_by_id'], ['app_user.id'], name=op.f('fk_plugin_setting_changed_by_id_app_user')),
    sa.PrimaryKeyConstraint('plugin', 'key', name=op.f('pk_plugin_setting'))
    )


def downgrade():
    op.drop_table('plugin_setting')
