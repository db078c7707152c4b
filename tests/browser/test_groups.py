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
