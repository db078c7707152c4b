"""Practice fixes against seed 000: clarifying talks count for the intake only, the group part's own counter fed
by the groups plugin through a core hook, a roundtable of 2 hours, the intake's upbringing situation and life
events, the plan's form and intensity, actions with a status and due date, contacts corrected with history."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import select

from core.extensions import db
from core.models import AuditEntry
from plugins.petra.models import Contact, ContactVersion, PlanAction, PlanGoal, Roundtable, Trajectory


def _contact(t, day, kind="gesprek_ouders", parties="ouders"):
    db.session.add(Contact(trajectory_id=t.id, on_date=day, minutes=60, kind=kind, place="school", parties=parties))


def test_clarifying_talks_count_for_the_intake_not_the_norms(client, login, world, make_trajectory):
    start = date.today() - timedelta(days=20)
    t = make_trajectory(world["petra"], world["fam"], world["lotte"], start_on=start)
    for i in range(3):
        _contact(t, start - timedelta(days=5 + i))  # before the start: clarifying
    _contact(t, start + timedelta(days=2))  # support
    db.session.commit()
    login(client, "worker")
    body = client.get(f"/petra/traject/{t.id}").get_data(as_text=True)
    assert "Gesprekken met ouders: <strong>1</strong> / 10" in body
    assert "gesprekken met kind 0, ouders 3, school 0" in body
    # not started yet: nothing counts toward the norms, all for the intake
    t2 = make_trajectory(world["petra"], world["fam"], world["lotte"], status="clarifying")
    _contact(t2, date.today() - timedelta(days=3))
    db.session.commit()
    body = client.get(f"/petra/traject/{t2.id}").get_data(as_text=True)
    assert "Gesprekken met ouders: <strong>0</strong> / 10" in body and "ouders 1" in body


def test_group_counter_comes_from_group_attendance_through_the_core_hook(client, login, world, make_trajectory):
    from plugins.groups.models import Attendance, Enrolment, GroupSession, Programme

    t = make_trajectory(world["petra"], world["fam"], world["lotte"], start_on=date.today() - timedelta(days=60))
    weekly = Programme(team_id=world["petra"].id, name="PeTra-groep", kind="cycle", age_group="lager")
    saturday = Programme(team_id=world["petra"].id, name="Groepsdag", kind="group_day", age_group="lager")
    db.session.add_all([weekly, saturday])
    db.session.flush()
    e1 = Enrolment(programme_id=weekly.id, person_id=world["lotte"].id, family_id=world["fam"].id, status="enrolled")
    e2 = Enrolment(programme_id=saturday.id, person_id=world["lotte"].id, family_id=world["fam"].id, status="enrolled")
    db.session.add_all([e1, e2])
    db.session.flush()
    base = datetime.combine(date.today() - timedelta(days=40), datetime.min.time()).replace(hour=13, minute=30)
    statuses = ["present", "present", "absent", "present", "present"]  # 4 Wednesdays attended
    for i, status in enumerate(statuses):
        s = GroupSession(programme_id=weekly.id, starts_at=base + timedelta(days=7 * i),
                         ends_at=base + timedelta(days=7 * i, hours=3))
        db.session.add(s)
        db.session.flush()
        db.session.add(Attendance(session_id=s.id, enrolment_id=e1.id, status=status))
    cancelled = GroupSession(programme_id=weekly.id, starts_at=base + timedelta(days=35),
                             ends_at=base + timedelta(days=35, hours=3), cancelled=True)
    day = GroupSession(programme_id=saturday.id, starts_at=base + timedelta(days=3),
                       ends_at=base + timedelta(days=3, hours=7))
    db.session.add_all([cancelled, day])
    db.session.flush()
    db.session.add_all([Attendance(session_id=cancelled.id, enrolment_id=e1.id, status="present"),
                        Attendance(session_id=day.id, enrolment_id=e2.id, status="present")])
    db.session.commit()
    login(client, "worker")
    body = client.get(f"/petra/traject/{t.id}").get_data(as_text=True)
    assert "Groepssessies: <strong>4</strong> / 6" in body
    assert "groepsdagen (zaterdag of meerdaagse): <strong>1</strong> / 1" in body


def test_petra_does_not_import_the_groups_plugin():
    import pathlib

    for path in pathlib.Path("plugins/petra").rglob("*.py"):
        assert "plugins.groups" not in path.read_text(), path


def test_group_counter_without_the_groups_plugin(app_factory, world, make_trajectory):
    app = app_factory(HVHK_PLUGINS="petra")
    with app.test_request_context():
        from plugins.petra import logic, queries

        t = db.session.scalar(select(Trajectory)) or make_trajectory(world["petra"], world["fam"], world["lotte"])
        assert queries.group_part(t, logic.DEFAULTS, date.today()) is None


def test_a_roundtable_lasts_about_two_hours_by_default(client, login, world, make_trajectory):
    from plugins.petra import operations

    t = make_trajectory(world["petra"], world["fam"], world["lotte"], status="clarifying")
    login(client, "worker")
    assert 'value="120"' in client.get(f"/petra/traject/{t.id}/rondetafel").get_data(as_text=True)
    r = operations.hold_roundtable(t, world["users"]["worker"], "start", date.today(), participants=["ouders"])
    db.session.commit()
    assert r.minutes == 120 and db.session.get(Roundtable, r.id).minutes == 120


def test_intake_records_upbringing_and_life_events(client, login, world, make_trajectory):
    t = make_trajectory(world["petra"], world["fam"], world["lotte"], status="waiting")
    login(client, "worker")
    resp = client.post(f"/petra/traject/{t.id}/beslissing", data={
        "version": str(t.version), "decision": "start", "decision_on": date.today().isoformat(),
        "lead_worker_id": str(world["users"]["worker"].id), "second_worker_id": "0", "decision_org_id": "0",
        "upbringing": "Mama alleen met drie kinderen.", "life_events": "Verhuis en overlijden van opa."})
    assert resp.status_code == 302
    db.session.expire_all()
    t = db.session.get(Trajectory, t.id)
    assert (t.upbringing, t.life_events) == ("Mama alleen met drie kinderen.", "Verhuis en overlijden van opa.")
    body = client.get(f"/petra/traject/{t.id}").get_data(as_text=True)
    assert "Opvoedingssituatie" in body and "Verhuis en overlijden van opa." in body


def test_plan_form_intensity_and_action_status(client, login, world, make_trajectory):
    t = make_trajectory(world["petra"], world["fam"], world["lotte"], start_on=date.today() - timedelta(days=10))
    login(client, "worker")
    assert client.post(f"/petra/traject/{t.id}/plan/vorm", data={
        "version": str(t.version), "plan_form": "beide", "plan_intensity": "intensief"}).status_code == 302
    db.session.expire_all()
    assert (db.session.get(Trajectory, t.id).plan_form, db.session.get(Trajectory, t.id).plan_intensity) == \
        ("beide", "intensief")
    client.post(f"/petra/traject/{t.id}/plan", data={"party": "kind", "goal": "Lotte vraagt hulp", "action": "",
                                                     "who": ""})
    g = db.session.scalar(select(PlanGoal))
    due = date.today() + timedelta(days=14)
    client.post(f"/petra/traject/{t.id}/plan/doel/{g.id}/actie", data={"description": "Dagboek", "who": "mama",
                                                                       "due_on": due.isoformat()})
    a = db.session.scalar(select(PlanAction))
    assert (a.status, a.due_on) == ("todo", due)
    assert client.post(f"/petra/traject/{t.id}/plan/actie/{a.id}", data={
        "version": str(a.version), "status": "done", "due_on": due.isoformat()}).status_code == 302
    db.session.expire_all()
    assert db.session.get(PlanAction, a.id).status == "done"
    body = client.get(f"/petra/traject/{t.id}/plan").get_data(as_text=True)
    assert "Gedaan" in body and due.strftime("%d/%m/%Y") in body
    body = client.post(f"/petra/traject/{t.id}/plan/actie/{a.id}", data={
        "version": str(a.version), "status": "klaar"}, follow_redirects=True).get_data(as_text=True)
    assert "Actie niet bijgewerkt" in body
    # another team cannot touch it
    client.post("/logout")
    login(client, "ovw")
    assert client.post(f"/petra/traject/{t.id}/plan/actie/{a.id}", data={
        "version": str(a.version + 1), "status": "todo"}).status_code == 404
    assert db.session.get(PlanAction, a.id).status == "done"


def test_contact_correction_keeps_history_and_is_audited(client, login, world, make_trajectory):
    t = make_trajectory(world["petra"], world["fam"], world["lotte"], start_on=date.today() - timedelta(days=10))
    _contact(t, date.today() - timedelta(days=2))
    db.session.commit()
    c = db.session.scalar(select(Contact))
    login(client, "worker")
    form = client.get(f"/petra/traject/{t.id}/contact/{c.id}/verbeteren").get_data(as_text=True)
    assert 'value="60"' in form
    data = {"version": str(c.version), "on_date": c.on_date.isoformat(), "minutes": "90", "kind": "gesprek_ouders",
            "place": "huisbezoek", "parties": ["ouders", "kind"], "note": "Huisbezoek i.p.v. school"}
    assert client.post(f"/petra/traject/{t.id}/contact/{c.id}/verbeteren", data=data).status_code == 302
    db.session.expire_all()
    c = db.session.get(Contact, c.id)
    assert (c.minutes, c.place, c.version) == (90, "huisbezoek", 2)
    [old] = db.session.scalars(select(ContactVersion))
    assert (old.version, old.minutes, old.place, old.replaced_by_id) == (1, 60, "school", world["users"]["worker"].id)
    audit = db.session.scalar(select(AuditEntry).where(AuditEntry.object_type == "petra_contact",
                                                       AuditEntry.action == "update"))
    assert audit.family_id == world["fam"].id and "minutes" in audit.detail
    body = client.get(f"/petra/traject/{t.id}/contact/{c.id}/verbeteren").get_data(as_text=True)
    assert "Vorige versies" in body and "60 min" in body
    assert "(verbeterd)" in client.get(f"/petra/traject/{t.id}").get_data(as_text=True)
    # a stale version: 409, nothing overwritten; bad date: Dutch message
    resp = client.post(f"/petra/traject/{t.id}/contact/{c.id}/verbeteren", data=dict(data, version="1", minutes="30"))
    assert resp.status_code == 409
    body = client.post(f"/petra/traject/{t.id}/contact/{c.id}/verbeteren", data=dict(
        data, version="2", on_date=(t.referred_on - timedelta(days=1)).isoformat())).get_data(as_text=True)
    assert "Een contact kan niet vóór de aanmelding liggen" in body
    db.session.expire_all()
    assert db.session.get(Contact, c.id).minutes == 90
    assert db.session.scalar(select(db.func.count(ContactVersion.id))) == 1
    client.post("/logout")
    login(client, "ovw")
    assert client.get(f"/petra/traject/{t.id}/contact/{c.id}/verbeteren").status_code == 404
