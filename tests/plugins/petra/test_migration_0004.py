"""Migration petra_0004: the contra-indication tick "veiligheid" becomes an open concern, and back."""

from __future__ import annotations

from sqlalchemy import text

from core.extensions import db
from core.models import Family, Team


def test_petra_0004_turns_the_safety_tick_into_an_open_concern_and_back(app_factory, tmp_path):
    from flask_migrate import downgrade, upgrade

    mig = app_factory(SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'migration.sqlite3'}")
    with mig.app_context():
        upgrade(revision="core@head")
        upgrade(revision="costing@head")  # installed plugins' tables exist: costing logs writes to teams
        upgrade(revision="petra_0002")
        team, fam = Team(name="PeTra"), Family(label="Peeters")
        db.session.add_all([team, fam])
        db.session.commit()
        for i, contra in enumerate(("reflectie,veiligheid", "reflectie", "veiligheid"), start=1):
            db.session.execute(text(
                "INSERT INTO petra_trajectory (id, ref, team_id, family_id, status, phase, referred_on, referrer_kind, "
                "channel, indications, contra_indications, max_months, created_at, anonymised, version, "
                "closure_accompanied) VALUES (:id, :ref, :team, :fam, 'waiting', 1, '2025-03-0' || :id, 'school', "
                "'rechtstreeks', '', :contra, 6, '2025-03-01 00:00:00', :f, 1, :f)"),
                {"id": i, "ref": f"PT-2025-000{i}", "team": team.id, "fam": fam.id, "contra": contra, "f": False})
        db.session.commit()
        db.session.remove()

        upgrade(revision="heads")
        rows = db.session.execute(text("SELECT id, contra_indications FROM petra_trajectory ORDER BY id")).all()
        assert [r[1] for r in rows] == ["reflectie", "reflectie", ""]
        concerns = db.session.execute(text(
            "SELECT trajectory_id, status, raised_on FROM petra_concern ORDER BY trajectory_id")).all()
        assert [(c[0], c[1], str(c[2])[:10]) for c in concerns] == [(1, "open", "2025-03-01"), (3, "open", "2025-03-03")]
        db.session.remove()

        downgrade(revision="petra_0002")
        rows = db.session.execute(text("SELECT contra_indications FROM petra_trajectory ORDER BY id")).all()
        assert [r[0] for r in rows] == ["reflectie,veiligheid", "reflectie", "veiligheid"]
        db.session.remove()
