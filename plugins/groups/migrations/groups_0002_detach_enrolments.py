"""groups: detachable enrolments (erasure and retention keep the rows)

Erasure and retention no longer delete an enrolment and its attendance: they *detach* it (``person_id``,
``family_id`` and ``note`` cleared, ``anonymised_at`` set), so a programme's participant counts and attendance
rates stay the same. ``updated_at`` records an enrolment's last change (the retention term of a waiting-list
entry of a programme without sessions counts from it).

Revision ID: groups_0002
Revises: groups_0001
Create Date: 2026-12-01 10:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'groups_0002'
down_revision = 'groups_0001'
branch_labels = None
depends_on = None


def _keeping_attendance(work):
    """Run ``work`` (a batch change of ``groups_enrolment``) without losing attendance rows.

    On SQLite, batch mode rebuilds ``groups_enrolment`` (copy, drop, rename). The app turns foreign keys on
    for every SQLite connection, and then DROP TABLE first deletes every row, so ``ON DELETE CASCADE`` would
    empty ``groups_attendance``. Turning the pragma off is unreliable here (it is ignored inside a
    transaction), so the attendance rows are copied to a temporary table and put back. PostgreSQL alters
    the table in place.
    """
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        work()
        return
    before = bind.exec_driver_sql("SELECT count(*) FROM groups_attendance").scalar()
    bind.exec_driver_sql("DROP TABLE IF EXISTS temp._groups_keep_attendance")
    bind.exec_driver_sql("CREATE TEMP TABLE _groups_keep_attendance AS SELECT * FROM groups_attendance")
    work()
    bind.exec_driver_sql("INSERT INTO groups_attendance SELECT * FROM temp._groups_keep_attendance "
                         "WHERE id NOT IN (SELECT id FROM groups_attendance)")
    bind.exec_driver_sql("DROP TABLE temp._groups_keep_attendance")
    after = bind.exec_driver_sql("SELECT count(*) FROM groups_attendance").scalar()
    if after != before:
        raise RuntimeError(f"groups_0002: {before} attendance rows before, {after} after")


def upgrade():
    def work():
        with op.batch_alter_table('groups_enrolment', schema=None) as batch_op:
            batch_op.add_column(sa.Column('updated_at', sa.DateTime(), nullable=True))
            batch_op.add_column(sa.Column('anonymised_at', sa.DateTime(), nullable=True))
            batch_op.alter_column('person_id', existing_type=sa.Integer(), nullable=True)
            batch_op.alter_column('family_id', existing_type=sa.Integer(), nullable=True)

    _keeping_attendance(work)


def downgrade():
    # Detached enrolments have no child: before groups_0002 erasure deleted them, so that is what going back does.
    op.execute("DELETE FROM groups_attendance WHERE enrolment_id IN "
               "(SELECT id FROM groups_enrolment WHERE person_id IS NULL OR family_id IS NULL)")
    op.execute("DELETE FROM groups_enrolment WHERE person_id IS NULL OR family_id IS NULL")

    def work():
        with op.batch_alter_table('groups_enrolment', schema=None) as batch_op:
            batch_op.alter_column('family_id', existing_type=sa.Integer(), nullable=False)
            batch_op.alter_column('person_id', existing_type=sa.Integer(), nullable=False)
            batch_op.drop_column('anonymised_at')
            batch_op.drop_column('updated_at')

    _keeping_attendance(work)
