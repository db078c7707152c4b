"""Programmes and sessions through the pages: create, bad input, series, single events, conflicts, move/cancel."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from sqlalchemy import func, select

from core.extensions import db
from core.models import AuditEntry
from plugins.groups.logic import now_local
from plugins.groups.models import GroupSession, Programme


def past(days, hour=13, minute=30):
    return datetime.combine((now_local() - timedelta(days=days)).date(), time(hour, minute))


def future(days, hour=13, minute=30):
    return datetime.combine((now_local() + timedelta(days=days)).date(), time(hour, minute))


def _programme_data(world, **over):
    data = {"name": "PeTra-groep lager voorjaar", "team_id": world["petra"].id, "kind": "cycle", "age_group": "lager",
            "capacity": "8", "location": "Campus O3 - atelier", "start_date": "2025-02-12", "end_date": "2025-04-30",
            "leader_ids": [str(world["users"]["worker"].id)], "partner_ids": [str(world["school"].id)],
            "themes": "relaties, groepsdruk, gezag", "description": ""}
    data.update(over)
    return data


def test_create_programme_with_leaders_and_partners(client, login, world):
    login(client, "worker")
    resp = client.post("/groepen/nieuw", data=_programme_data(world))
    assert resp.status_code == 302
    p = db.session.scalar(select(Programme))
    assert p.name == "PeTra-groep lager voorjaar" and p.capacity == 8 and p.team_id == world["petra"].id
    assert [u.username for u in p.leaders] == ["worker"] and [o.name for o in p.partners] == ["Basisschool De Linde"]
    page = client.get(f"/groepen/{p.id}").get_data(as_text=True)
    assert "Basisschool De Linde" in page and "Worker" in page


def test_capacity_zero_refused_with_dutch_message_and_input_kept(client, login, world):
    login(client, "worker")
    resp = client.post("/groepen/nieuw", data=_programme_data(world, capacity="0", name="Zomerschool Genk"))
    body = resp.get_data(as_text=True)
    assert resp.status_code == 200
    assert "De capaciteit moet minstens 1 zijn" in body
    assert 'value="Zomerschool Genk"' in body
    assert db.session.scalar(select(func.count(Programme.id))) == 0


def test_end_date_before_start_and_age_range_refused(client, login, world):
    login(client, "worker")
    body = client.post("/groepen/nieuw", data=_programme_data(world, end_date="2025-01-01")).get_data(as_text=True)
    assert "De einddatum ligt vóór de begindatum." in body
    body = client.post("/groepen/nieuw", data=_programme_data(world, age_group="leeftijd", age_min="12",
                                                                age_max="8")).get_data(as_text=True)
    assert "kleiner dan de minimumleeftijd" in body
    assert db.session.scalar(select(func.count(Programme.id))) == 0


def test_cannot_create_for_a_team_you_are_not_in(client, login, world):
    login(client, "worker")
    body = client.post("/groepen/nieuw", data=_programme_data(world, team_id=str(world["ovw"].id))).get_data(as_text=True)
    assert "Kies een van de mogelijkheden." in body
    assert db.session.scalar(select(func.count(Programme.id))) == 0


def test_series_generation_skips_holidays(client, login, world, make_programme):
    p = make_programme(world["petra"], leaders=[world["users"]["worker"]])
    login(client, "worker")
    resp = client.post(f"/groepen/{p.id}/reeks", data={
        "weekday": "2", "first_day": "2025-02-17", "start_time": "13:30", "end_time": "16:30", "count": "6",
        "skip": "03/03/2025 - 09/03/2025", "location": "", "theme": "Groepsdruk"})
    assert resp.status_code == 302
    sessions = list(db.session.scalars(select(GroupSession).order_by(GroupSession.starts_at)))
    assert [s.starts_at for s in sessions] == [datetime(2025, 2, 19, 13, 30), datetime(2025, 2, 26, 13, 30),
                                               datetime(2025, 3, 12, 13, 30), datetime(2025, 3, 19, 13, 30),
                                               datetime(2025, 3, 26, 13, 30), datetime(2025, 4, 2, 13, 30)]
    assert all(s.ends_at.time() == time(16, 30) and s.theme == "Groepsdruk" for s in sessions)
    flashed = client.get(f"/groepen/{p.id}").get_data(as_text=True)
    assert "Overgeslagen: 05/03/2025" in flashed


def test_series_bad_input_keeps_what_was_typed(client, login, world, make_programme):
    p = make_programme(world["petra"])
    login(client, "worker")
    body = client.post(f"/groepen/{p.id}/reeks", data={
        "weekday": "2", "first_day": "2025-02-17", "start_time": "16:30", "end_time": "13:30", "count": "6",
        "skip": "krokusvakantie"}).get_data(as_text=True)
    assert "Het einduur ligt vóór (of op) het beginuur." in body
    assert "geen geldige datum of periode" in body
    assert "krokusvakantie</textarea>" in body
    assert db.session.scalar(select(func.count(GroupSession.id))) == 0


def test_session_ending_before_it_starts_is_refused(client, login, world, make_programme):
    p = make_programme(world["petra"])
    login(client, "worker")
    resp = client.post(f"/groepen/{p.id}/sessies/nieuw", data={
        "kind": "session", "start_day": "2025-03-05", "start_time": "16:30", "end_day": "", "end_time": "13:30",
        "theme": "Vriendschap", "location": "Zaal 1"})
    body = resp.get_data(as_text=True)
    assert resp.status_code == 200
    assert "Het einde van de sessie ligt vóór (of op) het begin." in body
    assert 'value="Vriendschap"' in body and 'value="Zaal 1"' in body
    assert db.session.scalar(select(func.count(GroupSession.id))) == 0


def test_multi_day_weekend_event(client, login, world, make_programme):
    p = make_programme(world["petra"], age_group="secundair")
    login(client, "worker")
    resp = client.post(f"/groepen/{p.id}/sessies/nieuw", data={
        "kind": "multiday", "start_day": "2025-03-28", "start_time": "19:00", "end_day": "2025-03-30",
        "end_time": "12:00", "theme": "Groepsweekend", "location": "Hengelhoef"})
    assert resp.status_code == 302
    s = db.session.scalar(select(GroupSession))
    assert s.kind == "multiday" and s.hours == 41.0
    assert s.starts_at == datetime(2025, 3, 28, 19) and s.ends_at == datetime(2025, 3, 30, 12)


def test_room_conflict_warns_then_saves_when_confirmed(client, login, world, make_programme, make_session):
    other = make_programme(world["ovw"], name="Oudergroep", location="Campus O3 - atelier")
    make_session(other, datetime(2025, 3, 5, 15, 0), hours=2)
    p = make_programme(world["petra"], location="Campus O3 - Atelier")
    login(client, "worker")
    data = {"kind": "session", "start_day": "2025-03-05", "start_time": "13:30", "end_time": "16:30",
            "theme": "Vriendschap", "location": ""}
    body = client.post(f"/groepen/{p.id}/sessies/nieuw", data=data).get_data(as_text=True)
    assert "Planningsconflict" in body and "Oudergroep" in body and "is dan al bezet" in body
    assert 'value="Vriendschap"' in body
    assert db.session.scalar(select(func.count(GroupSession.id)).where(GroupSession.programme_id == p.id)) == 0
    resp = client.post(f"/groepen/{p.id}/sessies/nieuw", data=dict(data, confirm_conflicts="y"))
    assert resp.status_code == 302
    assert db.session.scalar(select(func.count(GroupSession.id)).where(GroupSession.programme_id == p.id)) == 1


def test_leader_conflict_and_no_conflict_when_adjacent(client, login, world, make_programme, make_session):
    worker = world["users"]["worker"]
    other = make_programme(world["petra"], name="Andere groep", location="Elders", leaders=[worker])
    make_session(other, datetime(2025, 3, 5, 10, 0), hours=3)  # 10:00-13:00
    p = make_programme(world["petra"], location="Zaal 2", leaders=[worker])
    login(client, "worker")
    data = {"kind": "session", "start_day": "2025-03-05", "start_time": "12:30", "end_time": "16:30", "location": ""}
    body = client.post(f"/groepen/{p.id}/sessies/nieuw", data=data).get_data(as_text=True)
    assert "Worker is dan al ingepland" in body
    resp = client.post(f"/groepen/{p.id}/sessies/nieuw", data=dict(data, start_time="13:00"))
    assert resp.status_code == 302  # back to back is fine


def test_series_conflict_needs_confirmation(client, login, world, make_programme, make_session):
    other = make_programme(world["ovw"], name="Zomerschool", location="Atelier")
    make_session(other, datetime(2025, 2, 26, 14, 0), hours=1)
    cancelled = make_session(other, datetime(2025, 3, 5, 14, 0), hours=1)
    cancelled.cancelled = True
    db.session.commit()
    p = make_programme(world["petra"], location="Atelier")
    login(client, "worker")
    data = {"weekday": "2", "first_day": "2025-02-19", "start_time": "13:30", "end_time": "16:30", "count": "3",
            "skip": "", "location": ""}
    body = client.post(f"/groepen/{p.id}/reeks", data=data).get_data(as_text=True)
    assert body.count("Zomerschool:") == 1  # the cancelled session does not conflict
    assert db.session.scalar(select(func.count(GroupSession.id)).where(GroupSession.programme_id == p.id)) == 0
    assert client.post(f"/groepen/{p.id}/reeks", data=dict(data, confirm_conflicts="y")).status_code == 302
    assert db.session.scalar(select(func.count(GroupSession.id)).where(GroupSession.programme_id == p.id)) == 3


def test_move_session_shows_who_must_be_told(client, login, world, make_programme, make_session, enrol_person):
    fam = world["fam"]
    fam.phone, fam.contact_channels = "0470 12 34 56", "telefoon, berichtenapp"
    db.session.commit()
    p = make_programme(world["petra"], leaders=[world["users"]["worker"]])
    s = make_session(p, future(7))
    lotte = fam.children()[0]
    enrol_person(p, lotte, fam)
    login(client, "worker")
    new_day = (s.starts_at + timedelta(days=1)).date().isoformat()
    resp = client.post(f"/groepen/sessies/{s.id}/bewerken", data={
        "kind": "session", "start_day": new_day, "start_time": "14:00", "end_time": "17:00", "location": "",
        "version": str(s.version)})
    assert resp.status_code == 302 and resp.headers["Location"].endswith(f"/groepen/sessies/{s.id}/verwittigen")
    body = client.get(resp.headers["Location"]).get_data(as_text=True)
    assert "Lotte Peeters" in body and "0470 12 34 56" in body and "berichtenapp" in body and "Worker" in body
    assert db.session.scalar(select(func.count(AuditEntry.id)).where(
        AuditEntry.family_id == fam.id, AuditEntry.object_type == "groups_session")) >= 1


def test_cancel_session_and_undo(client, login, world, make_programme, make_session):
    p = make_programme(world["petra"])
    s = make_session(p, future(3))
    login(client, "worker")
    resp = client.post(f"/groepen/sessies/{s.id}/annuleren")
    assert resp.status_code == 302 and "verwittigen" in resp.headers["Location"]
    db.session.refresh(s)
    assert s.cancelled
    client.post(f"/groepen/sessies/{s.id}/annuleren", data={"herstel": "1"})
    db.session.refresh(s)
    assert not s.cancelled


def test_second_save_of_a_session_is_refused(client, login, world, make_programme, make_session):
    p = make_programme(world["petra"])
    s = make_session(p, future(3))
    login(client, "worker")
    data = {"kind": "session", "start_day": s.starts_at.date().isoformat(), "start_time": "13:30", "end_time": "16:30",
            "location": "", "plan": "Eerste versie", "version": str(s.version)}
    assert client.post(f"/groepen/sessies/{s.id}/bewerken", data=data).status_code == 302
    resp = client.post(f"/groepen/sessies/{s.id}/bewerken", data=dict(data, plan="Tweede versie"))
    assert resp.status_code == 409
    body = resp.get_data(as_text=True)
    assert "Iemand anders heeft dit intussen gewijzigd" in body and "Tweede versie" in body
    db.session.refresh(s)
    assert s.plan == "Eerste versie"


def test_programme_edit_conflict(client, login, world, make_programme):
    p = make_programme(world["petra"])
    login(client, "worker")
    data = _programme_data(world, name="Nieuwe naam", version=str(p.version))
    assert client.post(f"/groepen/{p.id}/bewerken", data=data).status_code == 302
    resp = client.post(f"/groepen/{p.id}/bewerken", data=dict(data, name="Nog een naam"))
    assert resp.status_code == 409 and 'value="Nog een naam"' in resp.get_data(as_text=True)


def test_calendar_month_and_week(client, login, world, make_programme, make_session):
    p = make_programme(world["petra"], name="Woensdaggroep")
    make_session(p, datetime(2025, 3, 5, 13, 30))
    other = make_programme(world["ovw"], name="Oudergroep OVW")
    make_session(other, datetime(2025, 3, 6, 19, 0))
    login(client, "worker")
    body = client.get("/groepen/kalender?maand=2025-03").get_data(as_text=True)
    assert "maart 2025" in body and "13:30 Woensdaggroep" in body and "Oudergroep OVW" not in body
    body = client.get("/groepen/kalender?maand=2025-03&team=alle").get_data(as_text=True)
    assert "Oudergroep OVW" in body
    body = client.get("/groepen/kalender/week?dag=2025-03-05").get_data(as_text=True)
    assert "week 10" in body and "Woensdaggroep" in body
    assert client.get("/groepen/kalender?maand=rommel").status_code == 400  # a Dutch 400 naming ‘maand’
    _ = date  # keep import used


def test_changing_leaders_warns_about_conflicts_with_coming_sessions(client, login, world, make_programme,
                                                                      make_session):
    worker, manager = world["users"]["worker"], world["users"]["manager"]
    busy = make_programme(world["petra"], name="Andere groep", location="Elders", leaders=[manager])
    make_session(busy, future(7, 14, 0), hours=1)
    p = make_programme(world["petra"], name="PeTra-groep", location="Zaal 1", leaders=[worker])
    make_session(p, future(7))
    login(client, "worker")
    data = _programme_data(world, name="PeTra-groep", location="Zaal 1", version=str(p.version),
                           leader_ids=[str(worker.id), str(manager.id)])
    body = client.post(f"/groepen/{p.id}/bewerken", data=data).get_data(as_text=True)
    assert "Planningsconflict" in body and "Manager is dan al ingepland" in body and "Andere groep" in body
    db.session.refresh(p)
    assert [u.username for u in p.leaders] == ["worker"]
    assert client.post(f"/groepen/{p.id}/bewerken", data=dict(data, confirm_conflicts="y")).status_code == 302
    db.session.refresh(p)
    assert {u.username for u in p.leaders} == {"worker", "manager"}


def test_archived_programme_leaves_lists_calendars_and_conflicts(client, login, world, make_programme, make_session):
    p = make_programme(world["petra"], name="Oude groep", location="Zaal 1")
    make_session(p, datetime(2025, 3, 5, 13, 30))
    login(client, "worker")
    ask = client.post(f"/groepen/{p.id}/archiveren")  # asks first
    assert ask.status_code == 200 and "Oude groep archiveren?" in ask.get_data(as_text=True)
    db.session.refresh(p)
    assert not p.archived
    client.post(f"/groepen/{p.id}/archiveren", data={"bevestigd": "1"})
    db.session.refresh(p)
    assert p.archived
    assert "Oude groep" not in client.get("/groepen/").get_data(as_text=True)
    assert "Oude groep" not in client.get("/groepen/kalender?maand=2025-03").get_data(as_text=True)
    q = make_programme(world["petra"], name="Nieuwe groep", location="Zaal 1")
    resp = client.post(f"/groepen/{q.id}/sessies/nieuw", data={
        "kind": "session", "start_day": "2025-03-05", "start_time": "13:30", "end_time": "16:30", "location": ""})
    assert resp.status_code == 302
    assert "gearchiveerd" in client.get(f"/groepen/{p.id}").get_data(as_text=True)
    client.post(f"/groepen/{p.id}/archiveren", data={"herstel": "1"})
    db.session.refresh(p)
    assert not p.archived


def test_a_partner_delivers_a_block(client, login, world, make_programme):
    jac = world["school"]
    p = make_programme(world["petra"], name="PeTra-groep")
    p.partners = [jac]
    db.session.commit()
    login(client, "worker")
    form = client.get(f"/groepen/{p.id}/sessies/nieuw").get_data(as_text=True)
    assert "Basisschool De Linde" in form and "het eigen team" in form
    resp = client.post(f"/groepen/{p.id}/sessies/nieuw", data={
        "kind": "session", "start_day": "2025-03-05", "start_time": "13:30", "end_time": "16:30", "location": "",
        "theme": "Weerbaarheid", "partner_id": str(jac.id)})
    assert resp.status_code == 302
    s = db.session.scalar(select(GroupSession))
    assert s.partner_id == jac.id
    assert "door Basisschool De Linde" in client.get(f"/groepen/{p.id}").get_data(as_text=True)
    # an organisation that is not a partner of the programme is refused
    other = make_org_direct("CLB Genk")
    body = client.post(f"/groepen/{p.id}/sessies/nieuw", data={
        "kind": "session", "start_day": "2025-03-12", "start_time": "13:30", "end_time": "16:30", "location": "",
        "partner_id": str(other.id)}).get_data(as_text=True)
    assert "Kies een van de mogelijkheden." in body


def make_org_direct(name):
    from core.models import Organisation

    org = Organisation(name=name, kind="clb")
    db.session.add(org)
    db.session.commit()
    return org


def test_weekend_shows_on_each_of_its_days_in_the_week_view(client, login, world, make_programme, make_session):
    p = make_programme(world["petra"], name="Groepsweekend secundair")
    make_session(p, datetime(2025, 3, 28, 19, 0), hours=41, kind="multiday")  # Friday 19:00 - Sunday 12:00
    login(client, "worker")
    body = client.get("/groepen/kalender/week?dag=2025-03-26").get_data(as_text=True)
    assert body.count("Groepsweekend secundair") == 3
    sections = body.split('<section class="groups-weekday')[1:]
    days_with = [i for i, sec in enumerate(sections) if "Groepsweekend secundair" in sec]
    assert days_with == [4, 5, 6]
    assert "vr 28/03/2025 19:00 tot zo 30/03/2025 12:00" in body
