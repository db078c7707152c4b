"""Attendance quick entry (htmx), refusal before the start, rates and the two-absences flag, print and Excel,
and the .ics file read back with icalendar."""

from __future__ import annotations

import io
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from openpyxl import load_workbook
from sqlalchemy import func, select

from core.extensions import db
from core.models import AuditEntry
from plugins.groups.logic import now_local
from plugins.groups.models import Attendance


def past(days, hour=13, minute=30):
    return datetime.combine((now_local() - timedelta(days=days)).date(), time(hour, minute))


def future(days, hour=13, minute=30):
    return datetime.combine((now_local() + timedelta(days=days)).date(), time(hour, minute))


def test_quick_entry_with_htmx_stores_and_returns_the_row(client, login, world, make_programme, make_session,
                                                         enrol_person):
    p = make_programme(world["petra"])
    s = make_session(p, past(1))
    fam = world["fam"]
    e = enrol_person(p, fam.children()[0], fam)
    login(client, "worker")
    page = client.get(f"/groepen/sessies/{s.id}/aanwezigheden").get_data(as_text=True)
    assert "Lotte Peeters" in page and 'hx-post="/groepen/sessies/' in page and "groups-att-btn" in page
    resp = client.post(f"/groepen/sessies/{s.id}/aanwezigheden/{e.id}", data={"status": "present"}, htmx=True)
    assert resp.status_code == 200
    row = resp.get_data(as_text=True)
    assert row.lstrip().startswith('<div class="groups-att-row groups-att-present"') and "<html" not in row
    assert 'aria-pressed="true"' in row
    # change of mind: one row, new status
    client.post(f"/groepen/sessies/{s.id}/aanwezigheden/{e.id}", data={"status": "excused", "vorige": "present"}, htmx=True)
    rows = list(db.session.scalars(select(Attendance)))
    assert len(rows) == 1 and rows[0].status == "excused" and rows[0].recorded_by_id == world["users"]["worker"].id
    assert db.session.scalar(select(func.count(AuditEntry.id)).where(
        AuditEntry.object_type == "groups_attendance", AuditEntry.action == "update",
        AuditEntry.family_id == fam.id)) == 2
    # without JavaScript: a plain form post redirects back
    resp = client.post(f"/groepen/sessies/{s.id}/aanwezigheden/{e.id}", data={"status": "absent", "vorige": "excused"})
    assert resp.status_code == 302


def test_attendance_for_a_session_that_has_not_started_is_refused(client, login, world, make_programme,
                                                                   make_session, enrol_person):
    p = make_programme(world["petra"])
    s = make_session(p, future(2))
    e = enrol_person(p, world["fam"].children()[0], world["fam"])
    login(client, "worker")
    page = client.get(f"/groepen/sessies/{s.id}/aanwezigheden").get_data(as_text=True)
    assert "begint pas op" in page and "groups-att-btn" not in page
    resp = client.post(f"/groepen/sessies/{s.id}/aanwezigheden/{e.id}", data={"status": "present"})
    assert resp.status_code == 400 and "begint pas op" in resp.get_data(as_text=True)
    # htmx gets the row back (htmx swaps only 2xx) with the refusal next to it, nothing stored
    resp = client.post(f"/groepen/sessies/{s.id}/aanwezigheden/{e.id}", data={"status": "present"}, htmx=True)
    row = resp.get_data(as_text=True)
    assert "Aanwezigheden registreer je vanaf het begin" in row and 'class="field-error"' in row
    assert 'aria-pressed="true"' not in row
    assert db.session.scalar(select(func.count(Attendance.id))) == 0


def test_attendance_for_cancelled_session_or_bad_status_refused(client, login, world, make_programme, make_session,
                                                               enrol_person):
    p = make_programme(world["petra"])
    s = make_session(p, past(2), cancelled=True)
    s2 = make_session(p, past(1))
    e = enrol_person(p, world["fam"].children()[0], world["fam"])
    login(client, "worker")
    assert client.post(f"/groepen/sessies/{s.id}/aanwezigheden/{e.id}", data={"status": "present"}).status_code == 400
    resp = client.post(f"/groepen/sessies/{s2.id}/aanwezigheden/{e.id}", data={"status": "misschien"})
    assert resp.status_code == 400 and "Kies aanwezig, afwezig of verontschuldigd." in resp.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Attendance.id))) == 0


def _history(world, make_programme, make_session, enrol_person, mark):
    p = make_programme(world["petra"], name="PeTra-groep lager")
    sessions = [make_session(p, past(days)) for days in (28, 21, 14, 7)]
    fam, fam2 = world["fam"], world["fam2"]
    lotte, finn = fam.children()
    elif_ = fam2.children()[0]
    e1, e2, e3 = enrol_person(p, lotte, fam), enrol_person(p, finn, fam), enrol_person(p, elif_, fam2)
    for s, st in zip(sessions, ["present", "present", "present", "excused"], strict=True):
        mark(s, e1, st)
    for s, st in zip(sessions, ["present", "present", "absent", "absent"], strict=True):
        mark(s, e2, st)
    for s, st in zip(sessions, ["absent", "present", "absent", "present"], strict=True):
        mark(s, e3, st)
    return p, sessions, (e1, e2, e3)


def test_rates_and_flag_on_programme_page(client, login, world, make_programme, make_session, enrol_person, mark):
    p, sessions, _ = _history(world, make_programme, make_session, enrol_person, mark)
    login(client, "worker")
    body = client.get(f"/groepen/{p.id}").get_data(as_text=True)
    lotte_row = body[body.index("Lotte Peeters"):body.index("Lotte Peeters") + 900]
    finn_row = body[body.index("Finn Peeters"):body.index("Finn Peeters") + 900]
    elif_row = body[body.index("Elif Öztürk"):body.index("Elif Öztürk") + 900]
    assert "75%" in lotte_row and "2x afwezig" not in lotte_row
    assert "50%" in finn_row and "2x afwezig" in finn_row
    assert "50%" in elif_row and "2x afwezig" not in elif_row
    assert "100% (3/3)" in body and "67% (2/3)" in body  # second and first session
    assert "33% (1/3)" in body  # third session
    body = client.get(f"/groepen/sessies/{sessions[2].id}").get_data(as_text=True)
    assert "aanwezig 1, afwezig 2, verontschuldigd 0" in body


def test_attendance_list_print_and_excel(client, login, world, make_programme, make_session, enrol_person, mark):
    p, sessions, _ = _history(world, make_programme, make_session, enrol_person, mark)
    login(client, "worker")
    body = client.get(f"/groepen/{p.id}/aanwezigheidslijst").get_data(as_text=True)
    assert "Aanwezigheidslijst PeTra-groep lager" in body and "Finn Peeters" in body
    resp = client.get(f"/groepen/{p.id}/aanwezigheidslijst.xlsx")
    assert resp.status_code == 200 and resp.mimetype.endswith("spreadsheetml.sheet")
    wb = load_workbook(io.BytesIO(resp.data))
    ws = wb["Aanwezigheden"]
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0][0] == "Aanwezigheidslijst PeTra-groep lager"
    header = rows[3]
    assert header[0] == "Kind" and header[2] == sessions[0].starts_at.strftime("%d/%m/%Y %H:%M")
    by_name = {r[0]: r for r in rows[4:7]}
    assert by_name["Finn Peeters"][2:6] == ("A", "A", "X", "X")
    assert by_name["Finn Peeters"][6:11] == (2, 2, 0, 50, "ja")
    assert by_name["Lotte Peeters"][2:6] == ("A", "A", "A", "V") and by_name["Lotte Peeters"][9] == 75
    assert rows[7][0] == "Aanwezigheid per sessie (%)" and rows[7][2:6] == (67, 100, 33, 33)
    assert db.session.scalar(select(func.count(AuditEntry.id)).where(AuditEntry.action == "export")) == 2


def test_ics_parses_and_holds_brussels_times(client, login, world, make_programme, make_session):
    from icalendar import Calendar

    p = make_programme(world["petra"], name="PeTra-groep", leaders=[world["users"]["worker"]])
    winter = make_session(p, datetime(2025, 2, 19, 13, 30), theme="Groepsdruk", partner_id=world["school"].id)
    summer = make_session(p, datetime(2025, 7, 2, 13, 30), cancelled=True)
    login(client, "ovw")  # another team with the plugin may read the planning
    resp = client.get(f"/groepen/{p.id}/agenda.ics")
    assert resp.status_code == 200 and resp.mimetype == "text/calendar"
    raw = resp.get_data(as_text=True)
    assert "DTSTART;TZID=Europe/Brussels:20250219T133000" in raw
    assert "BEGIN:VTIMEZONE" in raw
    cal = Calendar.from_ical(resp.data)
    events = {ev["uid"]: ev for ev in cal.walk("VEVENT")}
    assert len(events) == 2
    ev = events[f"groups-session-{winter.id}@hvhk-intranet"]
    start, end = ev.decoded("dtstart"), ev.decoded("dtend")
    assert start.tzinfo is not None
    assert start.astimezone(ZoneInfo("UTC")) == datetime(2025, 2, 19, 12, 30, tzinfo=ZoneInfo("UTC"))  # CET +1
    assert end.astimezone(ZoneInfo("Europe/Brussels")).replace(tzinfo=None) == datetime(2025, 2, 19, 16, 30)
    assert str(ev["summary"]) == "PeTra-groep: Groepsdruk" and str(ev["location"]) == "Campus O3 - atelier"
    assert "Begeleiders: Worker" in str(ev["description"]) and "Blok door Basisschool De Linde" in str(ev["description"])
    ev2 = events[f"groups-session-{summer.id}@hvhk-intranet"]
    assert ev2.decoded("dtstart").astimezone(ZoneInfo("UTC")).hour == 11  # CEST +2
    assert str(ev2["status"]) == "CANCELLED"


def test_withdrawn_child_cannot_get_a_new_mark_from_an_open_tablet(client, login, world, make_programme,
                                                                   make_session, enrol_person):
    p = make_programme(world["petra"])
    s = make_session(p, past(1))
    e = enrol_person(p, world["fam"].children()[0], world["fam"])
    login(client, "worker")
    client.post(f"/groepen/inschrijvingen/{e.id}/uitschrijven", data={"bevestigd": "1"})
    row = client.post(f"/groepen/sessies/{s.id}/aanwezigheden/{e.id}", data={"status": "present"},
                      htmx=True).get_data(as_text=True)
    assert "niet (meer) ingeschreven" in row
    assert db.session.scalar(select(func.count(Attendance.id))) == 0
