"""Real Chromium, two people at once: a school's partner user refers a pupil online; a PeTra worker accepts it
into the family record found by name, starts the trajectory and plans a roundtable; the family consents to
share the trajectory with the school, which then sees the roundtables and its goals and confirms who attends;
the worker withdraws the consent and the school's next page load shows nothing."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from core.extensions import db

from .conftest import browser_login

pytestmark = pytest.mark.browser


@pytest.fixture
def portal_world(app, make_team, make_user, make_org, make_family):
    team = make_team("PeTra", plugins=("petra",))
    make_user("worker", {team: "member"})
    school = make_org("Basisschool De Linde")
    make_user("juf", organisation=school)
    fam = make_family("Peeters", children=(("Lotte", date(2015, 3, 14)),))
    lotte = fam.children()[0]
    lotte.school_id = school.id
    db.session.commit()
    return {"team": team, "fam": fam, "school": school}


def test_school_refers_follows_and_loses_sight(live_server, page, _browser, portal_world):
    from plugins.petra.models import PlanGoal, RoundtableAttendee, Trajectory

    base = live_server.url
    # the school refers a pupil online
    browser_login(page, live_server, "juf")
    page.goto(base + "/")
    page.get_by_role("link", name="PeTra: aanmelden").first.click()
    page.get_by_role("link", name="Nieuwe aanmelding").click()
    page.fill("input[name=referrer_role]", "zorgcoördinator")
    page.fill("input[name=given_name]", "Lotte")
    page.fill("input[name=family_name]", "Peeters")
    page.fill("input[name=birth_date]", "2015-03-14")
    page.fill("input[name=municipality]", "Genk")
    page.select_option("select[name=school_level]", "lager")
    page.fill("input[name=school_year]", "5")
    page.fill("textarea[name=question]", "Lotte is vaak boos in de klas en thuis.")
    page.check("input[name=problem_kinds][value=externaliserend]")
    page.check("input[name=risks][value=uitsluiting]")
    page.check("input[name=parents_agreed][value=nee]")
    page.get_by_role("button", name="Aanmelding versturen").click()
    page.get_by_text("Aanmelden kan alleen met het akkoord van de ouders").wait_for()
    assert page.input_value("input[name=given_name]") == "Lotte"
    page.check("input[name=parents_agreed][value=ja]")
    page.fill("input[name=parents_informed_by]", "Juf, zorgcoördinator")
    page.get_by_role("button", name="Aanmelding versturen").click()
    page.get_by_text("verstuurd").first.wait_for()
    page.get_by_text("Nieuw, nog niet behandeld").wait_for()

    # the worker accepts it into Lotte's family record (found by name) and starts
    staff_ctx = _browser.new_context(locale="nl-BE", viewport={"width": 1024, "height": 768})
    staff = staff_ctx.new_page()
    staff.set_default_timeout(10_000)
    browser_login(staff, live_server, "worker")
    staff.goto(base + "/petra/wachtlijst")
    staff.get_by_text("via portaal").first.wait_for()
    staff.get_by_role("link", name="Aanvaarden of niet").click()
    staff.get_by_role("button", name="Dit kind: aanvaarden").click()
    staff.get_by_text("aanvaard: traject").wait_for()
    t = db.session.scalar(select(Trajectory))
    assert t.family_id == portal_world["fam"].id and t.channel == "portaal"
    staff.get_by_role("button", name="Intakebeslissing").click()
    staff.select_option("select[name=decision]", "start")
    staff.select_option("select[name=lead_worker_id]", label="Worker")
    staff.get_by_role("button", name="Beslissing opslaan").click()
    staff.get_by_text("Intakebeslissing opgeslagen.").wait_for()
    staff.get_by_role("button", name="Startrondetafel registreren").click()
    staff.check("input[name=participants][value=directie]")
    staff.fill("textarea[name=agreements]", "Lotte krijgt een rustplek in de klas.")
    staff.get_by_role("button", name="Rondetafel opslaan").click()
    staff.get_by_text("Het traject is gestart.").wait_for()
    # planning ahead is the agenda's "Rondetafel plannen" (an appointment); the end defaults to start + 2 hours
    staff.get_by_role("link", name="Rondetafel plannen").first.click()
    assert staff.input_value("input[name=start]") == "09:00" and staff.input_value("input[name=end]") == "11:00"
    staff.select_option("select[name=kind]", "tussentijds")
    staff.fill("input[name=day]", (date.today() + timedelta(days=14)).isoformat())
    staff.fill("input[name=place]", "De Linde, lokaal 3")
    staff.get_by_role("button", name="Rondetafel plannen").click()
    staff.get_by_text("Rondetafel gepland").first.wait_for()
    assert "/agenda/" in staff.url
    db.session.add(PlanGoal(trajectory_id=t.id, party="school", goal="De juf benoemt elke dag iets positiefs."))
    db.session.commit()

    # without consent the school sees nothing of the trajectory
    page.goto(base + "/petra/portaal/")
    page.get_by_text("Er zijn geen trajecten met jouw organisatie gedeeld.").wait_for()

    # the family consents (recorded by the worker)
    staff.goto(base + f"/gezinnen/{portal_world['fam'].id}/toestemming/nieuw")
    staff.select_option("select[name=organisation_id]", label="Basisschool De Linde")
    staff.fill("input[name=purpose]", "Afstemming met de school over het traject")
    staff.check("input[name=info_kinds][value=trajectverloop]")
    staff.get_by_role("button", name="Toestemming registreren").click()
    staff.get_by_text("De toestemming is geregistreerd.").wait_for()

    # the school follows: roundtables, its goals, and confirms who attends
    page.goto(base + "/petra/portaal/")
    page.get_by_role("link", name=t.ref).click()
    page.get_by_text("rustplek in de klas").wait_for()
    page.get_by_text("benoemt elke dag iets positiefs").wait_for()
    page.get_by_text("De Linde, lokaal 3").first.wait_for()
    page.fill("input[name=name]", "Mevrouw Dirks")
    page.select_option("select[name=role]", "directie")
    page.get_by_role("button", name="Aanwezigheid bevestigen").click()
    page.get_by_text("Mevrouw Dirks staat op de lijst").wait_for()
    attendee = db.session.scalar(select(RoundtableAttendee))
    assert attendee.name == "Mevrouw Dirks" and attendee.appointment.reference == t.ref
    staff.goto(base + f"/petra/traject/{t.id}")
    staff.get_by_text("Mevrouw Dirks (Directie, Basisschool De Linde)").wait_for()

    # the worker withdraws the consent: the school's next request shows nothing
    staff.goto(base + f"/gezinnen/{portal_world['fam'].id}")
    staff.get_by_role("button", name="intrekken").click()
    staff.get_by_role("button", name="Ja, intrekken").click()  # the second step (core.ui.confirm_first)
    staff.get_by_text("De toestemming is ingetrokken").wait_for()
    response = page.goto(base + f"/petra/portaal/traject/{t.id}")
    assert response.status == 404
    assert "rustplek" not in page.content()
    page.goto(base + "/petra/portaal/")
    assert t.ref not in page.content()
    # the refused referral (422) and the closed page (404) are the only failed loads: no script errors
    assert not [e for e in page.console_errors if "Failed to load resource" not in e]
    staff_ctx.close()
