"""Data rights of the groups plugin: erasure detaches enrolments (counts and rates stay), a person's export
and erasure reach only that child, and the retention rule for enrolments, through the core's functions."""

from __future__ import annotations

import json
from datetime import date, datetime, time, timedelta

import pytest
from sqlalchemy import func, select, text

from core.extensions import db
from core.models import AuditEntry, Family, Person
from core.rights import (
    apply_retention,
    erase_family,
    erase_person,
    person_export,
    retention_report,
    retention_rules,
)
from plugins.groups.logic import now_local
from plugins.groups.models import Attendance, Enrolment, GroupSession, Programme
from plugins.groups.operations import detach_enrolments
from plugins.groups.queries import enrolled_count, programme_attendance


def past(days: int) -> datetime:
    return datetime.combine((now_local() - timedelta(days=days)).date(), time(13, 30))


def _programme_with_history(world, make_programme, make_session, enrol_person, mark):
    """A PeTra group with two past sessions: Lotte (with a note) and Elif enrolled with attendance, Lotte's
    brother Finn on the waiting list."""
    p = make_programme(world["petra"], capacity=2, leaders=[world["users"]["worker"]])
    s1, s2 = make_session(p, past(14)), make_session(p, past(7))
    fam, fam2 = world["fam"], world["fam2"]
    lotte, finn = fam.children()
    e_lotte = enrol_person(p, lotte, fam)
    e_lotte.note = "vegetarisch, allergisch voor noten"
    e_elif = enrol_person(p, fam2.children()[0], fam2)
    e_finn = enrol_person(p, finn, fam, status="waiting", waiting_since=past(20))
    db.session.commit()
    mark(s1, e_lotte, "present")
    mark(s2, e_lotte, "absent")
    mark(s1, e_elif, "present")
    mark(s2, e_elif, "present")
    return p, (s1, s2), (e_lotte, e_elif, e_finn)


def _groups_rows_text() -> str:
    rows = db.session.execute(text("SELECT * FROM groups_enrolment")).all()
    rows += db.session.execute(text("SELECT * FROM groups_attendance")).all()
    return repr(rows)


def _figures(p: Programme):
    sessions = list(db.session.scalars(select(GroupSession).where(GroupSession.programme_id == p.id)))
    ids = list(db.session.scalars(select(Enrolment.id).where(Enrolment.programme_id == p.id,
                                                              Enrolment.status == "enrolled")))
    per_child, per_session = programme_attendance(p.id, sessions, ids)
    statuses = sorted(db.session.scalars(select(Enrolment.status).where(Enrolment.programme_id == p.id)))
    return (enrolled_count(p.id), statuses, db.session.scalar(select(func.count(Attendance.id))),
            {k: (v.present, v.recorded, v.rate) for k, v in per_session.items()},
            {k: (v.present, v.absent, v.excused, v.rate) for k, v in per_child.items()})


def test_family_erase_detaches_enrolments_and_keeps_the_programmes_figures(client, login, world, make_programme,
                                                                        make_session, enrol_person, mark):
    p, (s1, s2), (e_lotte, e_elif, e_finn) = _programme_with_history(world, make_programme, make_session,
                                                                     enrol_person, mark)
    before = _figures(p)
    assert before[0] == 2 and before[2] == 4 and before[3][s2.id] == (1, 2, 50)

    summary = erase_family(db.session.get(Family, world["fam"].id))
    db.session.commit()
    assert summary["plugins"]["groups"] == {"removed": 0, "kept": 4}  # Lotte's and Finn's rows, Lotte's two marks

    db.session.expire_all()
    assert _figures(p) == before  # participants, statuses, attendance rows and every rate unchanged
    for eid in (e_lotte.id, e_finn.id):
        e = db.session.get(Enrolment, eid)
        assert e.person_id is None and e.family_id is None and e.note is None and e.anonymised_at is not None
        assert e.detached and e.child_name == "(gewist)" and e.family_label == "(gewist)"
    elif_ = db.session.get(Enrolment, e_elif.id)
    assert elif_.person_id == world["fam2"].children()[0].id and elif_.family_id == world["fam2"].id
    dump = _groups_rows_text()
    for word in ("Lotte", "Finn", "Peeters", "vegetarisch", "noten"):
        assert word not in dump
    # erasing again finds nothing left to detach
    assert detach_enrolments([e_lotte.id, e_finn.id]) == (0, 0)
    db.session.commit()

    login(client, "worker")
    page = client.get(f"/groepen/{p.id}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert html.count("(gewist)") >= 3  # Lotte's name and family on the list, Finn on the waiting list
    assert "Elif" in html and "Lotte" not in html and "Finn" not in html and "2/2 plaatsen bezet" in html
    assert f"/groepen/inschrijvingen/{e_lotte.id}\"" not in html  # no "Wijzigen" for a detached enrolment
    att = client.get(f"/groepen/sessies/{s2.id}/aanwezigheden")
    assert att.status_code == 200 and "(gewist)" in att.get_data(as_text=True)
    listing = client.get(f"/groepen/{p.id}/aanwezigheidslijst")
    assert listing.status_code == 200 and "(gewist)" in listing.get_data(as_text=True)
    assert client.get(f"/groepen/{p.id}/aanwezigheidslijst.xlsx").status_code == 200
    told = client.get(f"/groepen/sessies/{s2.id}/verwittigen").get_data(as_text=True)
    assert "Öztürk" in told and "1 gewiste inschrijving" in told
    # a detached enrolment cannot be edited or admitted, but can be withdrawn to free the place
    assert client.get(f"/groepen/inschrijvingen/{e_lotte.id}").status_code == 404
    assert client.post(f"/groepen/inschrijvingen/{e_finn.id}/toelaten").status_code == 404
    assert client.post(f"/groepen/inschrijvingen/{e_lotte.id}/uitschrijven", data={"bevestigd": "1"}).status_code == 302
    assert db.session.scalar(select(Enrolment.status).where(Enrolment.id == e_lotte.id)) == "withdrawn"
    assert client.get(f"/groepen/{p.id}").status_code == 200


def test_person_export_holds_only_that_childs_enrolments(app, world, make_programme, make_session, enrol_person,
                                                         mark):
    p, (s1, _s2), (e_lotte, _e_elif, _e_finn) = _programme_with_history(world, make_programme, make_session,
                                                                        enrol_person, mark)
    lotte, finn = world["fam"].children()
    data = person_export(db.session.get(Person, lotte.id), world["fam"])
    json.dumps(data, default=str)
    [row] = data["plugins"]["groups"]["groups"]
    assert row["child"] == "Lotte Peeters" and row["programme_ref"] == p.ref and row["status"] == "enrolled"
    assert row["note"] == "vegetarisch, allergisch voor noten"
    assert [a["status"] for a in row["attendance"]] == ["present", "absent"]
    assert row["attendance"][0]["session"] == s1.starts_at.isoformat()
    assert "Finn" not in json.dumps(data["plugins"]["groups"]) and "Elif" not in json.dumps(data["plugins"]["groups"])
    [finn_row] = person_export(db.session.get(Person, finn.id), world["fam"])["plugins"]["groups"]["groups"]
    assert finn_row["status"] == "waiting" and finn_row["attendance"] == []


def test_person_erase_detaches_only_that_child(app, world, make_programme, make_session, enrol_person, mark):
    p, _sessions, (e_lotte, e_elif, e_finn) = _programme_with_history(world, make_programme, make_session,
                                                                      enrol_person, mark)
    fam = world["fam"]
    lotte, finn = fam.children()
    e_finn.note = "broer van Lotte"
    db.session.commit()
    summary = erase_person(db.session.get(Person, lotte.id))
    db.session.commit()
    assert summary["plugins"]["groups"] == {"removed": 0, "kept": 3}  # her enrolment and two marks
    db.session.expire_all()
    gone = db.session.get(Enrolment, e_lotte.id)
    assert gone.person_id is None and gone.family_id is None and gone.note is None and gone.anonymised_at
    brother = db.session.get(Enrolment, e_finn.id)
    assert (brother.person_id, brother.family_id, brother.note) == (finn.id, fam.id, "broer van Lotte")
    assert brother.anonymised_at is None and brother.status == "waiting"
    assert db.session.get(Enrolment, e_elif.id).person_id is not None
    assert db.session.scalar(select(func.count(Attendance.id)).where(Attendance.enrolment_id == e_lotte.id)) == 2
    assert enrolled_count(p.id) == 2


def _day(value) -> date:
    return value.date() if isinstance(value, datetime) else value


def _old(days: int) -> datetime:
    return datetime.combine(date.today() - timedelta(days=days), time(10))


@pytest.fixture
def retention_world(world, make_programme, make_session, enrol_person, make_family, mark):
    """An old programme (sessions ended three years ago), a current one, and programmes without sessions."""
    three_years = 3 * 365 + 10
    old = make_programme(world["petra"], name="PeTra-groep 2022", start_date=date.today() - timedelta(days=three_years + 60))
    make_session(old, _old(three_years + 30))
    last = make_session(old, _old(three_years), hours=3)
    current = make_programme(world["petra"], name="PeTra-groep nu")
    make_session(current, past(7))
    make_session(current, past(-7))  # next week
    empty = make_programme(world["ovw"], name="Oudergroep (nooit gestart)", age_group="ouders", start_date=None)
    fam, fam2 = world["fam"], world["fam2"]
    lotte, finn = fam.children()
    elif_ = fam2.children()[0]
    held_fam = make_family("Maes", children=(("Noor", date(2015, 1, 1)),))
    held_fam.legal_hold = True
    noor = held_fam.children()[0]
    wouters = make_family("Wouters", children=(("Lars", date(2015, 1, 1)),))
    lars = wouters.children()[0]

    def enrol(programme, person, family, changed: datetime, **kw) -> Enrolment:
        e = enrol_person(programme, person, family, **kw)
        db.session.refresh(e)  # load first: a lazy load after the assignments below would undo them
        e.note = f"over {person.given_name}"
        e.created_at = e.updated_at = changed
        e.enrolled_at = changed if e.status == "enrolled" else None
        db.session.commit()
        return e

    out = dict(old=old, last=last, current=current, fam=fam, held_fam=held_fam)
    out["due_old"] = enrol(old, lotte, fam, _old(three_years + 90))
    mark(last, out["due_old"], "present")
    out["held"] = enrol(old, noor, held_fam, _old(three_years + 90))
    out["current"] = enrol(current, elif_, fam2, _old(30))
    out["late_change"] = enrol(old, lars, wouters, _old(100), status="waiting", waiting_since=_old(100))
    out["empty_old"] = enrol(empty, finn, fam, _old(three_years), status="waiting", waiting_since=_old(three_years))
    out["empty_recent"] = enrol(empty, lars, wouters, _old(60), status="waiting", waiting_since=_old(60))
    out["detached"] = enrol(old, finn, fam, _old(three_years + 90))
    detach_enrolments([out["detached"].id])
    db.session.commit()
    return out


def test_retention_rule_finds_enrolments_past_the_term_and_detaches_them(app, retention_world):
    w = retention_world
    with app.test_request_context():
        rule = next(r for r in retention_rules() if r.key == "groups_enrolment")
        assert rule.default_years == 2 and rule.label and "(gewist)" in rule.action
        assert rule.holding() == 6  # every enrolment but the detached one
        [st] = retention_report(keys={"groups_enrolment"})
        assert st.years == 2 and st.due == 2
        rows = {r.id: r for r in st.sample}
        assert set(rows) == {w["due_old"].id, w["empty_old"].id}  # not current, held, changed lately or detached
        r = rows[w["due_old"].id]
        assert r.label == f"{w['old'].ref}#{w['due_old'].id}" and r.family_id == w["fam"].id
        assert _day(r.since) == w["last"].ends_at.date()  # the programme's last session
        assert _day(rows[w["empty_old"].id].since) == w["empty_old"].updated_at.date()  # no sessions: last change
        assert "Lotte" not in repr(st.sample) and "Peeters" not in repr(st.sample)
        assert apply_retention(rule) == 2
        db.session.commit()

    db.session.expire_all()
    for key in ("due_old", "empty_old"):
        e = db.session.get(Enrolment, w[key].id)
        assert e.person_id is None and e.family_id is None and e.note is None and e.anonymised_at is not None
    assert db.session.scalar(select(func.count(Attendance.id)).where(Attendance.enrolment_id == w["due_old"].id)) == 1
    for key in ("held", "current", "late_change", "empty_recent"):
        e = db.session.get(Enrolment, w[key].id)
        assert e.person_id is not None and e.note is not None and e.anonymised_at is None
    entries = db.session.execute(select(AuditEntry.object_type, AuditEntry.object_id, AuditEntry.family_id,
                                        AuditEntry.detail).where(AuditEntry.action == "retention")).all()
    assert sorted(entries) == sorted([("groups_enrolment", w["due_old"].id, w["fam"].id, "bewaartermijn 2 jaar"),
                                      ("groups_enrolment", w["empty_old"].id, w["fam"].id, "bewaartermijn 2 jaar")])
    assert db.session.scalar(select(func.count(Enrolment.id)).where(Enrolment.programme_id == w["old"].id)) == 4
    with app.test_request_context():
        [st] = retention_report(keys={"groups_enrolment"})
        assert st.due == 0
        assert st.rule.holding() == 4
        # lifting the legal hold makes the held enrolment due
        db.session.get(Family, w["held_fam"].id).legal_hold = False
        db.session.flush()
        [st] = retention_report(keys={"groups_enrolment"})
        assert [r.id for r in st.sample] == [w["held"].id]


def test_retention_label_pads_like_the_programme_reference(app, world, make_programme, make_session, enrol_person):
    from plugins.groups.queries import due_enrolments

    p = make_programme(world["petra"])
    make_session(p, _old(1200))
    e = enrol_person(p, world["fam"].children()[0], world["fam"])
    db.session.refresh(e)
    e.created_at = e.updated_at = e.enrolled_at = _old(1300)
    db.session.commit()
    [row] = db.session.execute(due_enrolments(date.today() - timedelta(days=730))).all()
    assert row.label == f"{p.ref}#{e.id}" and p.ref == f"GR-{p.id:05d}"
    assert db.session.execute(due_enrolments(date.today() - timedelta(days=1300))).all() == []
