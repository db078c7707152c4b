"""network: settings into the core's store; referral statuses stored as English codes

1. The rows of ``network_setting`` (``stale_months``) move into the core's ``plugin_setting`` (plugin
   'network', the value as JSON), keeping who changed them and when; ``network_setting`` is dropped.
2. ``network_referral.waiting_status`` and ``.outcome`` hold English codes instead of Dutch words (the Dutch
   labels stay in ``models.WAITING_STATUSES`` and ``models.OUTCOMES``).
3. The partner change log showed those codes as they were stored; it now keeps the Dutch labels, as a person
   reads them, so the rows already written get their labels too.

The downgrade restores ``network_setting`` with the same values, the Dutch codes and the logged codes.

Revision ID: network_0002
Revises: network_0001
Create Date: 2026-12-10 10:00:00

"""
import json

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'network_0002'
down_revision = 'network_0001'
branch_labels = None
depends_on = 'core_0004'

PLUGIN = 'network'
NUMERIC = {'stale_months'}
WAITING = {'aangemeld': 'registered', 'wachtlijst': 'waiting', 'gestart': 'started', 'niet_gestart': 'not_started'}
OUTCOME = {'lopend': 'ongoing', 'afgerond': 'completed', 'niet_opgenomen': 'declined', 'geweigerd': 'refused',
           'doorverwezen': 'referred'}  # 'open' stays 'open'
WAITING_LABELS = {'aangemeld': 'Aangemeld', 'wachtlijst': 'Op de wachtlijst', 'gestart': 'Hulp gestart',
                  'niet_gestart': 'Niet gestart'}
OUTCOME_LABELS = {'open': 'Nog open', 'lopend': 'Loopt', 'afgerond': 'Afgerond',
                  'niet_opgenomen': 'Gezin ging niet in op het aanbod', 'geweigerd': 'Niet aanvaard door de partner',
                  'doorverwezen': 'Verder doorverwezen'}

plugin_setting = sa.table(
    'plugin_setting', sa.column('plugin', sa.String), sa.column('key', sa.String), sa.column('value', sa.Text),
    sa.column('changed_at', sa.DateTime), sa.column('changed_by_id', sa.Integer))
network_setting = sa.table(
    'network_setting', sa.column('name', sa.String), sa.column('value', sa.String),
    sa.column('updated_at', sa.DateTime), sa.column('updated_by_id', sa.Integer))
referral = sa.table('network_referral', sa.column('waiting_status', sa.String), sa.column('outcome', sa.String))
change = sa.table('network_partner_change', sa.column('object_type', sa.String), sa.column('field', sa.String),
                  sa.column('old_value', sa.Text), sa.column('new_value', sa.Text))


def _to_json(key, text):
    text = (text or '').strip()
    if key in NUMERIC:
        return json.dumps(int(text)) if text.isdigit() else None
    return json.dumps(text, ensure_ascii=False)


def _from_json(value):
    try:
        decoded = json.loads(value)
    except ValueError:
        return None
    return None if decoded is None else str(decoded)


def _rename(bind, column, mapping):
    for old, new in mapping.items():
        bind.execute(referral.update().where(referral.c[column] == old).values({column: new}))


def _relabel_log(bind, field, mapping):
    for old, new in mapping.items():
        for col in ('old_value', 'new_value'):
            bind.execute(change.update().where(change.c.object_type == 'referral', change.c.field == field,
                                               change.c[col] == old).values({col: new}))


def upgrade():
    bind = op.get_bind()
    rows = bind.execute(sa.select(network_setting.c.name, network_setting.c.value, network_setting.c.updated_at,
                                  network_setting.c.updated_by_id)).all()
    bind.execute(plugin_setting.delete().where(plugin_setting.c.plugin == PLUGIN))
    moved = [dict(plugin=PLUGIN, key=name, value=_to_json(name, value), changed_at=at, changed_by_id=by)
             for name, value, at, by in rows]
    moved = [m for m in moved if m['value'] is not None]
    if moved:
        bind.execute(plugin_setting.insert(), moved)
    op.drop_table('network_setting')
    _rename(bind, 'waiting_status', WAITING)
    _rename(bind, 'outcome', OUTCOME)
    _relabel_log(bind, 'waiting_status', WAITING_LABELS)
    _relabel_log(bind, 'outcome', OUTCOME_LABELS)


def downgrade():
    bind = op.get_bind()
    _relabel_log(bind, 'waiting_status', {label: code for code, label in WAITING_LABELS.items()})
    _relabel_log(bind, 'outcome', {label: code for code, label in OUTCOME_LABELS.items()})
    _rename(bind, 'waiting_status', {new: old for old, new in WAITING.items()})
    _rename(bind, 'outcome', {new: old for old, new in OUTCOME.items()})
    op.create_table('network_setting',
    sa.Column('name', sa.String(length=60), nullable=False),
    sa.Column('value', sa.String(length=200), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['updated_by_id'], ['app_user.id'], name=op.f('fk_network_setting_updated_by_id_app_user')),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_network_setting'))
    )
    rows = bind.execute(sa.select(plugin_setting.c.key, plugin_setting.c.value, plugin_setting.c.changed_at,
                                  plugin_setting.c.changed_by_id).where(plugin_setting.c.plugin == PLUGIN)).all()
    back = [dict(name=key, value=_from_json(value), updated_at=at, updated_by_id=by) for key, value, at, by in rows]
    back = [b for b in back if b['value'] is not None and len(b['name']) <= 60]
    if back:
        bind.execute(network_setting.insert(), back)
    bind.execute(plugin_setting.delete().where(plugin_setting.c.plugin == PLUGIN))
