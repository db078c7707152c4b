"""core: tasks, appointments (agenda) and the personal calendar feed ("Mijn werk")

Revision ID: core_0005
Revises: core_0004
Create Date: 2026-11-30 19:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'core_0005'
down_revision = 'core_0004'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('task',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('team_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=True),
    sa.Column('assignee_id', sa.Integer(), nullable=False),
    sa.Column('family_id', sa.Integer(), nullable=True),
    sa.Column('plugin', sa.String(length=80), nullable=True),
    sa.Column('object_url', sa.String(length=300), nullable=True),
    sa.Column('reference', sa.String(length=40), nullable=True),
    sa.Column('done_at', sa.DateTime(), nullable=True),
    sa.Column('done_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['assignee_id'], ['app_user.id'], name=op.f('fk_task_assignee_id_app_user')),
    sa.ForeignKeyConstraint(['created_by_id'], ['app_user.id'], name=op.f('fk_task_created_by_id_app_user')),
    sa.ForeignKeyConstraint(['done_by_id'], ['app_user.id'], name=op.f('fk_task_done_by_id_app_user')),
    sa.ForeignKeyConstraint(['family_id'], ['family.id'], name=op.f('fk_task_family_id_family')),
    sa.ForeignKeyConstraint(['team_id'], ['team.id'], name=op.f('fk_task_team_id_team')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_task'))
    )
    with op.batch_alter_table('task', schema=None) as batch_op:
        batch_op.create_index('ix_task_assignee_done', ['assignee_id', 'done_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_task_assignee_id'), ['assignee_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_task_family_id'), ['family_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_task_team_id'), ['team_id'], unique=False)

    op.create_table('appointment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=True),
    sa.Column('starts_at', sa.DateTime(), nullable=False),
    sa.Column('ends_at', sa.DateTime(), nullable=False),
    sa.Column('place', sa.String(length=200), nullable=True),
    sa.Column('external_participants', sa.String(length=300), nullable=True),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('family_id', sa.Integer(), nullable=True),
    sa.Column('plugin', sa.String(length=80), nullable=True),
    sa.Column('object_type', sa.String(length=60), nullable=True),
    sa.Column('object_id', sa.Integer(), nullable=True),
    sa.Column('object_url', sa.String(length=300), nullable=True),
    sa.Column('reference', sa.String(length=40), nullable=True),
    sa.Column('subkind', sa.String(length=40), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['app_user.id'], name=op.f('fk_appointment_created_by_id_app_user')),
    sa.ForeignKeyConstraint(['family_id'], ['family.id'], name=op.f('fk_appointment_family_id_family')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_appointment'))
    )
    with op.batch_alter_table('appointment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_appointment_family_id'), ['family_id'], unique=False)
        batch_op.create_index('ix_appointment_object', ['object_type', 'object_id'], unique=False)
        batch_op.create_index('ix_appointment_starts_at', ['starts_at'], unique=False)

    op.create_table('appointment_participant',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('appointment_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['appointment_id'], ['appointment.id'],
                            name=op.f('fk_appointment_participant_appointment_id_appointment'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['app_user.id'], name=op.f('fk_appointment_participant_user_id_app_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_appointment_participant')),
    sa.UniqueConstraint('appointment_id', 'user_id', name='uq_appointment_participant')
    )
    with op.batch_alter_table('appointment_participant', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_appointment_participant_appointment_id'), ['appointment_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_appointment_participant_user_id'), ['user_id'], unique=False)

    op.create_table('calendar_feed',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('last_used_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['app_user.id'], name=op.f('fk_calendar_feed_user_id_app_user'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_calendar_feed')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_calendar_feed_token_hash')),
    sa.UniqueConstraint('user_id', name=op.f('uq_calendar_feed_user_id'))
    )


def downgrade():
    op.drop_table('calendar_feed')
    with op.batch_alter_table('appointment_participant', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_appointment_participant_user_id'))
        batch_op.drop_index(batch_op.f('ix_appointment_participant_appointment_id'))
    op.drop_table('appointment_participant')
    with op.batch_alter_table('appointment', schema=None) as batch_op:
        batch_op.drop_index('ix_appointment_starts_at')
        batch_op.drop_index('ix_appointment_object')
        batch_op.drop_index(batch_op.f('ix_appointment_family_id'))
    op.drop_table('appointment')
    with op.batch_alter_table('task', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_task_team_id'))
        batch_op.drop_index(batch_op.f('ix_task_family_id'))
        batch_op.drop_index(batch_op.f('ix_task_assignee_id'))
        batch_op.drop_index('ix_task_assignee_done')
    op.drop_table('task')
