"""Fixtures for the PeTra plugin: teams, users, a family with a child in the 5th year, a ready trajectory."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from core.extensions import db
from core.models import Involvement
from plugins.petra.models import Contact, Fee, Trajectory


@pytest.fixture
def world(app, make_team, make_staff, make_org, make_family):
    """PeTra (petra on) with a member and a manager, Opvoedingswinkel (petra on too: another owning team),
    Onthaal (petra off), a partner user, an admin, a school and a CLB in Genk, and the Peeters family."""
    petra = make_team("PeTra", plugins=("petra",))
    ovw = make_team("Opvoedingswinkel", plugins=("petra",))
    onthaal = make_team("Onthaal", plugins=())
    school = make_org("Basisschool De Linde")
    clb = make_org("CLB Genk", kind="clb")
    far_school = make_org("Basisschool Verweg", municipality="Hasselt")
    cgg = make_org("CGG Limburg", kind="cgg", municipality="Hasselt")
    users = make_staff(petra, ovw=ovw, onthaal=onthaal, school=school)
    fam = make_family("Peeters", children=(("Lotte", date(2015, 3, 14)),))
    lotte = fam.children()[0]
    lotte.school_id = school.id
    db.session.commit()
    return dict(petra=petra, ovw=ovw, onthaal=onthaal, school=school, clb=clb, far_school=far_school, cgg=cgg,
                users=users, fam=fam, lotte=lotte)


def referral_data(world, **over) -> dict:
    """A referral of Lotte as the form sends it after a search: her household and the search's token
    (the PeTra team is not involved with her family yet)."""
    from core.people import card_token

    data = {
        "team_id": str(world["petra"].id), "referred_on": (date.today() - timedelta(days=60)).isoformat(),
        "referrer_kind": "school", "referrer_org_id": str(world["school"].id), "referrer_contact": "zorgcoördinator",
        "channel": "rechtstreeks", "child_id": str(world["lotte"].id), "family_id": str(world["fam"].id),
        "sleutel": card_token(world["lotte"].id, world["fam"].id), "school_id": str(world["school"].id),
        "school_level": "lager", "school_year": "5",
        "question": "Lotte maakt vaak ruzie op de speelplaats en thuis loopt het stroef.",
        "indications": ["leerjaar", "bezorgdheden", "crosssituationeel"], "contra_indications": [],
    }
    data.update(over)
    return data


@pytest.fixture
def make_trajectory(app):
    counter = {"n": 0}

    def factory(team, family, child, *, status="ongoing", start_on=None, referred_on=None, lead=None,
                has_fee=False, contacts=0, max_months=6) -> Trajectory:
        counter["n"] += 1
        referred_on = referred_on or date.today() - timedelta(days=120)
        t = Trajectory(ref=f"PT-{referred_on.year}-{9000 + counter['n']:04d}", team_id=team.id, family_id=family.id,
                       child_id=child.id if child else None, status=status, phase=3 if start_on else 1,
                       referred_on=referred_on, referrer_kind="school", channel="rechtstreeks",
                       school_level="lager", school_year=5, question="Vraag", start_on=start_on,
                       lead_worker_id=lead.id if lead else None, max_months=max_months, age_group="lager",
                       decision="start" if status != "waiting" else None)
        db.session.add(t)
        db.session.flush()
        if not db.session.query(Involvement).filter_by(family_id=family.id, team_id=team.id).first():
            db.session.add(Involvement(family_id=family.id, team_id=team.id, reason="test", source="petra"))
        if has_fee:
            db.session.add(Fee(trajectory_id=t.id, amount=50, vt=False, due_on=start_on or referred_on))
        for i in range(contacts):
            db.session.add(Contact(trajectory_id=t.id, on_date=(start_on or referred_on) + timedelta(days=i % 50),
                                   minutes=60, kind="sessie_kind", place="school", parties="kind", note=f"n{i}"))
        db.session.commit()
        return t

    return factory
