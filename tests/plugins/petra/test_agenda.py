"""PeTra in the agenda: a roundtable planned ahead becomes an appointment (no longer refused as "toekomst"),
holding it later records the roundtable and updates the appointment; what is due in my trajectories."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta

from sqlalchemy import func, select

from core.extensions import db
from core.work import Appointment
from plugins.petra.models import Roundtable, SdqResult, Trajectory


def _plan(day: date, **over):
    data = {"kind": "tussentijds", "day": day.isoformat(), "start": "09:00", "end": "10:30",
            "place": "Basisschool De Linde", "participants": ["directie", "klasleerkracht", "ouders"],
            "other_participants": ""}
    data.update(over)
    return data


def test_plan_ahead_then_hold(client, login, world, make_trajectory):
    worker = world["users"]["worker"]
    t = make_trajectory(world["petra"], world["fam"], world["lotte"], start_on=date.today() - timedelta(days=60),
                        lead=worker)
    login(client, "worker")
    next_week = date.today() + timedelta(days=7)
    # recording a roundtable in the future is still refused, and points to planning
    resp = client.post(f"/petra/traject/{t.id}/rondetafel", data={
        "kind": "tussentijds", "held_on": next_week.isoformat(), "minutes": "90", "participants": ["directie"]})
    assert resp.status_code == 200 and "Plan hem vooruit" in resp.get_data(as_text=True)
    # planning it ahead works and lands in the agenda
    resp = client.post(f"/petra/traject/{t.id}/rondetafel/plannen", data=_plan(next_week))
    assert resp.status_code == 302, resp.get_data(as_text=True)
    a = db.session.scalar(select(Appointment))
    assert (a.kind, a.reference, a.subkind, a.status) == ("rondetafel", t.ref, "tussentijds", "planned")
    assert a.family_id == world["fam"].id and worker.id in a.participant_ids
    assert a.starts_at == datetime.combine(next_week, time(9)) and "Directie" in a.external_participants
    week = client.get(f"/agenda/?datum={next_week.isoformat()}").get_data(as_text=True)
    assert f"Rondetafel {t.ref}" in week
    show = client.get(f"/petra/traject/{t.id}").get_data(as_text=True)
    assert "gepland" in show and f"afspraak={a.id}" in show
    assert db.session.scalar(select(func.count()).select_from(Roundtable)) == 0
    # held earlier than planned (today): the roundtable is recorded, the appointment moves and links to it
    form = client.get(f"/petra/traject/{t.id}/rondetafel?afspraak={a.id}").get_data(as_text=True)
    assert "Geplande rondetafel" in form
    checked = set(re.findall(r'value="(\w+)"[^>]*checked', form)) | set(re.findall(r'checked[^>]*value="(\w+)"', form))
    assert {"directie", "klasleerkracht", "ouders"} <= checked and "clb" not in checked
    resp = client.post(f"/petra/traject/{t.id}/rondetafel?afspraak={a.id}", data={
        "kind": "tussentijds", "held_on": date.today().isoformat(), "minutes": "90",
        "participants": ["directie", "ouders"], "agreements": "Goed bezig."})
    assert resp.status_code == 302, resp.get_data(as_text=True)
    db.session.expire_all()
    r = db.session.scalar(select(Roundtable))
    a = db.session.get(Appointment, a.id)
    assert r.kind == "tussentijds" and r.held_on == date.today()
    assert (a.status, a.object_type, a.object_id) == ("held", "petra_roundtable", r.id)
    assert a.starts_at == datetime.combine(date.today(), time(9))
    # it cannot be held twice through the same appointment
    resp = client.post(f"/petra/traject/{t.id}/rondetafel?afspraak={a.id}", data={
        "kind": "eind", "held_on": date.today().isoformat(), "minutes": "90", "participants": ["directie"]})
    db.session.expire_all()
    assert db.session.get(Appointment, a.id).object_id == r.id


def test_plan_bad_input_and_forbidden(client, login, world, make_trajectory):
    t = make_trajectory(world["petra"], world["fam"], world["lotte"], start_on=date.today() - timedelta(days=60),
                        lead=world["users"]["worker"])
    login(client, "worker")
    tomorrow = date.today() + timedelta(days=1)
    resp = client.post(f"/petra/traject/{t.id}/rondetafel/plannen", data=_plan(tomorrow, start="11:00", end="10:00"))
    assert 'id="end-fout"' in resp.get_data(as_text=True)
    resp = client.post(f"/petra/traject/{t.id}/rondetafel/plannen",
                       data=_plan(date.today() - timedelta(days=2)))
    assert resp.status_code == 422 and 'id="day-fout"' in resp.get_data(as_text=True)
    resp = client.post(f"/petra/traject/{t.id}/rondetafel/plannen", data=_plan(tomorrow, kind="start"))
    assert resp.status_code == 422 and "al een startrondetafel" in resp.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Appointment)) == 0
    client.post("/logout")
    login(client, "ovw")  # PeTra on for the Opvoedingswinkel, but not its trajectory
    assert client.get(f"/petra/traject/{t.id}/rondetafel/plannen").status_code == 404
    assert client.post(f"/petra/traject/{t.id}/rondetafel/plannen", data=_plan(tomorrow)).status_code == 404
    assert db.session.scalar(select(func.count()).select_from(Appointment)) == 0


def test_planned_roundtable_hidden_from_another_team(client, login, world, make_trajectory):
    t = make_trajectory(world["petra"], world["fam"], world["lotte"], start_on=date.today() - timedelta(days=60),
                        lead=world["users"]["worker"])
    login(client, "worker")
    day = date.today() + timedelta(days=3)
    client.post(f"/petra/traject/{t.id}/rondetafel/plannen", data=_plan(day))
    a = db.session.scalar(select(Appointment))
    client.post("/logout")
    login(client, "ovw")
    body = client.get(f"/agenda/?datum={day.isoformat()}").get_data(as_text=True)
    assert t.ref not in body and "Rondetafel" not in body
    assert client.get(f"/agenda/{a.id}").status_code == 404
    assert client.get(f"/petra/traject/{t.id}/rondetafel?afspraak={a.id}").status_code == 404


def test_due_items_of_my_trajectories(app, world, make_trajectory):
    from core.plugins import current_plugins

    worker = world["users"]["worker"]
    today = date.today()
    # started 25 weeks ago: SDQ start, interim and final evaluation, SDQ end, maximum duration, open fee
    late = make_trajectory(world["petra"], world["fam"], world["lotte"], start_on=today - timedelta(days=175),
                           lead=worker, has_fee=True)
    # started a week ago, SDQ done: nothing due within two weeks
    fresh = make_trajectory(world["petra"], world["fam"], world["lotte"], start_on=today - timedelta(days=7),
                            lead=worker)
    db.session.add(SdqResult(trajectory_id=fresh.id, informant="ouder", moment="voor", taken_on=today, emotional=1,
                             conduct=1, hyperactivity=1, peer=1, prosocial=8, total=4))
    # someone else's trajectory
    make_trajectory(world["petra"], world["fam"], world["lotte"], start_on=today - timedelta(days=168),
                    lead=world["users"]["manager"])
    db.session.commit()
    with app.test_request_context():
        items = [i for g in current_plugins().hook_for(worker, "hvhk_due_items")(user=worker,
                                                                                 until=today + timedelta(days=14))
                 for i in g]
    petra = [i for i in items if i.plugin == "petra"]
    assert {i.reference for i in petra} == {late.ref}
    kinds = {i.kind for i in petra}
    assert {"SDQ bij de start", "Tussentijdse evaluatie", "Eindevaluatie", "SDQ bij de afronding",
            "Maximale duur", "Bijdrage open"} <= kinds
    assert all(i.family_id == world["fam"].id and i.url.endswith(f"/petra/traject/{late.id}") for i in petra)
    assert next(i for i in petra if i.kind == "SDQ bij de start").overdue(today)


def test_mywork_lists_my_trajectories_and_due(client, login, world, make_trajectory, count_queries):
    worker = world["users"]["worker"]
    today = date.today()
    t = make_trajectory(world["petra"], world["fam"], world["lotte"], start_on=today - timedelta(days=100),
                        lead=worker, has_fee=True)
    login(client, "worker")
    body = client.get("/").get_data(as_text=True)
    assert t.ref in body and "Tussentijdse evaluatie" in body and "Lotte Peeters" in body
    with count_queries() as few:
        client.get("/")
    for _ in range(6):
        make_trajectory(world["petra"], world["fam"], world["lotte"], start_on=today - timedelta(days=100),
                        lead=worker, has_fee=True)
    with count_queries() as many:
        client.get("/")
    assert many.count == few.count
    assert db.session.scalar(select(func.count()).select_from(Trajectory)) == 7
    # what is due and the caseload share one read of my trajectories (core.plugins.once_per_request)
    mine = [q for q in many.statements if "FROM petra_trajectory" in q and "second_worker_id = " in q]
    assert len(mine) == 1, mine
