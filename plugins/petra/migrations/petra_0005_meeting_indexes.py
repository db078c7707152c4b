"""petra: indexes for the team meeting's lists

Each list of the meeting page is read per team (and status) in the order it shows, cut at one page: an index on
(team, status, order) makes each an index range scan with LIMIT, whatever the number of running trajectories.
``ix_petra_trajectory_team_status`` (team_id, status) becomes the prefix of the wider
``ix_petra_trajectory_team_status_start`` and goes. What is due (no SDQ at a moment, no roundtable of a kind yet)
probes (trajectory_id, moment) and (trajectory_id, kind) instead of trajectory_id alone.

Revision ID: petra_0005
Revises: petra_0004
Create Date: 2026-11-30 22:45:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'petra_0005'
down_revision = 'petra_0004'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('petra_trajectory', schema=None) as batch_op:
        batch_op.create_index('ix_petra_trajectory_team_status_start', ['team_id', 'status', 'start_on', 'id'],
                              unique=False)
        batch_op.create_index('ix_petra_trajectory_team_status_phase2', ['team_id', 'status', 'phase2_on', 'id'],
                              unique=False)
        batch_op.create_index('ix_petra_trajectory_team_referred', ['team_id', 'referred_on', 'id'], unique=False)
        batch_op.drop_index('ix_petra_trajectory_team_status')
    with op.batch_alter_table('petra_roundtable', schema=None) as batch_op:
        batch_op.create_index('ix_petra_roundtable_trajectory_kind', ['trajectory_id', 'kind'], unique=False)
        batch_op.drop_index('ix_petra_roundtable_trajectory_id')
    with op.batch_alter_table('petra_sdq', schema=None) as batch_op:
        batch_op.create_index('ix_petra_sdq_trajectory_moment', ['trajectory_id', 'moment'], unique=False)
        batch_op.drop_index('ix_petra_sdq_trajectory_id')


def downgrade():
    with op.batch_alter_table('petra_sdq', schema=None) as batch_op:
        batch_op.create_index('ix_petra_sdq_trajectory_id', ['trajectory_id'], unique=False)
        batch_op.drop_index('ix_petra_sdq_trajectory_moment')
    with op.batch_alter_table('petra_roundtable', schema=None) as batch_op:
        batch_op.create_index('ix_petra_roundtable_trajectory_id', ['trajectory_id'], unique=False)
        batch_op.drop_index('ix_petra_roundtable_trajectory_kind')
    with op.batch_alter_table('petra_trajectory', schema=None) as batch_op:
        batch_op.create_index('ix_petra_trajectory_team_status', ['team_id', 'status'], unique=False)
        batch_op.drop_index('ix_petra_trajectory_team_referred')
        batch_op.drop_index('ix_petra_trajectory_team_status_phase2')
        batch_op.drop_index('ix_petra_trajectory_team_status_start')
