"""Warnings that never block: school year, age, region, contra-indications, clarifying talks, duration."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import func, select

from core.extensions import db
from plugins.petra import logic
from plugins.petra.models import Trajectory

from .conftest import referral_data


def test_referral_below_fourth_grade_warns_but_saves(client, login, world):
    login(client, "worker")
    resp = client.post("/petra/aanmelding", data=referral_data(world, school_year="3"), follow_redirects=True)
    body = resp.get_data(as_text=True)
    assert resp.status_code == 200
    assert "nog niet in het 4de leerjaar" in body
    assert db.session.scalar(select(func.count(Trajectory.id))) == 1


def test_referral_older_than_sixteen_warns(client, login, world):
    login(client, "worker")
    data = referral_data(world, child_id="", given_name="Jonas", family_name="Claes", municipality="Genk",
                         birth_date=(date.today() - timedelta(days=18 * 366)).isoformat(), school_level="secundair",
                         school_year="5")
    body = client.post("/petra/aanmelding", data=data, follow_redirects=True).get_data(as_text=True)
    assert "ouder dan 16" in body
    assert db.session.scalar(select(func.count(Trajectory.id))) == 1


def test_region_warning_only_when_home_and_school_are_outside(client, login, world, make_family):
    login(client, "worker")
    # lives outside (Hasselt) but goes to school in Genk: no region warning
    data = referral_data(world, child_id="", given_name="Mila", family_name="Wouters", municipality="Hasselt")
    body = client.post("/petra/aanmelding", data=data, follow_redirects=True).get_data(as_text=True)
    assert "buiten het werkingsgebied" not in body
    # lives and goes to school outside: warning
    data = referral_data(world, child_id="", given_name="Mila", family_name="Wouters", municipality="Hasselt",
                         school_id=str(world["far_school"].id))
    body = client.post("/petra/aanmelding", data=data, follow_redirects=True).get_data(as_text=True)
    assert "buiten het werkingsgebied (Genk, As, Oudsbergen, Zutendaal)" in body
    assert db.session.scalar(select(func.count(Trajectory.id))) == 2


def test_contra_indication_ticked_warns_and_live_check_fragment(client, login, world):
    login(client, "worker")
    # the safety tick is no longer a contra-indication key: it becomes an open concern (petra_0004)
    from plugins.petra.models import Concern

    data = referral_data(world, contra_indications=["reflectie"], safety_concern="y")
    resp = client.post("/petra/aanmelding/controle", data=data, htmx=True)
    body = resp.get_data(as_text=True)
    assert resp.status_code == 200 and "<html" not in body
    assert "Contra-indicatie aangevinkt: Vermoeden van te beperkte mogelijkheden" in body
    assert "Zorg over de veiligheid aangevinkt" in body
    body = client.post("/petra/aanmelding/controle", data=referral_data(world), htmx=True).get_data(as_text=True)
    assert "Geen waarschuwingen." in body
    body = client.post("/petra/aanmelding", data=data, follow_redirects=True).get_data(as_text=True)
    assert "Contra-indicatie aangevinkt" in body and "Zorg over de veiligheid aangevinkt" in body
    t = db.session.scalar(select(Trajectory))
    assert t.contra_keys == ["reflectie"]
    assert [c.status for c in db.session.scalars(select(Concern).where(Concern.trajectory_id == t.id))] == ["open"]
    # the old key is refused by the form (no silent tick)
    body = client.post("/petra/aanmelding/controle", data=referral_data(world, contra_indications=["veiligheid"]),
                       htmx=True).get_data(as_text=True)
    assert "Contra-indicatie aangevinkt: De veiligheid" not in body


def test_region_is_a_setting(app, world):
    settings = logic.load_settings()
    settings["region"] = "Genk,Hasselt"
    w = logic.referral_warnings(school_level="lager", school_year=5, birth_date=date(2015, 1, 1),
                                home_municipality="Hasselt", school_municipality="Hasselt", contra=[],
                                settings=settings)
    assert w == []


def _talk(client, t, party, days_ago):
    kind = {"ouders": "gesprek_ouders", "school": "contact_school", "kind": "sessie_kind"}[party]
    return client.post(f"/petra/traject/{t.id}/contact", htmx=True, data={
        "on_date": (date.today() - timedelta(days=days_ago)).isoformat(), "minutes": "60", "kind": kind,
        "place": "huis_van_het_kind", "parties": [party]})


def test_fourth_clarifying_talk_per_party_warns(client, login, world, make_trajectory):
    t = make_trajectory(world["petra"], world["fam"], world["lotte"], status="clarifying")
    login(client, "worker")
    for i in range(3):
        body = _talk(client, t, "ouders", 30 - i).get_data(as_text=True)
        assert "vraagverhelderingsgesprek" not in body
    body = _talk(client, t, "school", 25).get_data(as_text=True)
    assert "vraagverhelderingsgesprek" not in body
    body = _talk(client, t, "ouders", 20).get_data(as_text=True)
    assert "Dit is al het 4de vraagverhelderingsgesprek met de ouders" in body
    assert "maximaal 3 per partij" in body
    assert "de school" not in body.split("vraagverhelderingsgesprek met", 2)[1][:20]


def test_duration_warning_near_and_past_the_maximum(client, login, world, make_trajectory, make_family):
    near = make_trajectory(world["petra"], world["fam"], world["lotte"],
                           start_on=logic.add_months(date.today(), -6) + timedelta(days=10))
    fam2 = make_family("Claes", children=(("Jonas", date(2013, 5, 5)),))
    past = make_trajectory(world["petra"], fam2, fam2.children()[0], start_on=logic.add_months(date.today(), -7))
    fine = make_trajectory(world["petra"], world["fam"], world["lotte"], start_on=date.today() - timedelta(days=20))
    login(client, "worker")
    left = (logic.add_months(near.start_on, 6) - date.today()).days
    assert 5 <= left <= 12
    body = client.get(f"/petra/traject/{near.id}").get_data(as_text=True)
    assert f"Nog {left} dagen tot de maximale duur van 6 maanden" in body
    body = client.get(f"/petra/traject/{past.id}").get_data(as_text=True)
    assert "De maximale duur van 6 maanden is" in body and "overschreden" in body
    body = client.get(f"/petra/traject/{fine.id}").get_data(as_text=True)
    assert "maximale duur van 6 maanden" not in body
    body = client.get("/petra/teamoverleg").get_data(as_text=True)
    section = body.split('id="duur-titel"')[1].split("</section>")[0]
    assert near.ref in section and past.ref in section and fine.ref not in section
    assert f"nog {left} dagen" in section
