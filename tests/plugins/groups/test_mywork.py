"""Groups on "Mijn werk", in the agenda and in the calendar feed: sessions to prepare, absences to follow up,
the sessions of the programmes I lead (and nobody else's)."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta

from core.plugins import current_plugins


def _due(app, user, until):
    with app.test_request_context():
        return [i for g in current_plugins().hook_for(user, "hvhk_due_items")(user=user, until=until) for i in g]


def test_sessions_to_prepare_and_absences(app, world, make_programme, make_session, enrol_person, mark):
    worker = world["users"]["worker"]
    today = date.today()
    p = make_programme(world["petra"], leaders=[worker])
    other = make_programme(world["petra"], name="Andere groep", leaders=[world["users"]["manager"]])
    soon = make_session(p, datetime.combine(today + timedelta(days=3), time(13, 30)))
    make_session(p, datetime.combine(today + timedelta(days=4), time(13, 30)), plan="Spel en gesprek")
    make_session(p, datetime.combine(today + timedelta(days=40), time(13, 30)))  # later than until
    make_session(other, datetime.combine(today + timedelta(days=3), time(13, 30)))  # not mine
    past = make_session(p, datetime.combine(today - timedelta(days=2), time(13, 30)), plan="x")
    lotte = world["fam"].children()[0]
    e = enrol_person(p, lotte, world["fam"])
    mark(past, e, "absent")
    items = _due(app, worker, today + timedelta(days=14))
    prepare = [i for i in items if i.kind == "Sessie voorbereiden"]
    assert [(i.reference, i.due) for i in prepare] == [(p.ref, soon.starts_at.date())]
    absent = [i for i in items if i.kind == "Afwezigheid opvolgen"]
    assert len(absent) == 1 and absent[0].family_id == world["fam"].id and "Lotte" in absent[0].detail
    assert absent[0].overdue(today)
    # the manager leads the other programme only
    assert {i.reference for i in _due(app, world["users"]["manager"], today + timedelta(days=14))} == {other.ref}


def test_led_sessions_in_agenda_and_feed(client, login, world, make_programme, make_session):
    from icalendar import Calendar

    worker = world["users"]["worker"]
    monday = date.today() - timedelta(days=date.today().weekday())
    p = make_programme(world["petra"], name="Woensdaggroep", leaders=[worker], location="Campus O3 - atelier")
    s = make_session(p, datetime.combine(monday + timedelta(days=2), time(13, 30)), theme="Groepsdruk")
    login(client, "worker")
    body = client.get(f"/agenda/?datum={monday.isoformat()}").get_data(as_text=True)
    assert f"Groepssessie {p.ref}" in body and "Woensdaggroep: Groepsdruk" in body
    page = client.post("/instellingen/agenda/nieuw").get_data(as_text=True)
    url = re.search(r'value="(http[^"]+\.ics)"', page).group(1).replace("http://localhost", "")
    cal = Calendar.from_ical(client.get(url).data)
    events = list(cal.walk("VEVENT"))
    assert [str(e["SUMMARY"]) for e in events] == [f"Groepssessie {p.ref}"]
    assert str(events[0]["UID"]) == f"groups-session-{s.id}@hvhk-intranet"
    assert str(events[0]["LOCATION"]) == "Campus O3 - atelier"
    client.post("/logout")
    login(client, "ovw")  # another team: not in their agenda
    assert p.ref not in client.get(f"/agenda/?datum={monday.isoformat()}").get_data(as_text=True)


def test_mywork_shows_my_programmes(client, login, world, make_programme, enrol_person):
    worker = world["users"]["worker"]
    p = make_programme(world["petra"], name="Woensdaggroep", leaders=[worker])
    enrol_person(p, world["fam"].children()[0], world["fam"])
    login(client, "worker")
    body = client.get("/").get_data(as_text=True)
    assert p.ref in body and "Woensdaggroep · 1 ingeschreven" in body
