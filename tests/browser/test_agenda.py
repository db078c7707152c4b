"""Real Chromium: plan a PeTra start roundtable for next week, find it in the agenda's week view, hold it
(record it) from there, and see the appointment marked as held; Mijn werk shows the day."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from core.extensions import db
from core.models import Involvement

pytestmark = pytest.mark.browser


@pytest.fixture
def planning_world(app, make_team, make_user, make_family):
    from plugins.petra.models import Trajectory

    team = make_team("PeTra", plugins=("petra",))
    worker = make_user("worker", {team: "member"})
    fam = make_family("Peeters", children=(("Lotte", date(2015, 3, 14)),))
    db.session.add(Involvement(family_id=fam.id, team_id=team.id, reason="Aanmelding PeTra", source="petra"))
    t = Trajectory(ref=f"PT-{date.today().year}-0073", team_id=team.id, family_id=fam.id,
                   child_id=fam.children()[0].id, status="clarifying", phase=2,
                   referred_on=date.today() - timedelta(days=30), referrer_kind="school", channel="rechtstreeks",
                   school_level="lager", school_year=5, lead_worker_id=worker.id, decision="start",
                   decision_on=date.today() - timedelta(days=25), age_group="lager")
    db.session.add(t)
    db.session.commit()
    return {"t": t, "worker": worker}


def test_plan_roundtable_see_it_in_the_agenda_and_hold_it(live_server, page, planning_world, browser_login_as):
    from core.work import Appointment
    from plugins.petra.models import Roundtable, Trajectory

    t = planning_world["t"]
    next_week = date.today() + timedelta(days=7)
    browser_login_as("worker")
    page.goto(f"{live_server.url}/petra/traject/{t.id}")
    page.get_by_role("link", name="Rondetafel plannen").click()
    page.select_option("select[name=kind]", "start")
    page.fill("input[name=day]", next_week.isoformat())
    page.fill("input[name=start]", "09:00")
    page.fill("input[name=end]", "10:30")
    page.fill("input[name=place]", "Basisschool De Linde")
    page.get_by_role("button", name="Rondetafel plannen").click()
    page.get_by_text("Rondetafel gepland").wait_for()

    # the agenda's week view of next week shows it, with the kind and the reference only
    assert "/agenda/" in page.url
    entry = page.locator(".agenda-entry", has_text=f"Rondetafel {t.ref}")
    entry.wait_for()
    assert "09:00" in entry.inner_text() and "Basisschool De Linde" in entry.inner_text()

    # held earlier than planned: open it from the agenda and record it today
    entry.get_by_role("link", name="Openen").click()
    page.get_by_text("Geplande rondetafel").wait_for()
    page.fill("input[name=held_on]", date.today().isoformat())
    page.fill("textarea[name=agreements]", "Doelen afgesproken met school en ouders.")
    page.get_by_role("button", name="Rondetafel opslaan").click()
    page.get_by_text("Het traject is gestart.").wait_for()
    assert page.console_errors == []

    db.session.expire_all()
    r = db.session.scalar(select(Roundtable))
    a = db.session.scalar(select(Appointment))
    assert r.kind == "start" and r.held_on == date.today()
    assert (a.status, a.object_type, a.object_id, a.starts_at.date()) == ("held", "petra_roundtable", r.id,
                                                                           date.today())
    assert db.session.get(Trajectory, t.id).status == "ongoing"

    # Mijn werk (the start page) shows today's roundtable as held and the trajectory
    page.goto(live_server.url + "/")
    page.locator("#mijn-dag").get_by_text(f"Rondetafel {t.ref}").wait_for()
    page.locator("#mijn-dossiers").get_by_text(t.ref).wait_for()
