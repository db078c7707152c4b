"""The whole PeTra lifecycle through HTTP: referral, waiting list, intake, clarifying talks, start roundtable,
contacts (htmx), plan, SDQ, fee, closure; with the audit trail and the involvement it leaves."""

from __future__ import annotations

import re
from datetime import date, timedelta

from sqlalchemy import func, select

from core.extensions import db
from core.models import AuditEntry, Involvement
from plugins.petra.models import Contact, Fee, PlanGoal, Roundtable, SdqResult, Trajectory

from .conftest import referral_data


def _get(tid):
    db.session.expire_all()
    return db.session.get(Trajectory, tid)


def test_whole_lifecycle(client, login, world):
    fam, lotte = world["fam"], world["lotte"]
    login(client, "worker")
    assert client.get("/petra/").status_code == 200
    body = client.get("/petra/aanmelding?zoek=lotte").get_data(as_text=True)
    assert "Lotte Peeters" in body
    # the team is not involved with the family yet: a bare id opens nothing, the search's link does
    assert client.get(f"/petra/aanmelding?kind={lotte.id}").status_code == 403
    link = re.search(r'href="(/petra/aanmelding\?kind=[^"]+)"', body).group(1).replace("&amp;", "&")
    body = client.get(link).get_data(as_text=True)
    assert "Gekozen: <strong>Lotte Peeters</strong>" in body

    # 1. referral
    resp = client.post("/petra/aanmelding", data=referral_data(world))
    assert resp.status_code == 302, resp.get_data(as_text=True)
    t = db.session.scalar(select(Trajectory))
    assert t.ref == f"PT-{t.referred_on.year}-0001" and t.status == "waiting" and t.phase == 1
    assert t.indication_keys == ["leerjaar", "bezorgdheden", "crosssituationeel"]
    assert resp.headers["Location"].endswith(f"/petra/traject/{t.id}")
    inv = db.session.scalar(select(Involvement).where(Involvement.family_id == fam.id))
    assert inv.team_id == world["petra"].id and inv.source == "petra"

    # waiting list in order of registration with days waited
    body = client.get("/petra/wachtlijst").get_data(as_text=True)
    assert t.ref in body and '<td class="petra-days">60</td>' in body

    # 2. intake decision: start with a lead worker
    resp = client.post(f"/petra/traject/{t.id}/beslissing", data={
        "version": str(t.version), "decision": "start", "decision_on": (date.today() - timedelta(days=50)).isoformat(),
        "lead_worker_id": str(world["users"]["worker"].id), "second_worker_id": "0", "decision_org_id": "0"})
    assert resp.status_code == 302
    t = _get(t.id)
    assert t.status == "clarifying" and t.phase == 2 and t.lead_worker_id == world["users"]["worker"].id

    # a clarifying talk with the parents before the start
    resp = client.post(f"/petra/traject/{t.id}/contact", data={
        "on_date": (date.today() - timedelta(days=45)).isoformat(), "minutes": "60", "kind": "gesprek_ouders",
        "place": "huisbezoek", "parties": ["ouders"], "note": "kennismaking"})
    assert resp.status_code == 302

    # 3. the start roundtable is the start
    start = date.today() - timedelta(days=40)
    resp = client.post(f"/petra/traject/{t.id}/rondetafel", data={
        "kind": "start", "held_on": start.isoformat(), "minutes": "90",
        "participants": ["directie", "klasleerkracht", "clb", "ouders"], "agreements": "Wekelijks overleg."})
    assert resp.status_code == 302, resp.get_data(as_text=True)
    t = _get(t.id)
    assert t.status == "ongoing" and t.start_on == start
    fee = db.session.scalar(select(Fee))
    assert fee.amount == 50 and not fee.vt and fee.is_open
    rt_contact = db.session.scalar(select(Contact).where(Contact.roundtable_id.is_not(None)))
    assert rt_contact.kind == "rondetafel" and rt_contact.minutes == 90

    # 4. quick contact via htmx: the contacts fragment comes back with the norm progress
    resp = client.post(f"/petra/traject/{t.id}/contact", htmx=True, data={
        "on_date": (date.today() - timedelta(days=30)).isoformat(), "minutes": "45", "kind": "sessie_kind",
        "place": "school", "parties": ["kind"], "note": "talenteninterview"})
    body = resp.get_data(as_text=True)
    assert resp.status_code == 200 and '<section id="petra-contacts"' in body and "<html" not in body
    assert "talenteninterview" in body and "Sessies met het kind: <strong>1</strong> / 10" in body
    assert "waarvan rondetafels: <strong>1</strong> / 3" in body

    # 5. partnership plan
    resp = client.post(f"/petra/traject/{t.id}/plan", data={
        "party": "kind", "goal": "Ik blijf rustig als ik kwaad word", "action": "Rustkaart gebruiken",
        "who": "Lotte en juf"})
    assert resp.status_code == 302
    goal = db.session.scalar(select(PlanGoal))
    assert client.post(f"/petra/traject/{t.id}/plan/doel/{goal.id}/actie",
                       data={"description": "Dagboekje", "who": "ouders"}).status_code == 302
    assert client.post(f"/petra/traject/{t.id}/plan/doel/{goal.id}/evaluatie",
                       data={"version": str(goal.version), "moment": "interim", "result": "deels",
                             "note": "gaat beter"}).status_code == 302
    body = client.get(f"/petra/traject/{t.id}/plan/afdruk").get_data(as_text=True)
    assert "Ik blijf rustig als ik kwaad word" in body and "Rustkaart gebruiken" in body and "Dagboekje" in body
    assert "site-header" not in body  # a clean page without the intranet's menu

    # 6. SDQ before and after (parent)
    for moment, scores in (("voor", (6, 5, 8, 4, 5)), ("na", (3, 2, 5, 2, 7))):
        resp = client.post(f"/petra/traject/{t.id}/sdq", data={
            "informant": "ouder", "moment": moment, "taken_on": (date.today() - timedelta(days=5)).isoformat(),
            **dict(zip(["emotional", "conduct", "hyperactivity", "peer", "prosocial"], map(str, scores), strict=True))})
        assert resp.status_code == 302, resp.get_data(as_text=True)
    body = client.get(f"/petra/traject/{t.id}/sdq").get_data(as_text=True)
    assert "<svg" in body and "petra-band-verhoogd" in body and "petra-band-normaal" in body

    # 7. fee paid
    fee = db.session.scalar(select(Fee))
    resp = client.post(f"/petra/traject/{t.id}/bijdrage", data={
        "version": str(fee.version), "action": "betaald", "paid_on": date.today().isoformat(), "paid_amount": "50",
        "method": "overschrijving"})
    assert resp.status_code == 302
    db.session.expire_all()
    assert db.session.scalar(select(Fee)).paid_on == date.today()

    # 8. closure with a guided referral
    t = _get(t.id)
    resp = client.post(f"/petra/traject/{t.id}/afronding", data={
        "version": str(t.version), "closed_on": date.today().isoformat(), "closure_reason": "doorverwijzing",
        "final_evaluation": "Positieve dynamiek hersteld.", "closure_org_id": str(world["cgg"].id),
        "closure_accompanied": "y"})
    assert resp.status_code == 302, resp.get_data(as_text=True)
    t = _get(t.id)
    assert t.status == "closed" and t.phase == 4 and t.closure_org_id == world["cgg"].id and t.closure_accompanied

    body = client.get(f"/petra/traject/{t.id}").get_data(as_text=True)
    assert "Afgesloten" in body and "Positieve dynamiek hersteld." in body
    # every view of the trajectory is in the family's audit log
    views = db.session.scalar(select(func.count(AuditEntry.id)).where(
        AuditEntry.action == "view", AuditEntry.object_type == "petra_trajectory", AuditEntry.family_id == fam.id))
    assert views >= 8
    assert db.session.scalar(select(func.count(SdqResult.id))) == 2
    assert db.session.scalar(select(func.count(Roundtable.id))) == 1


def test_referral_of_a_new_child_creates_the_family_record(client, login, world):
    login(client, "worker")
    data = referral_data(world, child_id="", given_name="Noah", family_name="Janssens", municipality="As",
                         birth_date="2014-02-01", school_year="6")
    resp = client.post("/petra/aanmelding", data=data)
    assert resp.status_code == 302
    t = db.session.scalar(select(Trajectory))
    assert t.child.full_name == "Noah Janssens" and t.family.municipality == "As"
    assert db.session.scalar(select(Involvement).where(Involvement.family_id == t.family_id)).source == "petra"


def test_intake_refer_elsewhere_and_no_start(client, login, world):
    login(client, "worker")
    client.post("/petra/aanmelding", data=referral_data(world))
    client.post("/petra/aanmelding", data=referral_data(world))
    t1, t2 = db.session.scalars(select(Trajectory).order_by(Trajectory.id)).all()
    assert t2.ref.endswith("-0002")
    resp = client.post(f"/petra/traject/{t1.id}/beslissing", data={
        "version": "1", "decision": "elders", "decision_on": date.today().isoformat(), "lead_worker_id": "0",
        "second_worker_id": "0", "decision_org_id": "0"})
    assert "Kies de organisatie waarnaar je doorverwijst." in resp.get_data(as_text=True)
    resp = client.post(f"/petra/traject/{t1.id}/beslissing", data={
        "version": "1", "decision": "elders", "decision_on": date.today().isoformat(), "lead_worker_id": "0",
        "second_worker_id": "0", "decision_org_id": str(world["cgg"].id)})
    assert resp.status_code == 302
    resp = client.post(f"/petra/traject/{t2.id}/beslissing", data={
        "version": "1", "decision": "geen_start", "decision_on": date.today().isoformat(), "lead_worker_id": "0",
        "second_worker_id": "0", "decision_org_id": "0", "decision_reason": ""})
    assert "Geef de reden waarom het traject niet start." in resp.get_data(as_text=True)
    db.session.expire_all()
    assert [t.status for t in db.session.scalars(select(Trajectory).order_by(Trajectory.id))] == [
        "referred", "waiting"]


def test_referral_can_be_corrected_and_a_stale_save_is_refused(client, login, world):
    login(client, "worker")
    client.post("/petra/aanmelding", data=referral_data(world))
    t = db.session.scalar(select(Trajectory))
    assert client.get(f"/petra/traject/{t.id}/aanmelding").status_code == 200
    data = referral_data(world, version=str(t.version), question="Aangepaste hulpvraag", school_level="secundair",
                         school_year="1", contra_indications=["paralleltraject"])
    assert client.post(f"/petra/traject/{t.id}/aanmelding", data=data).status_code == 302
    t = _get(t.id)
    assert t.question == "Aangepaste hulpvraag" and t.age_group == "secundair" and t.contra_keys == ["paralleltraject"]
    body = client.post(f"/petra/traject/{t.id}/aanmelding",
                       data=dict(data, version="1", question="Te laat")).get_data(as_text=True)
    assert "Iemand anders heeft dit intussen gewijzigd." in body and "Te laat" in body
    assert _get(t.id).question == "Aangepaste hulpvraag"


def test_plan_goal_without_text_is_refused_and_a_goal_can_be_removed(client, login, world, make_trajectory):
    from plugins.petra.models import PlanAction

    t = make_trajectory(world["petra"], world["fam"], world["lotte"], start_on=date.today() - timedelta(days=10))
    login(client, "worker")
    body = client.post(f"/petra/traject/{t.id}/plan", data={"party": "school", "goal": "", "action": "Rustplek",
                                                            "who": "juf"}).get_data(as_text=True)
    assert "Dit veld is verplicht." in body and 'value="Rustplek"' in body
    client.post(f"/petra/traject/{t.id}/plan", data={"party": "school", "goal": "Rustplek in de klas",
                                                     "action": "Rustkaart", "who": "juf"})
    goal = db.session.scalar(select(PlanGoal))
    assert client.post(f"/petra/traject/{t.id}/plan/doel/{goal.id}/verwijderen").status_code == 302
    assert db.session.scalar(select(func.count(PlanGoal.id))) == 0
    assert db.session.scalar(select(func.count(PlanAction.id))) == 0
