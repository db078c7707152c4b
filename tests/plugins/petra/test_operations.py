"""PeTra's operations called directly (no HTTP): the lifecycle, the refused transitions with their Dutch message
and field, the audit entry with the family, the referral hook; and through HTTP, a refusal shown next to its
field with the typed input kept."""

from __future__ import annotations

import types
from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from core.extensions import db
from core.hookspecs import hookimpl
from core.models import AuditEntry, Involvement
from core.operations import Refused
from core.people import card_token
from plugins.petra import logic, operations
from plugins.petra.models import Contact, Fee, PlanGoal, Roundtable, SdqResult, Trajectory

DAY = timedelta(days=1)


def _entries(object_type: str, object_id: int | None = None) -> list[AuditEntry]:
    stmt = select(AuditEntry).where(AuditEntry.object_type == object_type, AuditEntry.action != "view")
    if object_id is not None:
        stmt = stmt.where(AuditEntry.object_id == object_id)
    return list(db.session.scalars(stmt.order_by(AuditEntry.id)))


def _referral(world, **over) -> dict:
    data = dict(referred_on=date.today() - 60 * DAY, referrer_kind="school", referrer_org_id=world["school"].id,
                referrer_contact="zorgcoördinator", channel="rechtstreeks", school_id=world["school"].id,
                school_level="lager", school_year=5, question="Ruzie op de speelplaats.",
                indications=["leerjaar", "bezorgdheden"], contra_indications=[])
    data.update(over)
    return data


def _refused(call, *args, **kwargs) -> Refused:
    with pytest.raises(Refused) as caught:
        call(*args, **kwargs)
    db.session.rollback()
    return caught.value


def test_the_lifecycle_through_operations(world):
    worker, fam, lotte = world["users"]["worker"], world["fam"], world["lotte"]
    # referral of a child of a family the team is not involved with: the search's token lets it register
    t = operations.register_referral(worker, world["petra"].id, _referral(world), child_id=lotte.id,
                                     family_id=fam.id, token=card_token(lotte.id, fam.id))
    db.session.commit()
    assert (t.status, t.phase, t.ref) == ("waiting", 1, f"PT-{t.referred_on.year}-0001")
    assert t.indications == "leerjaar,bezorgdheden" and t.age_group == "lager" and t.max_months == 6
    assert db.session.scalar(select(Involvement.team_id).where(Involvement.family_id == fam.id)) == world["petra"].id
    created = _entries("petra_trajectory", t.id)
    assert [(e.action, e.family_id, e.user_id) for e in created] == [("create", fam.id, worker.id)]

    operations.decide_intake(t, worker, "start", date.today() - 50 * DAY, lead_worker_id=worker.id)
    db.session.commit()
    assert (t.status, t.phase, t.lead_worker_id) == ("clarifying", 2, worker.id)

    c = operations.add_contact(t, worker, on_date=date.today() - 45 * DAY, minutes=60, kind="gesprek_ouders",
                               place="huisbezoek", parties=["ouders"])
    db.session.commit()
    assert c.worker_id == worker.id and _entries("petra_contact", c.id)[0].family_id == fam.id

    r = operations.hold_roundtable(t, worker, "start", date.today() - 40 * DAY, participants=["directie", "ouders"])
    db.session.commit()
    assert (t.status, t.start_on) == ("ongoing", date.today() - 40 * DAY)
    fee = db.session.scalar(select(Fee).where(Fee.trajectory_id == t.id))
    assert fee.amount == Decimal(50) and fee.is_open
    rt_contact = db.session.scalar(select(Contact).where(Contact.roundtable_id == r.id))
    assert (rt_contact.kind, rt_contact.parties) == ("rondetafel", "ouders,school")

    operations.edit_roundtable(t, r, worker, minutes=120, participants=["kind", "klasleerkracht"])
    operations.change_phase(t, worker, 3, date.today() - 30 * DAY)
    g = operations.plan_goal(t, worker, party="kind", goal="Lotte speelt samen op de speelplaats.",
                             action="Spelletjes in de klas", who="juf")
    operations.plan_action(t, g, worker, description="Wekelijks gesprek", who="begeleider")
    operations.evaluate_goal(t, g, worker, moment="interim", result="deels")
    res = operations.record_sdq(t, worker, informant="ouder", moment="voor", taken_on=date.today() - 20 * DAY,
                                scores=dict(emotional=5, conduct=4, hyperactivity=6, peer=3, prosocial=7))
    operations.pay_fee(t, worker, paid_on=date.today() - 10 * DAY, method="cash")
    db.session.commit()
    assert (rt_contact.minutes, rt_contact.parties) == (120, "kind,school")
    assert (t.phase, t.phase3_on) == (3, date.today() - 30 * DAY)
    assert [a.description for a in g.actions] == ["Spelletjes in de klas", "Wekelijks gesprek"] and g.interim == "deels"
    assert res.total == 18
    assert fee.status_label == "betaald" and fee.paid_amount == Decimal(50)

    operations.close_trajectory(t, worker, closed_on=date.today(), reason="zelfstandig")
    db.session.commit()
    assert (t.status, t.phase, t.phase4_on, t.closed_on) == ("closed", 4, date.today(), date.today())
    # every write left one entry with the family and the acting user
    writes = db.session.scalars(select(AuditEntry).where(AuditEntry.object_type.like("petra_%"),
                                                         AuditEntry.action != "view")).all()
    assert len(writes) == 12  # one per operation above
    assert {(e.family_id, e.user_id) for e in writes} == {(fam.id, worker.id)}
    assert _entries("petra_trajectory", t.id)[-1].detail == "afronding"


def test_refused_transitions_name_the_field_and_write_nothing(world, make_trajectory, make_family):
    worker, other = world["users"]["worker"], world["users"]["ovw"]
    fam, lotte = world["fam"], world["lotte"]
    waiting = make_trajectory(world["petra"], fam, lotte, status="waiting")
    before = len(_entries("petra_trajectory"))

    e = _refused(operations.decide_intake, waiting, worker, "start", waiting.referred_on - DAY, lead_worker_id=worker.id)
    assert (e.field, e.message) == ("decision_on", "De beslissing kan niet vóór de aanmelding liggen.")
    e = _refused(operations.decide_intake, waiting, worker, "start", date.today())
    assert (e.field, e.message) == ("lead_worker_id", "Kies een hoofdbegeleider.")
    e = _refused(operations.decide_intake, waiting, worker, "start", date.today(), lead_worker_id=other.id)
    assert e.field == "lead_worker_id" and "geen lid van het team" in e.message
    e = _refused(operations.decide_intake, waiting, worker, "geen_start", date.today(), reason="  ")
    assert e.field == "decision_reason"
    e = _refused(operations.hold_roundtable, waiting, worker, "start", date.today(), participants=["ouders"])
    assert e.field == "kind" and e.message.startswith("Neem eerst de intakebeslissing")
    e = _refused(operations.close_trajectory, waiting, worker, closed_on=date.today(), reason="zelfstandig")
    assert e.message == "Alleen een lopend traject kan afgerond worden."
    e = _refused(operations.decide_intake, waiting, other, "start", date.today(), lead_worker_id=worker.id)
    assert e.message == "Dit traject hoort bij een ander team."
    db.session.refresh(waiting)
    assert (waiting.status, waiting.decision, waiting.lead_worker_id) == ("waiting", None, None)
    assert len(_entries("petra_trajectory")) == before

    # a decided trajectory cannot be decided again: the status says why
    operations.decide_intake(waiting, worker, "geen_start", date.today(), reason="Geen engagement.")
    db.session.commit()
    e = _refused(operations.decide_intake, waiting, worker, "start", date.today(), lead_worker_id=worker.id)
    assert e.message == "Dit kan niet meer: de status is 'Niet gestart' en kan niet naar 'Kennismaking en vraagverheldering'."
    e = _refused(operations.add_contact, waiting, worker, on_date=date.today(), minutes=30, kind="sessie_kind",
                 place="school", parties=["kind"])
    assert e.field is None and "niet gestart" in e.message

    running = make_trajectory(world["petra"], fam, lotte, start_on=date.today() - 30 * DAY, has_fee=True)
    e = _refused(operations.hold_roundtable, running, worker, "start", date.today(), participants=["ouders"])
    assert e.message == "Er is al een startrondetafel: het traject is al gestart."
    e = _refused(operations.hold_roundtable, running, worker, "tussentijds", date.today() - 40 * DAY,
                 participants=["ouders"])
    assert (e.field, e.message) == ("held_on", "Deze rondetafel ligt vóór de startrondetafel.")
    e = _refused(operations.add_contact, running, worker, on_date=running.referred_on - DAY, minutes=30,
                 kind="sessie_kind", place="school", parties=["kind"])
    assert e.field == "on_date" and e.message.startswith("Een contact kan niet vóór de aanmelding liggen")
    e = _refused(operations.change_phase, running, worker, 4, date.today() - 31 * DAY)
    assert (e.field, e.message) == ("on", "Fase niet gewijzigd: de datum ligt vóór de start.")
    e = _refused(operations.waive_fee, running, worker, " ")
    assert (e.field, e.message) == ("waive_reason", "Geef de reden van de kwijtschelding.")
    e = _refused(operations.close_trajectory, running, worker, closed_on=date.today(), reason="doorverwijzing")
    assert e.field == "closure_org_id"
    e = _refused(operations.close_trajectory, running, worker, closed_on=date.today() - 31 * DAY, reason="andere")
    assert e.field == "closed_on"

    # a roundtable's own contact goes with the roundtable only
    r = operations.hold_roundtable(running, worker, "tussentijds", date.today(), participants=["ouders"])
    db.session.commit()
    rt_contact = db.session.scalar(select(Contact).where(Contact.roundtable_id == r.id))
    e = _refused(operations.delete_contact, running, rt_contact, worker)
    assert "hoort bij een rondetafel" in e.message
    assert db.session.get(Contact, rt_contact.id) is not None

    # the child's own SDQ from 11
    young = make_family("Janssens", children=(("Mats", date.today() - 9 * 365 * DAY),))
    t_young = make_trajectory(world["petra"], young, young.children()[0], start_on=date.today() - 10 * DAY)
    e = _refused(operations.record_sdq, t_young, worker, informant="kind", moment="voor", taken_on=date.today(),
                 scores=dict(emotional=1, conduct=1, hyperactivity=1, peer=1, prosocial=1))
    assert e.field == "informant" and e.message.startswith("De zelfrapportage is er vanaf 11 jaar")
    e = _refused(operations.record_sdq, t_young, worker, informant="ouder", moment="voor", taken_on=date.today(),
                 scores=dict(emotional=11, conduct=1, hyperactivity=1, peer=1, prosocial=1))
    assert (e.field, e.message) == ("emotional", "Een schaalscore ligt tussen 0 en 10.")
    assert db.session.scalar(select(SdqResult.id)) is None

    # a referral for a team the user is not in, and a correction after the first contact
    e = _refused(operations.register_referral, worker, world["ovw"].id, _referral(world),
                 new_child=dict(given_name="Mona", family_name="Claes", municipality="Genk"))
    assert e.field == "team_id"
    operations.add_contact(running, worker, on_date=running.referred_on + DAY, minutes=30, kind="sessie_kind",
                           place="school", parties=["kind"])
    db.session.commit()
    e = _refused(operations.edit_referral, running, worker, {"referred_on": running.referred_on + 2 * DAY})
    assert e.field == "referred_on" and e.message.startswith("Er is al een contact op")


def test_a_new_child_becomes_a_family_the_team_is_involved_with(world):
    worker = world["users"]["worker"]
    t = operations.register_referral(worker, world["petra"].id, _referral(world, school_level="secundair",
                                                                         school_year=1),
                                     new_child=dict(given_name=" Mona ", family_name="Claes", municipality="As",
                                                    birth_date=date(2012, 5, 1)))
    db.session.commit()
    assert t.child.full_name == "Mona Claes" and t.family.municipality == "As" and t.age_group == "secundair"
    assert db.session.scalar(select(Involvement.reason).where(Involvement.family_id == t.family_id)) \
        == operations.INVOLVEMENT_REASON
    assert [e.action for e in _entries("family", t.family_id)] == ["create"]


def test_edit_referral_names_what_changed(world, make_trajectory):
    worker = world["users"]["worker"]
    t = make_trajectory(world["petra"], world["fam"], world["lotte"], status="waiting")
    changed = operations.edit_referral(t, worker, {"school_level": "secundair", "school_year": 1,
                                                   "referrer_contact": "", "indications": ["regio"]})
    db.session.commit()
    assert changed == ["school_level", "school_year", "indications"]
    assert t.age_group == "secundair" and t.referrer_contact is None
    assert _entries("petra_trajectory", t.id)[-1].detail == "school_level,school_year,indications"
    assert operations.edit_referral(t, worker, {"school_year": 1}) == []


CALLS: list[dict] = []


def _spy_module():
    mod = types.ModuleType("petra_operations_spy")

    @hookimpl
    def hvhk_referral_recorded(referral):
        CALLS.append(referral)

    mod.hvhk_referral_recorded = hvhk_referral_recorded
    return mod


def test_referrals_at_intake_and_closure_call_the_hook(app_factory, world, make_trajectory):
    CALLS.clear()
    waiting = make_trajectory(world["petra"], world["fam"], world["lotte"], status="waiting")
    running = make_trajectory(world["petra"], world["fam"], world["lotte"], start_on=date.today() - 30 * DAY)
    ids = (waiting.id, running.id, world["users"]["worker"].id, world["cgg"].id)
    spy_app = app_factory(HVHK_PLUGINS="petra", HVHK_EXTRA_PLUGINS=[("spy", _spy_module())])
    with spy_app.app_context():
        from core.models import User

        worker, cgg = db.session.get(User, ids[2]), ids[3]
        operations.decide_intake(db.session.get(Trajectory, ids[0]), worker, "elders", date.today(), org_id=cgg)
        operations.close_trajectory(db.session.get(Trajectory, ids[1]), worker, closed_on=date.today(),
                                    reason="doorverwijzing", org_id=cgg, accompanied=True)
        db.session.commit()
    assert [(c["organisation_id"], c["accompanied"], c["note"], c["user_id"]) for c in CALLS] == [
        (ids[3], False, "doorverwijzing bij intake", ids[2]),
        (ids[3], True, "begeleide doorverwijzing bij afronding", ids[2])]
    assert {c["family_id"] for c in CALLS} == {world["fam"].id}


def test_settings_through_the_operation(world):
    e = _refused(operations.save_settings, world["users"]["worker"], {"max_months": 9})
    assert "beheerder" in e.message
    assert operations.save_settings(world["users"]["manager"], {"max_months": 9, "region": " Genk,As ",
                                                                "csrf_token": "x"}) == ["max_months", "region"]
    db.session.commit()
    assert logic.SETTINGS.get("max_months") == 9 and logic.SETTINGS.get("region") == "Genk,As"


# --------------------------------------------------------------------------- through HTTP


def test_a_refusal_shows_next_to_its_field_with_the_input_kept(client, login, world, make_trajectory):
    t = make_trajectory(world["petra"], world["fam"], world["lotte"], start_on=date.today() - 30 * DAY)
    first = db.session.scalar(select(Contact.on_date).where(Contact.trajectory_id == t.id))
    assert first is None
    db.session.add(Contact(trajectory_id=t.id, on_date=t.referred_on + DAY, minutes=30, kind="sessie_kind",
                           place="school", parties="kind"))
    db.session.commit()
    login(client, "worker")
    resp = client.post(f"/petra/traject/{t.id}/aanmelding", data={
        "version": str(t.version), "referred_on": (t.referred_on + 5 * DAY).isoformat(), "referrer_kind": "clb",
        "referrer_org_id": "0", "channel": "rechtstreeks", "school_id": "0", "school_level": "lager",
        "school_year": "5", "question": "Een vraag die ik net typte."})
    body = resp.get_data(as_text=True)
    assert resp.status_code == 422
    field = body[body.index('name="referred_on"'):]
    assert field.index("de aanmelding kan niet later liggen") < field.index('name="referrer_kind"')
    assert "Een vraag die ik net typte." in body
    db.session.expire_all()
    assert db.session.get(Trajectory, t.id).referrer_kind == "school"


def test_a_refused_intake_keeps_the_reason_typed(client, login, world, make_trajectory):
    t = make_trajectory(world["petra"], world["fam"], world["lotte"], status="waiting")
    login(client, "worker")
    resp = client.post(f"/petra/traject/{t.id}/beslissing", data={
        "version": str(t.version), "decision": "geen_start", "decision_on": (t.referred_on - DAY).isoformat(),
        "lead_worker_id": "0", "second_worker_id": "0", "decision_org_id": "0",
        "decision_reason": "Het gezin wil eerst de CGG-begeleiding afronden."})
    body = resp.get_data(as_text=True)
    assert resp.status_code == 422
    assert "De beslissing kan niet vóór de aanmelding liggen." in body
    assert "Het gezin wil eerst de CGG-begeleiding afronden." in body
    db.session.expire_all()
    assert db.session.get(Trajectory, t.id).status == "waiting"


def test_a_refused_phase_change_is_flashed(client, login, world, make_trajectory):
    """The phase form has no page of its own: the refusal comes back as a message on the trajectory page."""
    t = make_trajectory(world["petra"], world["fam"], world["lotte"], start_on=date.today() - 30 * DAY)
    login(client, "worker")
    resp = client.post(f"/petra/traject/{t.id}/fase", data={
        "version": str(t.version), "phase": "4", "on": (date.today() - 40 * DAY).isoformat()}, follow_redirects=True)
    assert "Fase niet gewijzigd: de datum ligt vóór de start." in resp.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Trajectory, t.id).phase == 3


def test_goal_and_its_actions_go_together(world, make_trajectory):
    worker = world["users"]["worker"]
    t = make_trajectory(world["petra"], world["fam"], world["lotte"], start_on=date.today() - 30 * DAY)
    g = operations.plan_goal(t, worker, party="ouders", goal="Rustige ochtenden", action="Ochtendschema")
    db.session.commit()
    other = make_trajectory(world["petra"], world["fam"], world["lotte"], start_on=date.today() - 30 * DAY)
    e = _refused(operations.delete_goal, other, db.session.get(PlanGoal, g.id), worker)
    assert e.message == "Dit doel hoort niet bij dit traject."
    operations.delete_goal(t, db.session.get(PlanGoal, g.id), worker)
    db.session.commit()
    assert db.session.scalar(select(PlanGoal.id)) is None
    assert [e.action for e in _entries("petra_plan_goal", g.id)] == ["create", "delete"]
    assert db.session.scalar(select(Roundtable.id)) is None
