"""petra: online referral through the partner portal, who of the school attends a planned roundtable, and the
referral's kind of problem and risk

- ``petra_trajectory`` gets ``problem_kinds`` (internaliserend, externaliserend) and ``risks`` (schooluitval,
  uitsluiting), comma-separated keys, empty for existing rows (000:85, 138).
- ``petra_portal_referral``: a referral a partner sent through the portal, until staff accept it into a family
  record (``trajectory_id``) or decline it with a reason.
- ``petra_roundtable_attendee``: who of a partner organisation confirmed they attend a roundtable planned ahead
  (a core ``appointment``, created by ``core_0005``: hence ``depends_on``).

Revision ID: petra_0003
Revises: petra_0002
Create Date: 2026-11-30 19:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'petra_0003'
down_revision = 'petra_0002'
branch_labels = None
depends_on = 'core_0005'


def upgrade():
    with op.batch_alter_table('petra_trajectory', schema=None) as batch_op:
        batch_op.add_column(sa.Column('problem_kinds', sa.String(length=60), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('risks', sa.String(length=60), nullable=False, server_default=''))

    op.create_table('petra_portal_referral',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ref', sa.String(length=20), nullable=False),
    sa.Column('team_id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('submitted_by_id', sa.Integer(), nullable=True),
    sa.Column('submitted_at', sa.DateTime(), nullable=False),
    sa.Column('referred_on', sa.Date(), nullable=False),
    sa.Column('referrer_name', sa.String(length=200), nullable=True),
    sa.Column('referrer_role', sa.String(length=120), nullable=True),
    sa.Column('referrer_phone', sa.String(length=40), nullable=True),
    sa.Column('referrer_email', sa.String(length=200), nullable=True),
    sa.Column('given_name', sa.String(length=120), nullable=True),
    sa.Column('family_name', sa.String(length=120), nullable=True),
    sa.Column('birth_date', sa.Date(), nullable=True),
    sa.Column('municipality', sa.String(length=100), nullable=True),
    sa.Column('school_id', sa.Integer(), nullable=True),
    sa.Column('school_level', sa.String(length=20), nullable=True),
    sa.Column('school_year', sa.Integer(), nullable=True),
    sa.Column('question', sa.Text(), nullable=True),
    sa.Column('indications', sa.String(length=300), nullable=False),
    sa.Column('contra_indications', sa.String(length=300), nullable=False),
    sa.Column('problem_kinds', sa.String(length=60), nullable=False),
    sa.Column('risks', sa.String(length=60), nullable=False),
    sa.Column('parents_agreed', sa.Boolean(), nullable=False),
    sa.Column('parents_informed_by', sa.String(length=200), nullable=True),
    sa.Column('warnings_confirmed', sa.Boolean(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('decided_at', sa.DateTime(), nullable=True),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decline_reason', sa.Text(), nullable=True),
    sa.Column('trajectory_id', sa.Integer(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['decided_by_id'], ['app_user.id'], name=op.f('fk_petra_portal_referral_decided_by_id_app_user')),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], name=op.f('fk_petra_portal_referral_organisation_id_organisation')),
    sa.ForeignKeyConstraint(['school_id'], ['organisation.id'], name=op.f('fk_petra_portal_referral_school_id_organisation')),
    sa.ForeignKeyConstraint(['submitted_by_id'], ['app_user.id'], name=op.f('fk_petra_portal_referral_submitted_by_id_app_user')),
    sa.ForeignKeyConstraint(['team_id'], ['team.id'], name=op.f('fk_petra_portal_referral_team_id_team')),
    sa.ForeignKeyConstraint(['trajectory_id'], ['petra_trajectory.id'], name=op.f('fk_petra_portal_referral_trajectory_id_petra_trajectory')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_petra_portal_referral')),
    sa.UniqueConstraint('ref', name=op.f('uq_petra_portal_referral_ref'))
    )
    with op.batch_alter_table('petra_portal_referral', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_petra_portal_referral_organisation_id'), ['organisation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_petra_portal_referral_team_id'), ['team_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_petra_portal_referral_trajectory_id'), ['trajectory_id'], unique=False)
        batch_op.create_index('ix_petra_portal_referral_team_status', ['team_id', 'status'], unique=False)

    op.create_table('petra_roundtable_attendee',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('appointment_id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=160), nullable=False),
    sa.Column('role', sa.String(length=30), nullable=False),
    sa.Column('confirmed_by_id', sa.Integer(), nullable=True),
    sa.Column('confirmed_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['confirmed_by_id'], ['app_user.id'], name=op.f('fk_petra_roundtable_attendee_confirmed_by_id_app_user')),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], name=op.f('fk_petra_roundtable_attendee_organisation_id_organisation')),
    sa.ForeignKeyConstraint(['appointment_id'], ['appointment.id'], name=op.f('fk_petra_roundtable_attendee_appointment_id_appointment'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_petra_roundtable_attendee'))
    )
    with op.batch_alter_table('petra_roundtable_attendee', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_petra_roundtable_attendee_appointment_id'), ['appointment_id'], unique=False)


def downgrade():
    op.drop_table('petra_roundtable_attendee')
    op.drop_table('petra_portal_referral')
    with op.batch_alter_table('petra_trajectory', schema=None) as batch_op:
        batch_op.drop_column('risks')
        batch_op.drop_column('problem_kinds')
