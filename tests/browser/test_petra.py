"""Real Chromium: register a PeTra referral, take the intake decision, start at the roundtable, log a contact
through htmx, enter an SDQ and close the trajectory."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from core.extensions import db

from .conftest import wait_until

pytestmark = pytest.mark.browser


@pytest.fixture
def petra_world(app, make_team, make_user, make_org, make_family):
    team = make_team("PeTra", plugins=("petra",))
    make_user("worker", {team: "member"})
    school = make_org("Basisschool De Linde")
    make_org("CLB Genk", kind="clb")
    fam = make_family("Peeters", children=(("Lotte", date(2015, 3, 14)),))
    lotte = fam.children()[0]
    lotte.school_id = school.id
    db.session.commit()
    return {"team": team, "fam": fam}


def test_referral_to_closure_in_the_browser(live_server, page, petra_world, browser_login_as):
    from plugins.petra.models import Contact, SdqResult, Trajectory

    browser_login_as("worker")
    base = live_server.url
    page.goto(base + "/petra/aanmelding")
    page.fill("#petra-zoek", "lotte")
    page.get_by_role("button", name="Zoeken").click()
    page.get_by_role("link", name="Lotte Peeters").click()
    page.get_by_text("Gekozen:").wait_for()
    page.fill("input[name=referred_on]", (date.today() - timedelta(days=30)).isoformat())
    page.fill("textarea[name=question]", "Lotte maakt vaak ruzie, thuis en op school.")
    page.check("input[name=indications][value=bezorgdheden]")
    page.check("input[name=contra_indications][value=leer_taal]")
    # the live check (htmx) shows the warning before saving
    page.locator("#petra-warnings").get_by_text("Contra-indicatie aangevinkt").wait_for()
    page.get_by_role("button", name="Aanmelding registreren").click()
    page.get_by_text("geregistreerd en op de wachtlijst gezet").wait_for()

    page.get_by_role("button", name="Intakebeslissing").click()
    page.select_option("select[name=decision]", "start")
    page.fill("input[name=decision_on]", (date.today() - timedelta(days=25)).isoformat())
    page.get_by_role("button", name="Beslissing opslaan").click()
    page.get_by_text("Intakebeslissing opgeslagen.").wait_for()

    page.get_by_role("button", name="Startrondetafel registreren").click()
    page.fill("input[name=held_on]", (date.today() - timedelta(days=20)).isoformat())
    page.fill("textarea[name=agreements]", "Wekelijks overleg met de zorgcoördinator.")
    page.get_by_role("button", name="Rondetafel opslaan").click()
    page.get_by_text("Het traject is gestart.").wait_for()

    url = page.url
    page.get_by_text("Contact toevoegen").click()
    page.fill("input[name=on_date]", (date.today() - timedelta(days=10)).isoformat())
    page.fill("input[name=minutes]", "45")
    page.select_option("select[name=kind]", "sessie_kind")
    page.check("#petra-contacts input[name=parties][value=kind]")
    page.fill("input[name=note]", "Talenteninterview")
    page.get_by_role("button", name="Contact opslaan").click()
    page.locator("#petra-contacts").get_by_text("Contact opgeslagen.").wait_for()  # swapped in place by htmx
    assert page.url == url
    # keyboard focus stays in the swapped part (hvhk.js), it does not drop to the page body
    focused = "() => !!(document.activeElement && document.activeElement.closest('#petra-contacts'))"
    wait_until(page, focused, timeout=2_000)  # htmx settles the swap a moment after it shows
    assert page.locator("#petra-contacts").get_by_text("Talenteninterview").count() == 1

    page.get_by_role("link", name="SDQ").click()
    for name, value in (("emotional", "6"), ("conduct", "5"), ("hyperactivity", "7"), ("peer", "3"), ("prosocial", "6")):
        page.fill(f"input[name={name}]", value)
    page.fill("input[name=taken_on]", (date.today() - timedelta(days=9)).isoformat())
    page.get_by_role("button", name="SDQ opslaan").click()
    page.get_by_text("totale moeilijkhedenscore 21").wait_for()
    assert page.locator("svg.petra-chart").count() == 1

    page.goto(url)
    page.get_by_role("link", name="Afronden").click()
    page.select_option("select[name=closure_reason]", "zelfstandig")
    page.fill("textarea[name=final_evaluation]", "De partijen kunnen zelfstandig verder.")
    page.get_by_role("button", name="Traject afronden").click()
    page.get_by_text("Het traject is afgerond.").wait_for()
    assert page.console_errors == []

    db.session.expire_all()
    t = db.session.scalar(select(Trajectory))
    assert t.status == "closed" and t.closure_reason == "zelfstandig" and t.start_on is not None
    assert db.session.scalar(select(SdqResult)).total == 21
    assert db.session.scalar(select(Contact).where(Contact.note == "Talenteninterview")) is not None
