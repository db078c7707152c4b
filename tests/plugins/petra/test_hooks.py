"""Hooks: billable work (no names), family export and erasure, demo data, constant query counts."""

from __future__ import annotations

import json
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import func, select

from core.extensions import db
from core.models import Family
from core.ui import Period
from plugins.petra import hvhk_billable_hours, hvhk_billable_units, hvhk_family_erase, hvhk_family_export
from plugins.petra.models import Contact, Fee, PlanAction, PlanGoal, Roundtable, SdqResult, Trajectory


def _contact(t, day, kind, minutes):
    db.session.add(Contact(trajectory_id=t.id, on_date=day, minutes=minutes, kind=kind, place="school",
                           parties="kind", note="geheime notitie"))


def _billable(period):
    """Execute PeTra's ``hvhk_billable_units`` and ``hvhk_billable_hours`` selects: the unit rows (dicts) and
    the hours per unit id and activity ({unit_id: {activity: float}}), and everything as text."""
    units = [dict(r._mapping) for r in db.session.execute(hvhk_billable_units(period=period))]
    hour_rows = [dict(r._mapping) for r in db.session.execute(hvhk_billable_hours(period=period))]
    hours: dict[int, dict[str, float]] = {}
    for r in hour_rows:
        assert r["kind"] == "trajectory" and r["activity"] not in hours.get(r["unit_id"], {})  # one row per kind
        hours.setdefault(r["unit_id"], {})[r["activity"]] = float(r["hours"])
    return units, hours, json.dumps([units, hour_rows], default=str)


def test_billable_units_and_hours_per_kind_in_period_and_fee_without_names(app, world, make_trajectory,
                                                                          make_family):
    start = date(2025, 9, 1)
    t = make_trajectory(world["petra"], world["fam"], world["lotte"], start_on=start, referred_on=date(2025, 8, 1),
                        has_fee=True)
    _contact(t, date(2025, 9, 1), "rondetafel", 90)
    _contact(t, date(2025, 9, 10), "sessie_kind", 60)
    _contact(t, date(2025, 9, 17), "sessie_kind", 45)
    _contact(t, date(2025, 9, 24), "groepssessie", 120)  # the groups plugin bills it, once per programme
    _contact(t, date(2025, 10, 2), "gesprek_ouders", 60)  # outside the period
    fee = db.session.scalar(select(Fee))
    fee.paid_on, fee.paid_amount, fee.method = date(2025, 9, 5), Decimal("50"), "cash"
    fam2 = make_family("Claes", children=(("Jonas", date(2013, 5, 5)),))
    waiting = make_trajectory(world["petra"], fam2, fam2.children()[0], status="waiting",
                              referred_on=date(2025, 9, 3))
    db.session.commit()
    units, hours, dumped = _billable(Period(date(2025, 9, 1), date(2025, 9, 30)))
    assert len(units) == 1 and waiting.ref not in dumped and waiting.id not in hours
    row = units[0]
    assert row["kind"] == "trajectory" and row["unit_id"] == t.id and row["ref"] == t.ref
    assert row["team_id"] == world["petra"].id and row["start"] == start and row["end"] is None
    assert row["status"] == "ongoing" and row["status_label"] == "Lopend" and row["age_group"] == "lager"
    assert hours == {t.id: {"rondetafel": 1.5, "sessie_kind": 1.75}}
    assert Decimal(str(row["fee_due"])) == Decimal("50.00") and row["fee_due_on"] == start
    assert Decimal(str(row["fee_paid"])) == Decimal("50.00") and row["fee_paid_on"] == date(2025, 9, 5)
    assert not row["fee_waived"]
    for name in ("Lotte", "Peeters", "Claes", "Jonas", "geheime", "Vraag"):
        assert name not in dumped
    october_units, october, _ = _billable(Period(date(2025, 10, 1), date(2025, 10, 31)))
    assert [u["ref"] for u in october_units] == [t.ref] and october == {t.id: {"gesprek_ouders": 1.0}}
    # the fee was due and paid in September: October's unit carries it, but no fee is due or paid in October
    from core.finance import fee_figures

    assert fee_figures(hvhk_billable_units(period=Period(date(2025, 10, 1), date(2025, 10, 31))),
                       Period(date(2025, 10, 1), date(2025, 10, 31))).paid_n == 0


def _full_trajectory(world, make_trajectory):
    t = make_trajectory(world["petra"], world["fam"], world["lotte"], start_on=date.today() - timedelta(days=40),
                        has_fee=True)
    _contact(t, date.today() - timedelta(days=30), "sessie_kind", 60)
    db.session.add(Roundtable(trajectory_id=t.id, kind="start", held_on=t.start_on, participants="ouders",
                              agreements="Afspraak met mama", other_participants="tante"))
    g = PlanGoal(trajectory_id=t.id, party="ouders", goal="We blijven kalm")
    g.actions.append(PlanAction(description="Dagboek", who="mama"))
    db.session.add(g)
    db.session.add(SdqResult(trajectory_id=t.id, informant="ouder", moment="voor", taken_on=t.start_on, emotional=3,
                             conduct=3, hyperactivity=3, peer=3, prosocial=7, total=12))
    t.final_evaluation = "Eindevaluatie met details"
    fee = db.session.scalar(select(Fee))
    fee.waived, fee.waive_reason = True, "schulden bij de familie"
    db.session.commit()
    return t


def test_family_export_holds_everything(app, world, make_trajectory):
    t = _full_trajectory(world, make_trajectory)
    data = hvhk_family_export(db.session.get(Family, world["fam"].id))
    json.dumps(data)  # serialisable
    [tr] = data["petra"]
    assert tr["ref"] == t.ref and tr["child"] == "Lotte Peeters" and tr["question"] == "Vraag"
    assert tr["contacts"][0]["note"] == "geheime notitie" and tr["roundtables"][0]["agreements"] == "Afspraak met mama"
    assert tr["plan"][0]["actions"] == [{"description": "Dagboek", "who": "mama", "status": "todo", "due_on": None}]
    assert tr["sdq"][0]["total"] == 12 and tr["fee"]["waived"] is True


def test_family_erase_anonymises_and_keeps_financial_rows(app, world, make_trajectory):
    t = _full_trajectory(world, make_trajectory)
    result = hvhk_family_erase(db.session.get(Family, world["fam"].id))
    db.session.commit()
    assert result["removed"] == 3  # goal, action, SDQ
    assert result["kept"] == 3  # trajectory, contact, fee
    db.session.expire_all()
    t = db.session.get(Trajectory, t.id)
    assert t.anonymised and t.question is None and t.final_evaluation is None and t.child_id is None
    assert t.ref.startswith("PT-") and t.start_on is not None
    assert db.session.scalar(select(Contact.note)) is None and db.session.scalar(select(Contact.minutes)) == 60
    rt = db.session.scalar(select(Roundtable))
    assert rt.agreements is None and rt.other_participants is None
    fee = db.session.scalar(select(Fee))
    assert fee.amount == Decimal("50.00") and fee.waived and fee.waive_reason == "(gewist)"
    assert db.session.scalar(select(func.count(PlanGoal.id))) == 0
    assert db.session.scalar(select(func.count(SdqResult.id))) == 0
    units, hours, dumped = _billable(Period(date.today() - timedelta(days=60), date.today()))
    assert [u["ref"] for u in units] == [t.ref] and hours == {t.id: {"sessie_kind": 1.0}}
    assert units[0]["fee_waived"] and Decimal(str(units[0]["fee_due"])) == Decimal("50.00")
    assert "Lotte" not in dumped and "schulden" not in dumped


def test_demo_data_covers_every_phase(app):
    from core.demo_data import load_core_demo
    from plugins.petra.demo import load_demo

    load_core_demo(db.session, 1)
    db.session.commit()
    load_demo(db.session, 1)
    statuses = dict(db.session.execute(select(Trajectory.status, func.count()).group_by(Trajectory.status)).all())
    assert set(statuses) == {"waiting", "clarifying", "ongoing", "closed", "not_started", "referred"}
    # the plugin's own demo switched it on for its demo team (the core's demo names no plugin)
    from core.models import Team, TeamPlugin

    assert db.session.execute(select(Team.name, TeamPlugin.plugin).join(TeamPlugin, TeamPlugin.team_id == Team.id)
                              ).all() == [("PeTra", "petra")]
    assert 110 <= sum(statuses.values()) <= 130
    phases = set(db.session.scalars(select(Trajectory.phase).distinct()))
    assert phases == {1, 2, 3, 4}
    assert db.session.scalar(select(func.count(Contact.id))) > 1000
    assert db.session.scalar(select(func.count(Roundtable.id))) > 100
    assert db.session.scalar(select(func.count(PlanGoal.id))) > 100
    assert db.session.scalar(select(func.count(SdqResult.id))) > 100
    assert db.session.scalar(select(func.count(Fee.id))) > 50
    # one involvement per family, the pseudonymous numbers are unique per year
    refs = list(db.session.scalars(select(Trajectory.ref)))
    assert len(refs) == len(set(refs))
    # the team's demo rows: meetings with decisions, a supervision log, concerns at various steps
    from plugins.petra.models import Concern, Supervision, TeamDecision, TeamMeeting

    assert db.session.scalar(select(func.count(TeamMeeting.id))) == 2
    assert db.session.scalar(select(func.count(TeamDecision.id))) >= 6
    assert db.session.scalar(select(func.count(Supervision.id))) == 3
    concerns = list(db.session.scalars(select(Concern)))
    assert sorted(len(c.steps) for c in concerns) == [0, 2, 4]
    assert sorted(c.status for c in concerns) == ["closed", "open", "open"]


def _seed(world, make_trajectory, make_family, n):
    first = None
    for i in range(n):
        fam = make_family(f"Fam{i}", children=((f"Kind{i}", date(2014, 1, 1)),))
        t = make_trajectory(world["petra"], fam, fam.children()[0], start_on=date.today() - timedelta(days=30),
                            lead=world["users"]["worker"], has_fee=True, contacts=n)
        first = first or t
        db.session.add(Roundtable(trajectory_id=t.id, kind="start", held_on=t.start_on, participants="ouders"))
        db.session.add(SdqResult(trajectory_id=t.id, informant="ouder", moment="voor", taken_on=t.start_on,
                                 emotional=1, conduct=1, hyperactivity=1, peer=1, prosocial=1, total=4))
    db.session.commit()
    return first


def _count(client, count_queries, url):
    client.get(url)  # warm-up
    with count_queries() as n:
        assert client.get(url).status_code == 200
    return n.count


def test_query_count_is_constant(client, login, world, make_trajectory, make_family, count_queries, app_factory):
    login(client, "worker")
    first = _seed(world, make_trajectory, make_family, 3)
    urls = ["/petra/", "/petra/bijdragen", "/petra/teamoverleg", f"/petra/traject/{first.id}",
            f"/petra/traject/{first.id}/sdq", "/petra/widget/caseload"]
    small = {u: _count(client, count_queries, u) for u in urls}
    second = _seed(world, make_trajectory, make_family, 30)  # 30 more trajectories with 30 contacts each
    big = {u: _count(client, count_queries, u) for u in urls}
    for page in ("", "/sdq"):  # the detail pages of a trajectory with 30 contacts instead of 3
        big[f"/petra/traject/{first.id}{page}"] = _count(client, count_queries, f"/petra/traject/{second.id}{page}")
    assert small == big
    assert small[f"/petra/traject/{first.id}"] <= 25
