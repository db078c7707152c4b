"""Groups through the core's kit: list reads written in one insert at the end of the request, htmx answers on
htmx-flask's ``request.htmx`` (a header "false" is not htmx), and fragments that are pages without htmx."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from sqlalchemy import select

from core.extensions import db
from core.models import AuditEntry, Involvement
from plugins.groups.logic import now_local


def _past(days: int) -> datetime:
    return datetime.combine((now_local() - timedelta(days=days)).date(), time(13, 30))


def test_attendance_page_logs_every_family_in_one_insert(client, login, world, make_programme, make_session,
                                                         enrol_person, count_queries):
    p = make_programme(world["petra"])
    s = make_session(p, _past(1))
    fam, fam2 = world["fam"], world["fam2"]
    for child in fam.children():
        enrol_person(p, child, fam)
    enrol_person(p, fam2.children()[0], fam2)
    login(client, "worker")
    with count_queries() as n:
        assert client.get(f"/groepen/sessies/{s.id}/aanwezigheden").status_code == 200
    inserts = [q for q in n.statements if q.lstrip().upper().startswith("INSERT INTO AUDIT_ENTRY")]
    assert len(inserts) == 1
    families = db.session.scalars(select(AuditEntry.family_id).where(
        AuditEntry.object_type == "groups_attendance", AuditEntry.action == "view", AuditEntry.object_id == s.id))
    assert sorted(families) == sorted([fam.id, fam2.id])  # one entry per family, not per child


def test_a_header_saying_false_is_not_htmx(client, login, world, make_programme, make_session, enrol_person):
    p = make_programme(world["petra"])
    s = make_session(p, _past(1))
    e = enrol_person(p, world["fam"].children()[0], world["fam"])
    login(client, "worker")
    url = f"/groepen/sessies/{s.id}/aanwezigheden/{e.id}"
    resp = client.post(url, data={"status": "present"}, headers={"HX-Request": "false"})
    assert resp.status_code == 302  # the plain form flow, as the page without JavaScript expects
    assert client.post(url, data={"status": "absent"}, htmx=True).status_code == 200


def test_family_panel_and_week_tile_are_pages_without_htmx(client, login, world, make_programme, enrol_person):
    p = make_programme(world["petra"])
    enrol_person(p, world["fam"].children()[0], world["fam"])
    db.session.add(Involvement(family_id=world["fam"].id, team_id=world["petra"].id, reason="groepsaanbod"))
    db.session.commit()
    login(client, "worker")
    url = f"/groepen/gezin/{world['fam'].id}/paneel"
    assert "<!doctype html>" not in client.htmx_get(url).get_data(as_text=True)
    page = client.get(url).get_data(as_text=True)
    assert "<!doctype html>" in page and "<h1>Groepsaanbod</h1>" in page and p.name in page
    assert "Terug naar het gezin" in page
    tile = client.get("/groepen/widget/deze-week").get_data(as_text=True)
    assert "<!doctype html>" in tile and "<h1>Groepssessies deze week</h1>" in tile
