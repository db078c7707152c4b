"""Migration groups_0002 on a database that already holds enrolments and attendance.

On SQLite the batch migration rebuilds ``groups_enrolment``; with foreign keys on (the app turns them on for
every connection) dropping the old table would cascade into ``groups_attendance``. This runs the migration on
its own SQLite file (whatever ``DATABASE_URL`` says) and checks that no attendance row is lost, up and down.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import inspect, text

from core.extensions import db
from core.models import Family, Person, Team


def _count(table: str) -> int:
    return db.session.execute(text(f"SELECT count(*) FROM {table}")).scalar()


def test_groups_0002_keeps_enrolments_and_attendance_up_and_down(app_factory, tmp_path):
    from flask_migrate import downgrade, upgrade

    mig = app_factory(SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'migration.sqlite3'}")
    with mig.app_context():
        upgrade(revision="core@head")
        upgrade(revision="costing@head")  # installed plugins' tables exist: costing logs writes to teams
        upgrade(revision="groups_0001")
        team = Team(name="PeTra")
        fam = Family(label="Peeters")
        kids = [Person(given_name=n, family_name="Peeters", birth_date=date(2015, 1, 1)) for n in ("Lotte", "Finn")]
        db.session.add_all([team, fam, *kids])
        db.session.commit()
        db.session.execute(text(
            "INSERT INTO groups_programme (id, team_id, name, kind, age_group, capacity, archived, created_at, version) "
            "VALUES (1, :team, 'Groep', 'cycle', 'lager', 8, :f, '2025-01-01 00:00:00', 1)"), {"team": team.id, "f": False})
        db.session.execute(text(
            "INSERT INTO groups_session (id, programme_id, kind, starts_at, ends_at, cancelled, version) VALUES "
            "(1, 1, 'session', '2025-01-08 13:30:00', '2025-01-08 16:30:00', :f, 1), "
            "(2, 1, 'session', '2025-01-15 13:30:00', '2025-01-15 16:30:00', :f, 1)"), {"f": False})
        for i, kid in enumerate(kids, start=1):
            db.session.execute(text(
                "INSERT INTO groups_enrolment (id, programme_id, person_id, family_id, status, priority, photo_consent, "
                "film_consent, note, created_at, version) VALUES (:id, 1, :person, :fam, 'enrolled', 2, :f, :f, 'noot', "
                "'2025-01-01 00:00:00', 1)"), {"id": i, "person": kid.id, "fam": fam.id, "f": False})
            for s in (1, 2):
                db.session.execute(text(
                    "INSERT INTO groups_attendance (session_id, enrolment_id, status, recorded_at) "
                    "VALUES (:s, :e, 'present', '2025-01-20 00:00:00')"), {"s": s, "e": i})
        db.session.commit()
        assert (_count("groups_enrolment"), _count("groups_attendance")) == (2, 4)
        db.session.remove()  # end the read transaction: PostgreSQL would make the migration wait for it

        upgrade(revision="heads")
        db.session.remove()
        assert (_count("groups_enrolment"), _count("groups_attendance")) == (2, 4)
        columns = {c["name"]: c for c in inspect(db.engine).get_columns("groups_enrolment")}
        assert columns["person_id"]["nullable"] and columns["family_id"]["nullable"]
        assert "anonymised_at" in columns and "updated_at" in columns
        fks = inspect(db.engine).get_foreign_keys("groups_attendance")
        assert any(fk["referred_table"] == "groups_enrolment" for fk in fks)
        uniques = inspect(db.engine).get_unique_constraints("groups_enrolment")
        assert any(u["column_names"] == ["programme_id", "person_id"] for u in uniques)
        # detach the first enrolment as erasure does; the foreign keys still hold
        db.session.execute(text("UPDATE groups_enrolment SET person_id = NULL, family_id = NULL, note = NULL, "
                                "anonymised_at = '2025-06-01 00:00:00' WHERE id = 1"))
        db.session.commit()
        assert db.session.execute(text("PRAGMA foreign_key_check")).all() == []
        db.session.remove()

        downgrade(revision="groups@groups_0001")
        db.session.remove()
        # the detached enrolment has no child: going back removes it and its marks, as erasure did before
        assert (_count("groups_enrolment"), _count("groups_attendance")) == (1, 2)
        columns = {c["name"]: c for c in inspect(db.engine).get_columns("groups_enrolment")}
        assert not columns["person_id"]["nullable"] and "anonymised_at" not in columns
        db.session.remove()
        db.engine.dispose()
