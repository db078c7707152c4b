"""The groups plugin's state changes called directly (``plugins.groups.operations``, no HTTP): what each allows,
what it refuses with which Dutch message and field, the audit entry it writes (with the family), and that it
never commits. A few HTTP tests show a refusal arriving next to its field with the typed input kept."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pytest
from sqlalchemy import func, select

from core import people
from core.extensions import db
from core.models import AuditEntry, Involvement
from core.operations import Refused
from plugins.groups import operations as ops
from plugins.groups.logic import generate_series
from plugins.groups.models import Attendance, Enrolment, GroupSession, Programme

from .conftest import future, past


def _audit(object_type: str, object_id: int | None = None, **where) -> list[AuditEntry]:
    stmt = select(AuditEntry).where(AuditEntry.object_type == object_type).order_by(AuditEntry.id)
    if object_id is not None:
        stmt = stmt.where(AuditEntry.object_id == object_id)
    for k, v in where.items():
        stmt = stmt.where(getattr(AuditEntry, k) == v)
    return list(db.session.scalars(stmt))


def _refused(call, *args, **kw) -> Refused:
    with pytest.raises(Refused) as info:
        call(*args, **kw)
    db.session.rollback()
    return info.value


def _programme_fields(team, **over):
    fields = dict(name="Zomerschool Genk", team_id=team.id, kind="summer_school", age_group="lager", capacity=2,
                  location="Campus O3 - atelier", start_date=date(2025, 7, 1), end_date=date(2025, 7, 31),
                  themes=" spel, beweging ", description="", leader_ids=[], partner_ids=[])
    fields.update(over)
    return fields


def _card(user, given_name: str) -> people.PersonCard:
    """The child as the user finds it by name (directory level when the team is not involved: with a token)."""
    [found] = people.search(user, given_name).items
    return found


# --------------------------------------------------------------------------- programmes


def test_programme_lifecycle_create_edit_archive_restore(world):
    worker = world["users"]["worker"]
    p = ops.create_programme(worker, **_programme_fields(world["petra"], leader_ids=[worker.id]))
    db.session.commit()
    assert (p.name, p.themes, p.description, [u.id for u in p.leaders]) == ("Zomerschool Genk", "spel, beweging",
                                                                           None, [worker.id])
    [created] = _audit("groups_programme", p.id, action="create")
    assert created.user_id == worker.id

    err = _refused(ops.edit_programme, p, worker, **_programme_fields(world["ovw"]))
    assert (err.field, err.message) == ("team_id", "Je kan een groep enkel aan je eigen team toewijzen.")
    err = _refused(ops.edit_programme, p, worker, **_programme_fields(world["petra"], capacity=0))
    assert err.field == "capacity" and "minstens 1" in err.message
    assert db.session.get(Programme, p.id).capacity == 2

    ops.archive_programme(p, worker)
    db.session.commit()
    assert p.archived
    err = _refused(ops.archive_programme, p, worker)
    assert err.message == "Deze groep is al gearchiveerd."
    ops.restore_programme(p, worker)
    db.session.commit()
    assert not p.archived
    assert [e.action for e in _audit("groups_programme", p.id)] == ["create", "archive", "restore"]


def test_changing_the_leaders_is_refused_while_it_clashes_until_confirmed(world, make_programme, make_session):
    worker, manager = world["users"]["worker"], world["users"]["manager"]
    other = make_programme(world["petra"], name="Andere groep", location="Elders", leaders=[manager])
    make_session(other, future(3, 13), hours=2)
    p = make_programme(world["petra"], location="Zaal 2", leaders=[worker])
    make_session(p, future(3, 14), hours=2)
    fields = _programme_fields(world["petra"], name=p.name, location="Zaal 2", leader_ids=[worker.id, manager.id])
    err = _refused(ops.edit_programme, p, worker, **fields)
    assert isinstance(err, ops.PlanningConflict) and err.field == "confirm_conflicts"
    assert [c.session.programme.name for c in err.conflicts] == ["Andere groep"]
    assert "Manager is dan al ingepland" in err.conflicts[0].text
    ops.edit_programme(p, worker, confirm_conflicts=True, **fields)
    db.session.commit()
    assert {u.id for u in db.session.get(Programme, p.id).leaders} == {worker.id, manager.id}


# --------------------------------------------------------------------------- sessions


def test_series_and_sessions_with_their_refusals(world, make_programme, make_session):
    worker = world["users"]["worker"]
    p = make_programme(world["petra"], location="Atelier", leaders=[worker])
    slots, skipped = generate_series(date(2025, 2, 19), 2, time(13, 30), time(16, 30), 3, {date(2025, 2, 26)})
    sessions = ops.plan_series(p, worker, slots, theme=" Vriendschap ")
    db.session.commit()
    assert skipped == [date(2025, 2, 26)]
    assert [(s.starts_at.date(), s.theme) for s in sessions] == [
        (date(2025, 2, 19), "Vriendschap"), (date(2025, 3, 5), "Vriendschap"), (date(2025, 3, 12), "Vriendschap")]
    assert _audit("groups_session", p.id)[0].detail == "reeks van 3"

    # the same room at the same time again: a planning conflict, nothing written until confirmed
    err = _refused(ops.plan_series, p, worker, slots[:1])
    assert isinstance(err, ops.PlanningConflict) and "lokaal Atelier is dan al bezet" in err.conflicts[0].text
    start = future(5)
    err = _refused(ops.add_session, p, worker, kind="session", starts_at=start, ends_at=start - timedelta(hours=1))
    assert (err.field, err.message) == ("end_time", "Het einde van de sessie ligt vóór (of op) het begin.")
    err = _refused(ops.add_session, p, worker, kind="session", starts_at=start, ends_at=start + timedelta(hours=2),
                   partner_id=world["school"].id)
    assert (err.field, err.message) == ("partner_id", "Kies een partner van de groep.")
    err = _refused(ops.add_session, p, worker, kind="session", starts_at=start, ends_at=start + timedelta(hours=2),
                   reflection="Goede sfeer.")
    assert err.field == "reflection" and "nog niet begonnen" in err.message
    assert db.session.scalar(select(func.count(GroupSession.id)).where(GroupSession.programme_id == p.id)) == 3

    s = ops.add_session(p, worker, kind="info", starts_at=start, ends_at=start + timedelta(hours=2))
    db.session.commit()
    assert ops.edit_session(s, worker, kind="info", starts_at=start, ends_at=start + timedelta(hours=2),
                            plan="Voorstelling") is False
    db.session.commit()
    assert ops.edit_session(s, worker, kind="info", starts_at=start + timedelta(days=1),
                            ends_at=start + timedelta(days=1, hours=2), plan="Voorstelling") is True
    db.session.commit()
    assert [e.detail for e in _audit("groups_session", s.id, action="update")] == [None, "verplaatst"]

    done = make_session(p, past(2, 9))
    ops.edit_session(done, worker, kind="session", starts_at=done.starts_at, ends_at=done.ends_at,
                     reflection=" Goede sfeer; meer beweging. ")
    db.session.commit()
    assert done.reflection == "Goede sfeer; meer beweging."


def test_cancel_and_restore_a_session(world, make_programme, make_session):
    worker = world["users"]["worker"]
    s = make_session(make_programme(world["petra"]), future(2))
    err = _refused(ops.restore_session, s, worker)
    assert err.message == "Deze sessie is niet geannuleerd."
    ops.cancel_session(s, worker)
    db.session.commit()
    assert _refused(ops.cancel_session, s, worker).message == "Deze sessie is al geannuleerd."
    ops.restore_session(s, worker)
    db.session.commit()
    assert not s.cancelled
    assert [(e.action, e.detail) for e in _audit("groups_session", s.id)] == [
        ("archive", "geannuleerd"), ("restore", "annulering ongedaan")]


# --------------------------------------------------------------------------- enrolment and waiting list


def test_enrol_registers_involvement_and_a_full_group_puts_the_child_on_the_waiting_list(world, make_programme,
                                                                                        make_family):
    worker = world["users"]["worker"]
    fam, fam2 = world["fam"], world["fam2"]
    p = make_programme(world["petra"], capacity=1)
    lotte = _card(worker, "Lotte")
    assert lotte.record is None  # PeTra is not involved with the Peeters family yet: directory level
    e = ops.enrol(p, worker, lotte, token=lotte.token, priority=1, note=" allergie noten ", photo_consent=True)
    db.session.commit()
    assert (e.status, e.family_id, e.note, e.photo_consent, e.enrolled_at is not None) == (
        "enrolled", fam.id, "allergie noten", True, True)
    assert db.session.scalar(select(Involvement.reason).where(Involvement.family_id == fam.id,
                                                              Involvement.team_id == world["petra"].id)) == (
        f"Inschrijving groepsaanbod: {p.name}")
    [entry] = _audit("groups_enrolment", e.id, action="create")
    assert (entry.family_id, entry.detail, entry.user_id) == (fam.id, "ingeschreven", worker.id)

    elif_card = _card(worker, "Elif")
    w = ops.enrol(p, worker, elif_card, token=elif_card.token)
    db.session.commit()
    assert (w.status, w.enrolled_at, w.waiting_since is not None) == ("waiting", None, True)
    assert _audit("groups_enrolment", w.id, action="create")[0].family_id == fam2.id
    assert _audit("groups_enrolment", w.id, action="create")[0].detail == "wachtlijst"

    err = _refused(ops.enrol, p, worker, _card(worker, "Lotte"))
    assert err.field is None and "Lotte Peeters staat al op de lijst van deze groep (ingeschreven)" in err.message


def test_a_fit_warning_must_be_confirmed(world, make_programme):
    worker = world["users"]["worker"]
    p = make_programme(world["petra"], age_group="secundair")
    finn = _card(worker, "Finn")
    err = _refused(ops.enrol, p, worker, finn, token=finn.token)
    assert err.field == "confirm_fit" and err.message.endswith("Vink aan om toch in te schrijven.")
    assert db.session.scalar(select(func.count(Enrolment.id))) == 0
    assert db.session.scalar(select(func.count(Involvement.id))) == 0  # the refusal registered nothing
    ops.enrol(p, worker, finn, token=finn.token, confirm_fit=True)
    db.session.commit()
    assert db.session.scalar(select(Enrolment.status)) == "enrolled"


def test_promote_withdraw_and_enrol_again(world, make_programme, enrol_person):
    worker = world["users"]["worker"]
    fam, fam2 = world["fam"], world["fam2"]
    lotte, finn = fam.children()
    p = make_programme(world["petra"], capacity=1)
    e1 = enrol_person(p, lotte, fam)
    w1 = enrol_person(p, finn, fam, status="waiting", priority=2, waiting_since=datetime(2025, 1, 1))
    w2 = enrol_person(p, fam2.children()[0], fam2, status="waiting", priority=1, waiting_since=datetime(2025, 2, 1))

    err = _refused(ops.promote_from_waiting_list, w2, worker)
    assert err.message == "De groep is volzet (1 plaatsen). Verhoog de capaciteit of schrijf eerst iemand uit."
    assert _refused(ops.promote_from_waiting_list, e1, worker).message == (
        "Deze inschrijving staat niet op de wachtlijst.")

    first = ops.withdraw(e1, worker)
    db.session.commit()
    assert first.id == w2.id  # priority 1 before the one who waits longer
    assert ops.withdraw(w1, worker) is None  # no place came free
    db.session.commit()
    err = _refused(ops.withdraw, e1, worker)
    assert err.message == "Dit kan niet meer: de status is 'Uitgeschreven' en kan niet naar 'Uitgeschreven'."

    ops.promote_from_waiting_list(w2, worker)
    db.session.commit()
    assert (w2.status, w2.enrolled_at is not None) == ("enrolled", True)
    [entry] = _audit("groups_enrolment", w2.id, action="update")
    assert (entry.family_id, entry.detail) == (fam2.id, "van wachtlijst naar ingeschreven")

    # a withdrawn child enrolled again: the same row, now on the waiting list (the group is full)
    db.session.add(Involvement(family_id=fam.id, team_id=world["petra"].id, reason="groepsaanbod"))
    db.session.commit()
    again = ops.enrol(p, worker, people.card(worker, lotte.id, fam.id))
    db.session.commit()
    assert (again.id, again.status) == (e1.id, "waiting")


def test_edit_enrolment_and_a_detached_one(world, make_programme, enrol_person):
    worker = world["users"]["worker"]
    fam = world["fam"]
    e = enrol_person(make_programme(world["petra"]), fam.children()[0], fam)
    ops.edit_enrolment(e, worker, priority=1, photo_consent=True, film_consent=False, note="  ")
    db.session.commit()
    assert (e.priority, e.photo_consent, e.note) == (1, True, None)
    assert _audit("groups_enrolment", e.id, action="update")[0].family_id == fam.id
    assert ops.erase_family(fam.id) == (0, 1)
    db.session.commit()
    err = _refused(ops.edit_enrolment, e, worker, priority=2, photo_consent=False, film_consent=False)
    assert err.message == "Deze inschrijving is gewist: er is geen kind meer aan gekoppeld."


# --------------------------------------------------------------------------- attendance


def test_mark_attendance_compare_and_set(world, make_programme, make_session, enrol_person):
    worker, manager = world["users"]["worker"], world["users"]["manager"]
    fam = world["fam"]
    p = make_programme(world["petra"])
    s = make_session(p, past(1))
    e = enrol_person(p, fam.children()[0], fam)

    assert ops.mark_attendance(s, e, "present", "", worker) is None
    db.session.commit()
    [entry] = _audit("groups_attendance", action="update")
    assert (entry.family_id, entry.detail, entry.user_id) == (fam.id, "present", worker.id)
    # the other tablet still shows no mark: nothing is written, the stored mark comes back
    theirs = ops.mark_attendance(s, e, "absent", "", manager)
    assert (theirs.status, theirs.recorded_by_id) == ("present", worker.id)
    assert ops.mark_attendance(s, e, "present", "", manager) is None  # the same mark: no conflict, no write
    db.session.commit()
    assert len(_audit("groups_attendance", action="update")) == 1
    # knowing the stored mark, the change is made
    assert ops.mark_attendance(s, e, "absent", "present", manager) is None
    db.session.commit()
    db.session.expire_all()
    row = db.session.scalar(select(Attendance))
    assert (row.status, row.recorded_by_id) == ("absent", manager.id)


def test_mark_attendance_never_commits(world, make_programme, make_session, enrol_person):
    fam = world["fam"]
    p = make_programme(world["petra"])
    s = make_session(p, past(1))
    e = enrol_person(p, fam.children()[0], fam)
    assert ops.mark_attendance(s, e, "present", "", world["users"]["worker"]) is None
    db.session.rollback()
    assert db.session.scalar(select(func.count(Attendance.id))) == 0
    assert _audit("groups_attendance") == []


def test_mark_attendance_refusals(world, make_programme, make_session, enrol_person):
    worker = world["users"]["worker"]
    fam = world["fam"]
    lotte, finn = fam.children()
    p = make_programme(world["petra"])
    later, cancelled, done = make_session(p, future(1)), make_session(p, past(3), cancelled=True), make_session(p, past(1))
    e = enrol_person(p, lotte, fam)
    gone = enrol_person(p, finn, fam, status="withdrawn")
    err = _refused(ops.mark_attendance, later, e, "present", "", worker)
    assert err.field == "status" and err.message.startswith("Deze sessie begint pas op ")
    err = _refused(ops.mark_attendance, cancelled, e, "present", "", worker)
    assert err.message == "Deze sessie is geannuleerd: je kan geen aanwezigheden registreren."
    err = _refused(ops.mark_attendance, done, e, "aanwezig", "", worker)
    assert err.message == "Kies aanwezig, afwezig of verontschuldigd."
    err = _refused(ops.mark_attendance, done, gone, "present", "", worker)
    assert err.message == "Dit kind is niet (meer) ingeschreven in deze groep."
    assert db.session.scalar(select(func.count(Attendance.id))) == 0


# --------------------------------------------------------------------------- through HTTP


def test_a_refused_session_shows_next_to_its_field_and_keeps_the_input(client, login, world, make_programme):
    p = make_programme(world["petra"])
    login(client, "worker")
    day = future(4).date().isoformat()
    resp = client.post(f"/groepen/{p.id}/sessies/nieuw", data={
        "kind": "session", "start_day": day, "start_time": "13:30", "end_time": "16:30", "location": "",
        "theme": "Grenzen", "reflection": "Liep goed", "partner_id": "0"})
    body = resp.get_data(as_text=True)
    assert resp.status_code == 422
    assert "Een reflectie schrijf je na de sessie; deze sessie is nog niet begonnen." in body
    field = body[body.index('name="reflection"'):]
    assert "Liep goed" in field[:400] and "nog niet begonnen" in field[:800]  # next to the reflection field
    assert 'value="Grenzen"' in body
    assert db.session.scalar(select(func.count(GroupSession.id))) == 0


def test_a_planning_conflict_through_http_asks_for_confirmation(client, login, world, make_programme, make_session):
    other = make_programme(world["ovw"], name="Oudergroep", location="Atelier")
    make_session(other, datetime(2025, 3, 5, 15, 0), hours=2)
    p = make_programme(world["petra"], location="Atelier")
    login(client, "worker")
    data = {"kind": "session", "start_day": "2025-03-05", "start_time": "13:30", "end_time": "16:30",
            "theme": "Vriendschap", "location": "", "partner_id": "0"}
    resp = client.post(f"/groepen/{p.id}/sessies/nieuw", data=data)
    body = resp.get_data(as_text=True)
    assert resp.status_code == 422 and "Planningsconflict" in body and "Oudergroep" in body
    assert 'name="confirm_conflicts"' in body and "Vink dit aan om toch op te slaan." in body
    assert 'value="Vriendschap"' in body
    assert client.post(f"/groepen/{p.id}/sessies/nieuw", data=dict(data, confirm_conflicts="y")).status_code == 302


def test_archiving_twice_through_http_flashes_the_refusal(client, login, world, make_programme):
    p = make_programme(world["petra"], archived=True)
    login(client, "worker")
    resp = client.post(f"/groepen/{p.id}/archiveren", follow_redirects=True)
    assert "Deze groep is al gearchiveerd." in resp.get_data(as_text=True)
    assert len(_audit("groups_programme", p.id, action="archive")) == 0
