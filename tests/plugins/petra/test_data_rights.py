"""Data rights of one person (a child's export and erasure, a sibling untouched) and retention of ended
trajectories (closed, or ended at intake), through the core's functions."""

from __future__ import annotations

import json
from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from core.extensions import db
from core.models import AuditEntry, Family, Person
from core.rights import apply_retention, erase_person, person_export, retention_report, retention_rules
from plugins.petra import anonymise_trajectories
from plugins.petra.models import Contact, Fee, PlanAction, PlanGoal, Roundtable, SdqResult, Trajectory

KEYS = {"petra_closed_trajectory", "petra_ended_at_intake"}


@pytest.fixture
def siblings(world, make_family, make_trajectory):
    """The Claes family: Jonas and his sister Mila each have a trajectory with a contact, a roundtable,
    a plan, an SDQ and a fee."""
    fam = make_family("Claes", children=(("Jonas", date(2014, 5, 5)), ("Mila", date(2016, 2, 2))))
    kids = {p.given_name: p for p in fam.children()}
    out = {"fam": fam, "jonas": kids["Jonas"], "mila": kids["Mila"]}
    for name in ("jonas", "mila"):
        t = make_trajectory(world["petra"], fam, out[name], start_on=date.today() - timedelta(days=40),
                            has_fee=True, contacts=1)
        t.question = f"Vraag over {out[name].given_name}"
        t.referrer_contact = "juf Ann"
        db.session.add(Roundtable(trajectory_id=t.id, kind="start", held_on=t.start_on, participants="ouders",
                                  agreements=f"Afspraak voor {out[name].given_name}", other_participants="oma"))
        g = PlanGoal(trajectory_id=t.id, party="kind", goal=f"{out[name].given_name} blijft rustig")
        g.actions.append(PlanAction(description="Stoplichtkaart", who="juf"))
        db.session.add(g)
        db.session.add(SdqResult(trajectory_id=t.id, informant="ouder", moment="voor", taken_on=t.start_on,
                                 emotional=2, conduct=3, hyperactivity=4, peer=1, prosocial=8, total=10))
        out["t_" + name] = t
    db.session.commit()
    return out


def test_person_export_holds_the_childs_trajectory_not_the_siblings(app, siblings):
    data = person_export(db.session.get(Person, siblings["jonas"].id), siblings["fam"])
    json.dumps(data, default=str)
    part = data["plugins"]["petra"]
    assert list(part) == ["petra"]
    [tr] = part["petra"]
    assert tr["ref"] == siblings["t_jonas"].ref and tr["child"] == "Jonas Claes"
    assert tr["question"] == "Vraag over Jonas" and tr["contacts"][0]["note"] == "n0"
    assert tr["roundtables"][0]["agreements"] == "Afspraak voor Jonas"
    assert tr["plan"][0]["goal"] == "Jonas blijft rustig" and tr["sdq"][0]["total"] == 10
    assert tr["fee"]["amount"] == "50.00"
    assert "Mila" not in json.dumps(part)
    parent = next(m.person for m in siblings["fam"].members if m.role == "ouder")
    assert person_export(parent, siblings["fam"])["plugins"]["petra"] == {"petra": []}


def test_person_erase_anonymises_only_that_childs_trajectory(app, siblings):
    tj, tm = siblings["t_jonas"].id, siblings["t_mila"].id
    summary = erase_person(db.session.get(Person, siblings["jonas"].id))
    db.session.commit()
    assert summary["plugins"]["petra"] == {"removed": 3, "kept": 3}  # goal, action, SDQ / trajectory, contact, fee
    db.session.expire_all()
    jonas = db.session.get(Trajectory, tj)
    assert jonas.anonymised and jonas.child_id is None and jonas.question is None and jonas.referrer_contact is None
    assert jonas.ref == siblings["t_jonas"].ref and jonas.start_on is not None
    assert db.session.scalar(select(Contact.note).where(Contact.trajectory_id == tj)) is None
    assert db.session.scalar(select(Contact.minutes).where(Contact.trajectory_id == tj)) == 60
    rt = db.session.scalar(select(Roundtable).where(Roundtable.trajectory_id == tj))
    assert rt.agreements is None and rt.other_participants is None
    assert db.session.scalar(select(func.count()).select_from(PlanGoal).where(PlanGoal.trajectory_id == tj)) == 0
    assert db.session.scalar(select(func.count()).select_from(SdqResult).where(SdqResult.trajectory_id == tj)) == 0
    assert db.session.scalar(select(Fee.amount).where(Fee.trajectory_id == tj)) == Decimal("50.00")
    # the sister's trajectory is untouched
    mila = db.session.get(Trajectory, tm)
    assert not mila.anonymised and mila.child_id == siblings["mila"].id and mila.question == "Vraag over Mila"
    assert mila.referrer_contact == "juf Ann"
    assert db.session.scalar(select(Contact.note).where(Contact.trajectory_id == tm)) == "n0"
    assert db.session.scalar(select(Roundtable.agreements).where(Roundtable.trajectory_id == tm)) == "Afspraak voor Mila"
    assert db.session.scalar(select(PlanGoal.goal).where(PlanGoal.trajectory_id == tm)) == "Mila blijft rustig"
    assert db.session.scalar(select(func.count(PlanAction.id))) == 1
    assert db.session.scalar(select(SdqResult.total).where(SdqResult.trajectory_id == tm)) == 10
    assert db.session.scalar(select(func.count(Fee.id))) == 2
    assert db.session.get(Person, siblings["mila"].id).given_name == "Mila"


def test_anonymise_trajectories_of_nothing_does_nothing(app):
    assert anonymise_trajectories([]) == (0, 0)


def _ended(world, make_trajectory, family, child, *, status, ended_on, **kw):
    t = make_trajectory(world["petra"], family, child, status=status, referred_on=ended_on - timedelta(days=200),
                        start_on=ended_on - timedelta(days=150) if status == "closed" else None, has_fee=True,
                        contacts=1, **kw)
    if status == "closed":
        t.closed_on, t.closure_reason, t.final_evaluation = ended_on, "zelfstandig", "Het gaat goed met het kind."
    else:
        t.decision = "elders" if status == "referred" else "geen_start"
        t.decision_on, t.decision_reason = ended_on, "Leerproblematiek op de voorgrond."
    db.session.commit()
    return t


def test_retention_of_closed_trajectories(app, world, make_trajectory, make_family):
    today = date.today()
    six_years = today - timedelta(days=6 * 365 + 2)
    old = _ended(world, make_trajectory, world["fam"], world["lotte"], status="closed", ended_on=six_years)
    f2 = make_family("Claes", children=(("Jonas", date(2014, 5, 5)),))
    recent = _ended(world, make_trajectory, f2, f2.children()[0], status="closed",
                    ended_on=today - timedelta(days=30))
    held_fam = make_family("Maes", children=(("Noor", date(2013, 1, 1)),))
    held_fam.legal_hold = True
    held = _ended(world, make_trajectory, held_fam, held_fam.children()[0], status="closed", ended_on=six_years)
    f3 = make_family("Wouters", children=(("Lars", date(2013, 1, 1)),))
    running = make_trajectory(world["petra"], f3, f3.children()[0], status="ongoing",
                              referred_on=six_years, start_on=six_years)  # never closed: never due
    done = _ended(world, make_trajectory, f3, f3.children()[0], status="closed", ended_on=six_years)
    anonymise_trajectories([done.id])  # already anonymised: no longer due
    db.session.commit()

    with app.test_request_context():
        rule = next(r for r in retention_rules() if r.key == "petra_closed_trajectory")
        assert (rule.label, rule.default_years) == ("Afgesloten PeTra-trajecten", 5)
        [st] = retention_report(keys={"petra_closed_trajectory"})
        assert st.years == 5 and st.due == 1
        assert [(r.id, r.label, r.since, r.family_id) for r in st.sample] == [
            (old.id, old.ref, six_years, world["fam"].id)]
        assert rule.holding() == 4  # old, recent, held, running
        assert apply_retention(rule) == 1
        db.session.commit()

    db.session.expire_all()
    t = db.session.get(Trajectory, old.id)
    assert t.anonymised and t.child_id is None and t.final_evaluation is None and t.question is None
    assert t.closed_on == six_years and t.closure_reason == "zelfstandig"
    assert db.session.scalar(select(Contact.note).where(Contact.trajectory_id == old.id)) is None
    assert db.session.scalar(select(Fee.amount).where(Fee.trajectory_id == old.id)) == Decimal("50.00")
    for other in (recent, held, running):
        t = db.session.get(Trajectory, other.id)
        assert not t.anonymised and t.question == "Vraag" and t.child_id is not None
    [entry] = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "retention")).all()
    assert (entry.object_type, entry.object_id, entry.family_id) == ("petra_closed_trajectory", old.id,
                                                                      world["fam"].id)
    assert entry.detail == "bewaartermijn 5 jaar"
    with app.test_request_context():
        [st] = retention_report(keys={"petra_closed_trajectory"})
        assert st.due == 0
        # lifting the legal hold makes the held trajectory due
        db.session.get(Family, held_fam.id).legal_hold = False
        db.session.flush()
        [st] = retention_report(keys={"petra_closed_trajectory"})
        assert [r.id for r in st.sample] == [held.id]


def test_retention_of_referrals_that_never_started(app, world, make_trajectory, make_family):
    today = date.today()
    six_years = today - timedelta(days=6 * 365 + 2)
    referred = _ended(world, make_trajectory, world["fam"], world["lotte"], status="referred", ended_on=six_years)
    f2 = make_family("Claes", children=(("Jonas", date(2014, 5, 5)),))
    refused = _ended(world, make_trajectory, f2, f2.children()[0], status="not_started", ended_on=six_years)
    recent = _ended(world, make_trajectory, f2, f2.children()[0], status="not_started",
                    ended_on=today - timedelta(days=30))
    closed = _ended(world, make_trajectory, f2, f2.children()[0], status="closed", ended_on=six_years)
    waiting = make_trajectory(world["petra"], f2, f2.children()[0], status="waiting", referred_on=six_years)

    with app.test_request_context():
        report = {st.rule.key: st for st in retention_report(keys=KEYS)}
        assert report["petra_ended_at_intake"].years == 5
        intake = report["petra_ended_at_intake"]
        assert sorted((r.id, r.since) for r in intake.sample) == [(referred.id, six_years), (refused.id, six_years)]
        assert [r.id for r in report["petra_closed_trajectory"].sample] == [closed.id]
        rule = intake.rule
        assert apply_retention(rule) == 2
        db.session.commit()

    db.session.expire_all()
    for tid in (referred.id, refused.id):
        t = db.session.get(Trajectory, tid)
        assert t.anonymised and t.question is None and t.decision_reason is None and t.child_id is None
        assert t.decision_on == six_years
    for tid in (recent.id, closed.id, waiting.id):
        assert not db.session.get(Trajectory, tid).anonymised
    logged = set(db.session.execute(select(AuditEntry.object_type, AuditEntry.object_id)
                                    .where(AuditEntry.action == "retention")).all())
    assert logged == {("petra_ended_at_intake", referred.id), ("petra_ended_at_intake", refused.id)}
