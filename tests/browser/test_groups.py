"""Real browser: a group leader takes attendance on a tablet-sized screen (htmx, no page reload)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pytest
from sqlalchemy import select

from core.extensions import db
from plugins.groups.logic import now_local
from plugins.groups.models import Attendance, Enrolment, GroupSession, Programme

pytestmark = pytest.mark.browser


@pytest.fixture
def group(make_team, make_user, make_family):
    petra = make_team("PeTra", plugins=("groups",))
    worker = make_user("worker", {petra: "member"})
    fam = make_family("Peeters", children=(("Lotte", date(2015, 3, 14)), ("Finn", date(2016, 6, 1))))
    p = Programme(team_id=petra.id, name="PeTra-groep lager", kind="cycle", age_group="lager", capacity=8,
                  location="Campus O3 - atelier", start_date=date.today())
    p.leaders = [worker]
    db.session.add(p)
    db.session.flush()
    start = datetime.combine(now_local().date() - timedelta(days=1), time(13, 30))
    s = GroupSession(programme_id=p.id, kind="session", starts_at=start, ends_at=start + timedelta(hours=3))
    db.session.add(s)
    db.session.flush()
    ids = []
    for kid in fam.children():
        e = Enrolment(programme_id=p.id, person_id=kid.id, family_id=fam.id, status="enrolled")
        db.session.add(e)
        db.session.flush()
        ids.append(e.id)
    db.session.commit()
    return p, s, ids


def test_take_attendance_on_a_tablet(page, live_server, browser_login_as, group):
    p, s, (lotte_id, finn_id) = group
    browser_login_as("worker")
    page.goto(f"{live_server.url}/groepen/{p.id}")
    page.click("text=Aanwezigheden")
    page.wait_for_url(f"**/groepen/sessies/{s.id}/aanwezigheden")
    url_before = page.url
    lotte = page.locator(f"#kind-{lotte_id}")
    button = lotte.get_by_role("button", name="Aanwezig")
    box = button.bounding_box()
    assert box["height"] >= 44 and box["width"] >= 44  # a finger fits
    button.click()
    page.wait_for_selector(f"#kind-{lotte_id}.groups-att-present")
    finn = page.locator(f"#kind-{finn_id}")
    finn.get_by_role("button", name="Afwezig").click()
    page.wait_for_selector(f"#kind-{finn_id}.groups-att-absent")
    # change of mind: excused
    page.locator(f"#kind-{finn_id}").get_by_role("button", name="Verontschuldigd").click()
    page.wait_for_selector(f"#kind-{finn_id}.groups-att-excused")
    assert page.locator(f"#kind-{finn_id} button[aria-pressed=true]").inner_text() == "Verontschuldigd"
    assert page.url == url_before  # no page load: htmx swapped the rows
    assert page.console_errors == []
    db.session.expire_all()
    marks = dict(db.session.execute(select(Attendance.enrolment_id, Attendance.status)).all())
    assert marks == {lotte_id: "present", finn_id: "excused"}
    # the programme page now shows the rates
    page.goto(f"{live_server.url}/groepen/{p.id}")
    assert "100%" in page.content() and "0%" in page.content()



def test_two_tablets_marking_the_same_child_see_the_conflict(page, _browser, live_server, browser_login_as, group,
                                                             make_user):
    """Tablet B opened the page before tablet A marked Lotte present; B's "absent" is not stored: B sees who
    marked what, and chooses (htmx swaps the row, no page load). Without JavaScript the page says the same."""
    from tests.browser.conftest import browser_login

    p, s, (lotte_id, _finn_id) = group
    make_user("lien", {db.session.get(Programme, p.id).team: "member"})
    url = f"{live_server.url}/groepen/sessies/{s.id}/aanwezigheden"

    def stored():
        db.session.expire_all()
        return db.session.scalar(select(Attendance.status).where(Attendance.enrolment_id == lotte_id))

    browser_login_as("worker")  # tablet B
    page.goto(url)
    tablet_a = _browser.new_context(locale="nl-BE").new_page()
    browser_login(tablet_a, live_server, "lien")
    tablet_a.goto(url)
    tablet_a.locator(f"#kind-{lotte_id}").get_by_role("button", name="Aanwezig").click()
    tablet_a.wait_for_selector(f"#kind-{lotte_id}.groups-att-present")

    url_before = page.url
    page.locator(f"#kind-{lotte_id}").get_by_role("button", name="Afwezig").click()
    page.wait_for_selector(f"#kind-{lotte_id}.groups-att-conflict")
    alert = " ".join(page.locator(f"#kind-{lotte_id} [role=alert]").inner_text().split())
    assert "Niet bewaard: Lien duidde Lotte Peeters op" in alert and "aan als aanwezig" in alert
    assert "jij koos afwezig. Wat klopt?" in alert
    assert stored() == "present"
    page.locator(f"#kind-{lotte_id}").get_by_role("button", name="Afwezig: mijn keuze").click()
    page.wait_for_selector(f"#kind-{lotte_id}.groups-att-absent:not(.groups-att-conflict)")
    assert page.url == url_before and page.console_errors == []
    assert stored() == "absent"

    # a third tablet without JavaScript shows "absent"; B changes it to "present" meanwhile
    no_js = _browser.new_context(locale="nl-BE", java_script_enabled=False).new_page()
    browser_login(no_js, live_server, "lien")
    no_js.goto(url)
    page.locator(f"#kind-{lotte_id}").get_by_role("button", name="Aanwezig").click()
    page.wait_for_selector(f"#kind-{lotte_id}.groups-att-present")
    with no_js.expect_navigation() as nav:
        no_js.locator(f"#kind-{lotte_id}").get_by_role("button", name="Verontschuldigd").click()
    assert nav.value.status == 409
    body = " ".join(no_js.locator("main").inner_text().split())
    assert "Je keuze is niet bewaard" in body and "Niet bewaard: Worker duidde Lotte Peeters" in body
    assert stored() == "present"
    no_js.locator(f"#kind-{lotte_id}").get_by_role("button", name="Verontschuldigd: mijn keuze").click()
    no_js.wait_for_url(url)
    assert "groups-att-excused" in no_js.locator(f"#kind-{lotte_id}").get_attribute("class")
    assert stored() == "excused"
    tablet_a.context.close()
    no_js.context.close()
