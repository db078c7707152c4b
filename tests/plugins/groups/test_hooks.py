"""Hooks: menu, dashboard tile, search, billable work, family export and erasure, demo data (person export,
erasure and retention: test_data_rights.py)."""

from __future__ import annotations

import time as _time
from datetime import date, datetime, time, timedelta

from sqlalchemy import func, select

from core.extensions import db
from core.models import Involvement, Team
from core.plugins import current_plugins
from core.ui import Period
from plugins.groups.logic import now_local
from plugins.groups.models import Attendance, Enrolment, GroupSession, Programme


def test_menu_dashboard_tile_and_search(client, login, world, make_programme, make_session):
    p = make_programme(world["petra"], name="Zomerschool Kolderbos")
    monday = date.today() - timedelta(days=date.today().weekday())
    make_session(p, datetime.combine(monday + timedelta(days=2), time(13, 30)), theme="Spel")
    login(client, "worker")
    home = client.get("/").get_data(as_text=True)
    assert "/groepen/" in home and "Groepssessies deze week" in home and "/groepen/widget/deze-week" in home
    tile = client.htmx_get("/groepen/widget/deze-week").get_data(as_text=True)
    assert "Zomerschool Kolderbos" in tile and "<html" not in tile
    found = client.get("/zoeken?q=kolderbos").get_data(as_text=True)
    assert f"/groepen/{p.id}" in found
    client.post("/logout")
    login(client, "onthaal")  # no plugin: no menu entry, no tile
    home = client.get("/").get_data(as_text=True)
    assert "/groepen/" not in home


def test_billable_hours_are_duration_times_leaders_once_per_programme_without_names(app, world, make_programme,
                                                                                   make_session, enrol_person):
    w, m = world["users"]["worker"], world["users"]["manager"]
    p = make_programme(world["petra"], name="PeTra-groep lager", leaders=[w, m], start_date=date(2025, 2, 1),
                       end_date=date(2025, 4, 30))
    for d in (5, 12, 19):
        make_session(p, datetime(2025, 3, d, 13, 30), hours=3)
    make_session(p, datetime(2025, 3, 26, 13, 30), hours=3, cancelled=True)
    make_session(p, datetime(2025, 3, 28, 19, 0), hours=41, kind="multiday")
    make_session(p, datetime(2025, 5, 7, 13, 30), hours=3)  # outside the period
    solo = make_programme(world["ovw"], name="Oudergroep", leaders=[w], age_group="ouders")
    make_session(solo, datetime(2025, 3, 4, 19, 0), hours=2, kind="info")
    idle = make_programme(world["petra"], name="Najaarsgroep", leaders=[w], start_date=date(2025, 9, 1))
    make_session(idle, datetime(2025, 9, 3, 13, 30), hours=3)  # no session in the period: not billed
    for fam in (world["fam"], world["fam2"]):  # children enrolled do not multiply the staff hours
        enrol_person(p, fam.children()[0], fam)
    period = Period(date(2025, 3, 1), date(2025, 3, 31))
    hook = current_plugins().hook_of
    [units_select] = hook("groups", "hvhk_billable_units")(period=period)
    [hours_select] = hook("groups", "hvhk_billable_hours")(period=period)
    units = {r.unit_id: r._asdict() for r in db.session.execute(units_select)}
    hour_rows = [r._asdict() for r in db.session.execute(hours_select)]
    assert set(units) == {p.id, solo.id}
    hours: dict[int, dict[str, float]] = {}
    for r in hour_rows:  # one row per programme and session kind
        assert r["kind"] == "group_programme" and r["activity"] not in hours.get(r["unit_id"], {})
        hours.setdefault(r["unit_id"], {})[r["activity"]] = float(r["hours"])
    # 3 sessions x 3 h x 2 leaders (the cancelled one and May's left out); 41 h x 2 leaders
    assert hours == {p.id: {"groepssessie": 18.0, "meerdaagse": 82.0}, solo.id: {"infomoment": 2.0}}
    row = units[p.id]
    assert row["kind"] == "group_programme" and row["ref"] == p.ref and row["team_id"] == world["petra"].id
    assert row["age_group"] == "lager" and row["start"] == date(2025, 2, 1) and row["end"] == date(2025, 4, 30)
    assert row["status"] == "closed" and row["status_label"] == "Afgesloten"
    assert units[solo.id]["age_group"] is None and units[solo.id]["team_id"] == world["ovw"].id
    for unit in units.values():  # the groups plugin charges no fees
        assert unit["fee_due"] is None and unit["fee_paid"] is None and unit["fee_paid_on"] is None
        assert not unit["fee_waived"]
    text = repr([units, hour_rows])
    for name in ("Lotte", "Peeters", "Worker", "worker", "PeTra-groep", "Oudergroep"):
        assert name not in text


def _enrolled_with_attendance(world, make_programme, make_session, enrol_person, mark):
    p = make_programme(world["petra"])
    s = make_session(p, datetime.combine(now_local().date() - timedelta(days=3), time(13, 30)))
    fam = world["fam"]
    e = enrol_person(p, fam.children()[0], fam)
    e.note = "vegetarisch"
    db.session.commit()
    mark(s, e, "present")
    other = enrol_person(p, world["fam2"].children()[0], world["fam2"])
    mark(s, other, "absent")
    return p, s, e


def test_family_export_and_erase(app, world, make_programme, make_session, enrol_person, mark):
    p, s, e = _enrolled_with_attendance(world, make_programme, make_session, enrol_person, mark)
    fam = world["fam"]
    exports = current_plugins().hook_of("groups", "hvhk_family_export")(family=fam)
    part = next(x for x in exports if "groups" in x)["groups"]
    assert part[0]["child"] == "Lotte Peeters" and part[0]["attendance"][0]["status"] == "present"
    assert part[0]["note"] == "vegetarisch"
    import json

    json.dumps(exports, default=str)
    result = current_plugins().hook_of("groups", "hvhk_family_erase")(family=fam)[0]
    db.session.commit()
    assert result == {"removed": 0, "kept": 2}  # the enrolment and its mark, detached
    assert db.session.scalar(select(func.count(Enrolment.id)).where(Enrolment.family_id == fam.id)) == 0
    detached = db.session.get(Enrolment, e.id)
    assert detached.person_id is None and detached.note is None and detached.anonymised_at is not None
    # every row stays (counts add up), the other family and the planning too
    assert db.session.scalar(select(func.count(Enrolment.id))) == 2
    assert db.session.scalar(select(func.count(Attendance.id))) == 2
    assert db.session.get(GroupSession, s.id) is not None
    assert current_plugins().hook_of("groups", "hvhk_family_export")(family=fam) == [{"groups": []}]


def test_demo_data_is_complete_with_history_and_involvement(app):
    from core.demo_data import load_core_demo
    from plugins.groups.demo import load_demo

    load_core_demo(db.session, 1)
    db.session.commit()
    t0 = _time.perf_counter()
    stats = load_demo(db.session, 1)
    elapsed = _time.perf_counter() - t0
    # the demo story's programmes of one house over two school years (how many depends on today's date)
    assert 10 <= stats["programmes"] <= 16 and stats["attendance"] > 100
    names = list(db.session.scalars(select(Programme.name).order_by(Programme.id)))
    lager = sum("PeTra-groep lager" in n for n in names)
    assert 3 <= lager <= 5 and sum("PeTra-groep secundair" in n for n in names) == lager
    assert any(n.startswith("Zomerschool") for n in names) and any(n.startswith("Oudergroep") for n in names)
    kinds = set(db.session.scalars(select(GroupSession.kind)))
    assert kinds == {"info", "session", "multiday", "showcase"}
    assert db.session.scalar(select(func.count(Enrolment.id)).where(Enrolment.status == "waiting")) >= 4
    petra = db.session.scalar(select(Team).where(Team.name == "PeTra"))
    enrolled_families = set(db.session.scalars(select(Enrolment.family_id).join(Programme)
                                               .where(Programme.team_id == petra.id)))
    involved = set(db.session.scalars(select(Involvement.family_id).where(Involvement.team_id == petra.id)))
    assert enrolled_families <= involved
    # the two-absences flag shows in every group with history
    from plugins.groups.queries import programme_attendance

    first = db.session.scalar(select(Programme).order_by(Programme.id))
    sessions = list(db.session.scalars(select(GroupSession).where(GroupSession.programme_id == first.id)))
    ids = list(db.session.scalars(select(Enrolment.id).where(Enrolment.programme_id == first.id,
                                                              Enrolment.status == "enrolled")))
    per_child, _ = programme_attendance(first.id, sessions, ids)
    assert any(f.flagged for f in per_child.values())
    # a realistic house plans without double bookings
    from plugins.groups.logic import Slot
    from plugins.groups.queries import find_conflicts

    for prog in db.session.scalars(select(Programme)):
        for sess in db.session.scalars(select(GroupSession).where(GroupSession.programme_id == prog.id)):
            assert find_conflicts([Slot(sess.starts_at, sess.ends_at)], sess.location or prog.location,
                                  [u.id for u in prog.leaders], exclude_session_id=sess.id) == [], prog.name
    print(f"\ngroups demo scale 1: {stats} in {elapsed:.2f}s")
