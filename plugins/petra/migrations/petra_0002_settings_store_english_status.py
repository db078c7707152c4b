"""petra: settings into the core's store; trajectory statuses stored as English codes

1. The rows of ``petra_setting`` move into the core's ``plugin_setting`` (plugin 'petra', the value as JSON:
   a number for the numeric settings, text for the SDQ cut-offs and the region), keeping who changed them and
   when; ``petra_setting`` is dropped.
2. ``petra_trajectory.status`` holds English codes (waiting, clarifying, ongoing, closed, referred,
   not_started) instead of Dutch words; the Dutch labels stay in ``models.STATUSES``.

The downgrade restores ``petra_setting`` with the same values and the Dutch status words.

Revision ID: petra_0002
Revises: petra_0001
Create Date: 2026-12-10 10:00:00

"""
import json

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'petra_0002'
down_revision = 'petra_0001'
branch_labels = None
depends_on = 'core_0004'

PLUGIN = 'petra'
NUMERIC = {'max_months', 'warn_days', 'norm_sessie_kind', 'norm_gesprek_ouders', 'norm_school', 'norm_rondetafel',
           'norm_ouder_kind', 'fee_full', 'fee_vt', 'clarifying_max'}
STATUS = {'wachtlijst': 'waiting', 'vraagverheldering': 'clarifying', 'lopend': 'ongoing', 'afgesloten': 'closed',
          'doorverwezen': 'referred', 'niet_gestart': 'not_started'}

plugin_setting = sa.table(
    'plugin_setting', sa.column('plugin', sa.String), sa.column('key', sa.String), sa.column('value', sa.Text),
    sa.column('changed_at', sa.DateTime), sa.column('changed_by_id', sa.Integer))
petra_setting = sa.table(
    'petra_setting', sa.column('key', sa.String), sa.column('value', sa.String),
    sa.column('changed_at', sa.DateTime), sa.column('changed_by_id', sa.Integer))
trajectory = sa.table('petra_trajectory', sa.column('status', sa.String))


def _to_json(key, text):
    text = (text or '').strip()
    if key in NUMERIC:
        return json.dumps(int(text)) if text.isdigit() else None  # an unreadable number falls back on the default
    return json.dumps(text, ensure_ascii=False)


def _from_json(value):
    try:
        decoded = json.loads(value)
    except ValueError:
        return None
    return None if decoded is None else str(decoded)


def _rename_statuses(bind, mapping):
    for old, new in mapping.items():
        bind.execute(trajectory.update().where(trajectory.c.status == old).values(status=new))


def upgrade():
    bind = op.get_bind()
    rows = bind.execute(sa.select(petra_setting.c.key, petra_setting.c.value, petra_setting.c.changed_at,
                                  petra_setting.c.changed_by_id)).all()
    bind.execute(plugin_setting.delete().where(plugin_setting.c.plugin == PLUGIN))
    moved = [dict(plugin=PLUGIN, key=key, value=_to_json(key, value), changed_at=at, changed_by_id=by)
             for key, value, at, by in rows]
    moved = [m for m in moved if m['value'] is not None]
    if moved:
        bind.execute(plugin_setting.insert(), moved)
    op.drop_table('petra_setting')
    _rename_statuses(bind, STATUS)


def downgrade():
    bind = op.get_bind()
    _rename_statuses(bind, {new: old for old, new in STATUS.items()})
    op.create_table('petra_setting',
    sa.Column('key', sa.String(length=60), nullable=False),
    sa.Column('value', sa.String(length=500), nullable=False),
    sa.Column('changed_at', sa.DateTime(), nullable=False),
    sa.Column('changed_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['changed_by_id'], ['app_user.id'], name=op.f('fk_petra_setting_changed_by_id_app_user')),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_petra_setting'))
    )
    rows = bind.execute(sa.select(plugin_setting.c.key, plugin_setting.c.value, plugin_setting.c.changed_at,
                                  plugin_setting.c.changed_by_id).where(plugin_setting.c.plugin == PLUGIN)).all()
    back = [dict(key=key, value=_from_json(value), changed_at=at, changed_by_id=by) for key, value, at, by in rows]
    back = [b for b in back if b['value'] is not None and len(b['key']) <= 60]
    if back:
        bind.execute(petra_setting.insert(), back)
    bind.execute(plugin_setting.delete().where(plugin_setting.c.plugin == PLUGIN))
