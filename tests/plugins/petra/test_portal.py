"""PeTra in the partner portal: the online referral (parents' agreement required, age and region only warn),
staff accepting it into a family record or declining it, and the school following its pupils' trajectories
only while the family's consent covers "trajectverloop" (withdrawn: at once nothing)."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from core import signals
from core.extensions import db
from core.models import AuditEntry, Consent, Family, FamilyMember, Involvement, utcnow
from core.work import Appointment
from plugins.petra import operations
from plugins.petra.models import (
    PlanGoal,
    PortalReferral,
    Roundtable,
    RoundtableAttendee,
    SdqResult,
    Trajectory,
)

from .conftest import referral_data


def portal_data(world, **over) -> dict:
    data = {
        "team_id": str(world["petra"].id), "referrer_name": "An Claes", "referrer_role": "zorgcoördinator",
        "referrer_phone": "089 12 34 56", "referrer_email": "an@delinde.be",
        "given_name": "Mila", "family_name": "Janssens", "birth_date": date(date.today().year - 10, 5, 2).isoformat(),
        "municipality": "Genk", "school_id": str(world["school"].id), "school_level": "lager", "school_year": "5",
        "question": "Mila trekt zich terug in de klas en thuis zijn er veel conflicten.",
        "problem_kinds": ["internaliserend"], "risks": ["uitsluiting"],
        "indications": ["leerjaar", "bezorgdheden"], "contra_indications": [],
        "parents_agreed": "ja", "parents_informed_by": "An Claes, zorgcoördinator",
    }
    data.update(over)
    return data


@pytest.fixture
def received():
    got = []

    def receiver(sender, **kw):
        got.append((sender, kw))

    signals.referral_received.connect(receiver)
    yield got
    signals.referral_received.disconnect(receiver)


def _audit_count(**where) -> int:
    stmt = select(func.count()).select_from(AuditEntry)
    for k, v in where.items():
        stmt = stmt.where(getattr(AuditEntry, k) == v)
    return db.session.scalar(stmt)


# --------------------------------------------------------------------------- online referral


def test_partner_refers_online_team_is_notified_and_sees_status(client, login, world, received):
    login(client, "partner")
    form = client.get("/petra/portaal/aanmelding")
    assert form.status_code == 200 and "Gaan de ouders akkoord" in form.get_data(as_text=True)
    resp = client.post("/petra/portaal/aanmelding", data=portal_data(world))
    assert resp.status_code == 302, resp.get_data(as_text=True)
    pr = db.session.scalar(select(PortalReferral))
    assert pr.status == "pending" and pr.organisation_id == world["school"].id and pr.team_id == world["petra"].id
    assert pr.problem_kinds == "internaliserend" and pr.risks == "uitsluiting" and pr.parents_agreed
    assert pr.parents_informed_by == "An Claes, zorgcoördinator"
    assert received == [("petra", {"team_id": world["petra"].id, "reference": pr.ref,
                                   "url": f"/petra/portaal-aanmelding/{pr.id}"})]
    assert "Mila" not in pr.ref
    mine = client.get("/petra/portaal/aanmeldingen").get_data(as_text=True)
    assert pr.ref in mine and "nog niet behandeld" in mine
    # the team sees it on its waiting list, marked "via portaal"; another team does not
    client.post("/logout")
    login(client, "worker")
    waiting = client.get("/petra/wachtlijst").get_data(as_text=True)
    assert "via portaal" in waiting and "Mila Janssens" in waiting
    client.post("/logout")
    login(client, "ovw")
    assert "Mila" not in client.get("/petra/wachtlijst").get_data(as_text=True)
    assert client.get(f"/petra/portaal-aanmelding/{pr.id}").status_code == 404


def _input_names(html: str) -> set[str]:
    return set(re.findall(r'<(?:input|select|textarea)[^>]*\bname="([^"]+)"', html))


def test_portal_form_shows_the_shared_referral_fields_and_no_staff_only_field(client, login, world):
    """The portal's referral form and the staff's share their child, school and concern fields (one template);
    the staff's own fields (date, referrer, channel, safety concern, the chosen child) never reach the portal."""
    shared = {"given_name", "family_name", "birth_date", "municipality", "school_id", "school_level", "school_year",
              "question", "problem_kinds", "risks", "indications", "contra_indications"}
    staff_only = {"referred_on", "referrer_kind", "referrer_org_id", "referrer_contact", "channel", "safety_concern",
                  "child_id", "family_id", "sleutel"}
    login(client, "partner")
    portal = _input_names(client.get("/petra/portaal/aanmelding").get_data(as_text=True))
    assert shared <= portal and not portal & staff_only, portal
    assert {"referrer_name", "parents_agreed", "parents_informed_by"} <= portal
    client.post("/logout")
    login(client, "worker")
    staff = _input_names(client.get("/petra/aanmelding").get_data(as_text=True))
    assert shared | staff_only <= staff, staff
    assert not staff & {"referrer_name", "parents_agreed", "parents_informed_by"}


def test_no_parents_agreement_is_refused_with_a_dutch_message(client, login, world, received):
    login(client, "partner")
    resp = client.post("/petra/portaal/aanmelding", data=portal_data(world, parents_agreed="nee"))
    html = resp.get_data(as_text=True)
    assert resp.status_code == 422
    assert "Aanmelden kan alleen met het akkoord van de ouders" in html
    assert 'value="Mila"' in html  # the input is kept
    missing = client.post("/petra/portaal/aanmelding", data=portal_data(world, parents_informed_by=""))
    assert "Vul in wie de aanmelding met de ouders besproken heeft." in missing.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(PortalReferral)) == 0 and not received


def test_operation_refuses_without_agreement(app, world):
    partner = world["users"]["partner"]
    values = {k: v for k, v in portal_data(world).items()}
    values.update(parents_agreed=False, birth_date=date(2015, 1, 1), school_id=world["school"].id, school_year=5)
    with app.test_request_context():
        with pytest.raises(operations.Refused) as err:
            operations.submit_portal_referral(partner, world["school"], values, team_id=world["petra"].id)
    assert err.value.field == "parents_agreed"


def test_age_and_region_warn_and_the_partner_confirms_past_them(client, login, world):
    login(client, "partner")
    data = portal_data(world, birth_date=date(date.today().year - 17, 1, 1).isoformat(), municipality="Hasselt",
                       school_id=str(world["far_school"].id), school_year="3")
    first = client.post("/petra/portaal/aanmelding", data=data)
    html = first.get_data(as_text=True)
    assert first.status_code == 422
    assert "ouder dan 16" in html and "buiten het werkingsgebied" in html and "4de leerjaar" in html
    assert "Ik heb de opmerkingen gelezen" in html
    assert db.session.scalar(select(func.count()).select_from(PortalReferral)) == 0
    second = client.post("/petra/portaal/aanmelding", data={**data, "confirm_warnings": "y"})
    assert second.status_code == 302
    assert db.session.scalar(select(PortalReferral.warnings_confirmed)) is True


def _submit(app, world, **over) -> PortalReferral:
    values = portal_data(world)
    values.update(parents_agreed=True, birth_date=date(date.today().year - 10, 5, 2), school_id=world["school"].id,
                  school_year=5)
    values.update(over)
    with app.test_request_context():
        pr = operations.submit_portal_referral(world["users"]["partner"], world["school"], values,
                                               team_id=world["petra"].id)
    db.session.commit()
    return pr


def test_staff_accept_into_existing_family_found_through_people_search(client, login, world):
    pr = _submit(app=client.application, world=world, given_name="Lotte", family_name="Peeters",
                 birth_date=date(2015, 3, 14))
    login(client, "worker")
    page = client.get(f"/petra/portaal-aanmelding/{pr.id}").get_data(as_text=True)
    assert "Lotte Peeters" in page and "Dit kind: aanvaarden" in page
    from core.people import card_token

    resp = client.post(f"/petra/portaal-aanmelding/{pr.id}/aanvaarden", data={
        "version": str(pr.version), "child_id": str(world["lotte"].id), "family_id": str(world["fam"].id),
        "sleutel": card_token(world["lotte"].id, world["fam"].id)})
    assert resp.status_code == 302
    db.session.expire_all()
    pr = db.session.get(PortalReferral, pr.id)
    t = pr.trajectory
    assert pr.status == "accepted" and t.family_id == world["fam"].id and t.child_id == world["lotte"].id
    assert t.channel == "portaal" and t.status == "waiting" and t.referrer_org_id == world["school"].id
    assert t.problem_kinds == "internaliserend" and t.risks == "uitsluiting"
    assert db.session.scalar(select(func.count()).select_from(Family)) == 1  # no duplicate family
    assert db.session.scalar(select(func.count()).select_from(Involvement).where(
        Involvement.family_id == world["fam"].id, Involvement.team_id == world["petra"].id)) == 1
    # handled twice: refused
    again = client.post(f"/petra/portaal-aanmelding/{pr.id}/aanvaarden", data={"version": str(pr.version)})
    assert again.status_code in (409, 422)


def test_accept_without_search_token_is_refused(client, login, world):
    pr = _submit(client.application, world)
    login(client, "worker")
    resp = client.post(f"/petra/portaal-aanmelding/{pr.id}/aanvaarden", data={
        "version": str(pr.version), "child_id": str(world["lotte"].id), "family_id": str(world["fam"].id)})
    assert resp.status_code == 403
    assert db.session.scalar(select(PortalReferral.status)) == "pending"


def test_staff_accept_as_new_family_and_decline_with_reason_partner_sees(client, login, world):
    pr = _submit(client.application, world)
    other = _submit(client.application, world, given_name="Noor")
    login(client, "worker")
    resp = client.post(f"/petra/portaal-aanmelding/{pr.id}/aanvaarden", data={"version": str(pr.version)})
    assert resp.status_code == 302
    fam = db.session.scalar(select(Family).where(Family.label == "Janssens"))
    assert fam is not None and fam.municipality == "Genk"
    bad = client.post(f"/petra/portaal-aanmelding/{other.id}/weigeren", data={"version": str(other.version),
                                                                               "decline_reason": ""})
    assert bad.status_code == 422 and "de partner ziet die" in bad.get_data(as_text=True)
    ok = client.post(f"/petra/portaal-aanmelding/{other.id}/weigeren", data={
        "version": str(other.version), "decline_reason": "Leerproblemen staan voorop: we verwijzen naar het CLB."})
    assert ok.status_code == 302
    client.post("/logout")
    login(client, "partner")
    mine = client.get("/petra/portaal/aanmeldingen").get_data(as_text=True)
    assert "Niet aanvaard" in mine and "we verwijzen naar het CLB" in mine and "Aanvaard" in mine
    # the accepted referral opens nothing of the family in the portal without consent
    t = db.session.scalar(select(Trajectory))
    assert client.get(f"/petra/portaal/traject/{t.id}").status_code == 404


def test_another_partner_never_sees_someone_elses_referrals(client, login, world, make_org, make_user):
    _submit(client.application, world)
    make_user("clbuser", organisation=world["clb"])
    login(client, "clbuser")
    assert "Mila" not in client.get("/petra/portaal/aanmeldingen").get_data(as_text=True)


# --------------------------------------------------------------------------- the school follows the trajectory


@pytest.fixture
def followed(app, world, make_trajectory):
    """An ongoing trajectory of Lotte at De Linde, a held roundtable, a school goal evaluated, a parent goal,
    an SDQ, a roundtable planned next week, and the family's consent (trajectverloop) with De Linde."""
    w = world["users"]["worker"]
    t = make_trajectory(world["petra"], world["fam"], world["lotte"], start_on=date.today() - timedelta(days=30),
                        lead=w)
    t.school_id = world["school"].id
    db.session.add(Roundtable(trajectory_id=t.id, kind="start", held_on=t.start_on, minutes=120,
                              participants="directie,klasleerkracht,ouders",
                              agreements="Lotte krijgt een time-outplek in de klas."))
    db.session.add(PlanGoal(trajectory_id=t.id, party="school", goal="De leerkracht geeft Lotte elke dag een "
                            "positieve boodschap.", interim="deels", interim_note="loopt beter na de krokusvakantie"))
    db.session.add(PlanGoal(trajectory_id=t.id, party="ouders", goal="GEHEIM-OUDERDOEL thuis rust brengen"))
    db.session.add(SdqResult(trajectory_id=t.id, informant="ouder", moment="voor", taken_on=t.start_on,
                             emotional=7, conduct=6, hyperactivity=5, peer=4, prosocial=6, total=22))
    starts = datetime.combine(date.today() + timedelta(days=7), datetime.min.time()).replace(hour=14)
    with app.test_request_context():  # planned ahead the one way: an appointment in the core's agenda
        p = operations.plan_roundtable(t, w, "tussentijds", starts, starts + timedelta(hours=2),
                                       place="Basisschool De Linde, lokaal 3", participants=["directie", "ouders"])
    c = Consent(family_id=world["fam"].id, organisation_id=world["school"].id, purpose="afstemming met de school",
                info_kinds="trajectverloop", given_on=date.today() - timedelta(days=20))
    db.session.add(c)
    db.session.commit()
    return {"t": t, "planned": p, "consent": c}


def test_school_sees_roundtables_goals_and_worker_only(client, login, world, followed):
    t = followed["t"]
    login(client, "partner")
    listing = client.get("/petra/portaal/").get_data(as_text=True)
    assert t.ref in listing and "Lotte Peeters" in listing
    resp = client.get(f"/petra/portaal/traject/{t.id}")
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200
    assert "Worker" in html  # the lead worker to contact
    assert "time-outplek" in html and "Startrondetafel" in html
    assert "positieve boodschap" in html and "deels bereikt" in html and "krokusvakantie" in html
    assert "lokaal 3" in html
    # staff-only and household data stay out
    for secret in ("GEHEIM-OUDERDOEL", "Vraag", "Sarah", "Kerkstraat", "SDQ", "22"):
        assert secret not in html.split("<main", 1)[-1], secret
    assert _audit_count(object_type="petra_trajectory", object_id=t.id, family_id=t.family_id, action="view") >= 2


def test_school_confirms_attendance_audited_and_staff_see_it(client, login, world, followed):
    t, p = followed["t"], followed["planned"]
    login(client, "partner")
    bad = client.post(f"/petra/portaal/traject/{t.id}/rondetafel/{p.id}/deelnemer", data={"name": "", "role": "directie"})
    assert bad.status_code == 422 and "Vul de naam in." in bad.get_data(as_text=True)
    ok = client.post(f"/petra/portaal/traject/{t.id}/rondetafel/{p.id}/deelnemer",
                     data={"name": "Mevrouw Dirks", "role": "directie"})
    assert ok.status_code == 302
    a = db.session.scalar(select(RoundtableAttendee))
    assert a.name == "Mevrouw Dirks" and a.organisation_id == world["school"].id
    assert _audit_count(object_type="petra_roundtable_attendee", action="create", family_id=t.family_id) == 1
    client.post("/logout")
    login(client, "worker")
    assert "Mevrouw Dirks (Directie, Basisschool De Linde)" in client.get(f"/petra/traject/{t.id}").get_data(as_text=True)


def test_withdrawn_consent_closes_at_once(client, login, world, followed):
    t, p = followed["t"], followed["planned"]
    login(client, "partner")
    assert client.get(f"/petra/portaal/traject/{t.id}").status_code == 200
    followed["consent"].withdrawn_at = utcnow()
    db.session.commit()
    resp = client.get(f"/petra/portaal/traject/{t.id}")
    assert resp.status_code == 404 and "time-outplek" not in resp.get_data(as_text=True)
    assert t.ref not in client.get("/petra/portaal/").get_data(as_text=True)
    post = client.post(f"/petra/portaal/traject/{t.id}/rondetafel/{p.id}/deelnemer",
                       data={"name": "Meneer X", "role": "klasleerkracht"})
    assert post.status_code == 404
    assert db.session.scalar(select(func.count()).select_from(RoundtableAttendee)) == 0
    assert _audit_count(object_type="petra_trajectory", object_id=t.id, action="denied") >= 2


def test_other_consent_kind_other_school_and_staff_see_nothing(client, login, world, followed, make_user, make_org):
    t = followed["t"]
    followed["consent"].info_kinds = "verwijzing,contactgegevens"  # not the trajectory
    db.session.commit()
    login(client, "partner")
    assert client.get(f"/petra/portaal/traject/{t.id}").status_code == 404
    client.post("/logout")
    followed["consent"].info_kinds = "trajectverloop"
    other = make_org("Basisschool Andere")
    make_user("andere", organisation=other)
    db.session.add(Consent(family_id=world["fam"].id, organisation_id=other.id, purpose="x",
                           info_kinds="trajectverloop", given_on=date.today()))
    db.session.commit()
    login(client, "andere")  # consent, but not the pupil's school nor the referrer
    resp = client.get(f"/petra/portaal/traject/{t.id}")
    assert resp.status_code == 404 and "Lotte" not in resp.get_data(as_text=True)
    assert "Lotte" not in client.get("/petra/portaal/").get_data(as_text=True)
    client.post("/logout")
    make_user("cgguser", organisation=world["cgg"])
    login(client, "cgguser")
    assert client.get(f"/petra/portaal/traject/{t.id}").status_code == 404
    client.post("/logout")
    login(client, "worker")  # staff use the staff pages
    assert client.get(f"/petra/portaal/traject/{t.id}").status_code == 404
    assert client.get("/petra/portaal/aanmelding").status_code == 404


def _plan(day: date, **over) -> dict:
    data = {"kind": "eind", "day": day.isoformat(), "start": "10:00", "end": "12:00", "place": "Campus O3",
            "participants": ["directie", "klasleerkracht", "ouders"], "other_participants": ""}
    data.update(over)
    return data


def test_staff_plan_in_the_agenda_school_confirms_cancelled_disappears(client, login, world, followed):
    """One concept: staff plan through "Rondetafel plannen" (an appointment), the school sees it and confirms who
    comes, staff see who confirmed; cancelled in the agenda, it leaves the portal and takes nobody more."""
    t = followed["t"]
    login(client, "worker")
    form = client.get(f"/petra/traject/{t.id}/rondetafel/plannen").get_data(as_text=True)
    assert 'value="09:00"' in form and 'value="11:00"' in form  # a roundtable lasts about 2 hours by default
    past = client.post(f"/petra/traject/{t.id}/rondetafel/plannen", data=_plan(date(2020, 1, 1)))
    assert past.status_code == 422 and "Deze datum is voorbij" in past.get_data(as_text=True)
    day = date.today() + timedelta(days=20)
    assert client.post(f"/petra/traject/{t.id}/rondetafel/plannen", data=_plan(day)).status_code == 302
    a = db.session.scalar(select(Appointment).where(Appointment.subkind == "eind"))
    assert (a.kind, a.object_type, a.object_id, a.status) == ("rondetafel", "petra_trajectory", t.id, "planned")
    client.post("/logout")
    login(client, "partner")
    page = client.get(f"/petra/portaal/traject/{t.id}").get_data(as_text=True)
    assert "Campus O3" in page and "lokaal 3" in page
    assert client.post(f"/petra/portaal/traject/{t.id}/rondetafel/{a.id}/deelnemer",
                       data={"name": "Juf Ellen", "role": "klasleerkracht"}).status_code == 302
    att = db.session.scalar(select(RoundtableAttendee).where(RoundtableAttendee.name == "Juf Ellen"))
    assert att.appointment_id == a.id
    client.post("/logout")
    login(client, "worker")
    show = client.get(f"/petra/traject/{t.id}").get_data(as_text=True)
    assert "Juf Ellen (Klasleerkracht, Basisschool De Linde)" in show
    assert client.post(f"/agenda/{a.id}/annuleren", data={"version": a.version}).status_code == 302
    db.session.expire_all()
    assert db.session.get(Appointment, a.id).status == "cancelled"
    assert "Juf Ellen" not in client.get(f"/petra/traject/{t.id}").get_data(as_text=True)
    client.post("/logout")
    login(client, "partner")
    page = client.get(f"/petra/portaal/traject/{t.id}").get_data(as_text=True)
    assert "Campus O3" not in page and "lokaal 3" in page
    assert client.post(f"/petra/portaal/traject/{t.id}/rondetafel/{a.id}/deelnemer",
                       data={"name": "Meester Tom", "role": "directie"}).status_code == 404
    assert client.post(f"/petra/portaal/traject/{t.id}/rondetafel/{a.id}/deelnemer/{att.id}/verwijderen"
                       ).status_code == 404
    assert db.session.scalar(select(func.count()).select_from(RoundtableAttendee)) == 1


def test_school_removes_its_attendee_and_not_another_organisations(client, login, world, followed, make_user):
    t, p = followed["t"], followed["planned"]
    clb = RoundtableAttendee(appointment_id=p.id, organisation_id=world["clb"].id, name="CLB-GEHEIM", role="clb")
    db.session.add(clb)
    db.session.commit()
    login(client, "partner")
    page = client.get(f"/petra/portaal/traject/{t.id}").get_data(as_text=True)
    assert "CLB-GEHEIM" not in page  # only the own organisation's attendees
    assert client.post(f"/petra/portaal/traject/{t.id}/rondetafel/{p.id}/deelnemer",
                       data={"name": "Mevrouw Dirks", "role": "directie"}).status_code == 302
    again = client.post(f"/petra/portaal/traject/{t.id}/rondetafel/{p.id}/deelnemer",
                        data={"name": "mevrouw dirks", "role": "directie"})
    assert again.status_code == 422 and "staat al op de lijst" in again.get_data(as_text=True)
    ours = db.session.scalar(select(RoundtableAttendee).where(RoundtableAttendee.name == "Mevrouw Dirks"))
    assert client.post(f"/petra/portaal/traject/{t.id}/rondetafel/{p.id}/deelnemer/{clb.id}/verwijderen"
                       ).status_code == 404
    assert client.post(f"/petra/portaal/traject/{t.id}/rondetafel/{p.id}/deelnemer/{ours.id}/verwijderen"
                       ).status_code == 302
    assert list(db.session.scalars(select(RoundtableAttendee.name))) == ["CLB-GEHEIM"]
    assert _audit_count(object_type="petra_roundtable_attendee", action="delete", family_id=t.family_id) == 1


def test_holding_the_planned_roundtable_keeps_working(client, login, world, followed):
    """Held through mywork's ``hold_planned_roundtable``: recorded, gone from the portal's planned list (it shows
    as held), the confirmed attendees stay in the trajectory's export."""
    t, p = followed["t"], followed["planned"]
    db.session.add(RoundtableAttendee(appointment_id=p.id, organisation_id=world["school"].id, name="Juf Ellen",
                                      role="klasleerkracht"))
    db.session.commit()
    login(client, "worker")
    resp = client.post(f"/petra/traject/{t.id}/rondetafel?afspraak={p.id}", data={
        "kind": "tussentijds", "held_on": date.today().isoformat(), "minutes": "120",
        "participants": ["directie", "ouders"], "agreements": "Afspraak-na-de-rondetafel."})
    assert resp.status_code == 302, resp.get_data(as_text=True)
    db.session.expire_all()
    a = db.session.get(Appointment, p.id)
    assert (a.status, a.object_type) == ("held", "petra_roundtable")
    client.post("/logout")
    login(client, "partner")
    page = client.get(f"/petra/portaal/traject/{t.id}").get_data(as_text=True)
    assert "lokaal 3" not in page and "Afspraak-na-de-rondetafel." in page
    from plugins.petra import hvhk_family_export

    exported = hvhk_family_export(db.session.get(Family, t.family_id))["petra"][0]["planned_roundtables"]
    assert [(e["appointment_id"], e["status"], e["kind"], [x["name"] for x in e["attendees"]]) for e in exported] == [
        (p.id, "held", "tussentijds", ["Juf Ellen"])]


def test_portal_pages_cost_constant_queries(client, login, world, followed, make_trajectory, make_family,
                                            count_queries):
    login(client, "partner")
    client.get("/petra/portaal/")
    with count_queries() as few:
        client.get("/petra/portaal/")
    for i in range(5):
        fam = make_family(f"Fam{i}", children=((f"Kind{i}", date(2015, 1, 1)),))
        tr = make_trajectory(world["petra"], fam, fam.children()[0], lead=world["users"]["worker"])
        tr.school_id = world["school"].id
        db.session.add(Consent(family_id=fam.id, organisation_id=world["school"].id, purpose="x",
                               info_kinds="trajectverloop", given_on=date.today()))
    db.session.commit()
    with count_queries() as many:
        html = client.get("/petra/portaal/").get_data(as_text=True)
    assert "Kind4" in html
    assert many.count == few.count


def test_audit_labels_are_dutch(app):
    from core.plugins import current_plugins

    labels = {}
    for group in current_plugins().hook_available("hvhk_audit_labels")():
        labels.update(group or {})
    for key in ("petra_portal_referral", "petra_roundtable_attendee"):
        assert key in labels and labels[key][0].isupper()


def test_erasure_clears_the_portal_referral(app, world):
    pr = _submit(app, world)
    from core.people import card_token

    with app.test_request_context():
        operations.accept_portal_referral(pr, world["users"]["worker"], child_id=world["lotte"].id,
                                          family_id=world["fam"].id,
                                          token=card_token(world["lotte"].id, world["fam"].id))
    db.session.commit()
    from plugins.petra import hvhk_family_erase, hvhk_family_export

    exported = hvhk_family_export(world["fam"])["petra"][0]
    assert exported["portal_referrals"][0]["child"] == "Mila Janssens"
    hvhk_family_erase(world["fam"])
    db.session.commit()
    db.session.expire_all()
    pr = db.session.get(PortalReferral, pr.id)
    assert pr.given_name is None and pr.question is None and pr.referrer_name is None
    assert db.session.scalar(select(func.count()).select_from(FamilyMember)) >= 1


def test_declined_portal_referral_retention(app, world):
    from core.rights import due_query
    from plugins.petra import hvhk_retention_rules

    pr = _submit(app, world)
    operations.decline_portal_referral(pr, world["users"]["worker"], "Andere ondersteuning past beter.")
    pr.decided_at = datetime.now() - timedelta(days=800)
    db.session.commit()
    rule = next(r for r in hvhk_retention_rules() if r.key == "petra_portal_referral_declined")
    due = db.session.execute(due_query(rule)).all()
    assert [row.id for row in due] == [pr.id] and "Mila" not in due[0].label
    assert rule.apply([pr.id]) == 1
    db.session.commit()
    db.session.expire_all()
    pr = db.session.get(PortalReferral, pr.id)
    assert pr.given_name is None and pr.question is None and pr.status == "declined"
    assert rule.holding() == 0


def test_staff_referral_records_kind_of_problem_and_risk(client, login, world):
    login(client, "worker")
    resp = client.post("/petra/aanmelding", data=referral_data(
        world, problem_kinds=["internaliserend", "externaliserend"], risks=["schooluitval"]))
    assert resp.status_code == 302
    t = db.session.scalar(select(Trajectory))
    assert t.problem_kind_keys == ["internaliserend", "externaliserend"] and t.risk_keys == ["schooluitval"]
    page = client.get(f"/petra/traject/{t.id}").get_data(as_text=True)
    assert "Internaliserend" in page and "Risico op schooluitval" in page
    edit = client.get(f"/petra/traject/{t.id}/aanmelding").get_data(as_text=True)
    boxes = re.findall(r'<input[^>]*name="(?:problem_kinds|risks)"[^>]*>', edit)
    checked = sorted(re.search(r'value="([^"]+)"', b).group(1) for b in boxes if "checked" in b)
    assert checked == ["externaliserend", "internaliserend", "schooluitval"]


def test_the_portal_referral_sent_twice_is_stored_once_and_the_team_told_once(client, login, world, received):
    login(client, "partner")
    page = client.get("/petra/portaal/aanmelding").get_data(as_text=True)
    key = re.search(r'name="idempotency_key"(?: type="hidden")? value="([^"]+)"', page).group(1)
    first = client.post("/petra/portaal/aanmelding", data=portal_data(world, idempotency_key=key))
    second = client.post("/petra/portaal/aanmelding", data=portal_data(world, idempotency_key=key))
    assert first.status_code == 302 and second.status_code == 303
    assert db.session.scalar(select(func.count()).select_from(PortalReferral)) == 1
    assert len(received) == 1


def test_attendance_confirmed_twice_is_stored_once(client, login, world, followed):
    t, p = followed["t"], followed["planned"]
    login(client, "partner")
    page = client.get(f"/petra/portaal/traject/{t.id}").get_data(as_text=True)
    key = re.search(r'name="idempotency_key"(?: type="hidden")? value="([^"]+)"', page).group(1)
    url = f"/petra/portaal/traject/{t.id}/rondetafel/{p.id}/deelnemer"
    data = {"name": "Meester Jan", "role": "klasleerkracht", "idempotency_key": key}
    assert client.post(url, data=data).status_code == 302
    assert client.post(url, data=data).status_code == 303
    assert db.session.scalar(select(func.count()).select_from(RoundtableAttendee)) == 1


def test_demo_school_sees_its_planned_roundtable_appointment(client, login, app):
    """The demo's shared trajectory has its interim roundtable planned as an appointment in the agenda, with
    De Linde's care coordinator confirmed; the demo partner user sees both in the portal."""
    from core.demo import load_demo

    load_demo(scale=1)
    a = db.session.scalar(select(Appointment).join(RoundtableAttendee, RoundtableAttendee.appointment_id == Appointment.id))
    assert (a.kind, a.object_type, a.status, a.subkind) == ("rondetafel", "petra_trajectory", "planned", "tussentijds")
    assert a.ends_at - a.starts_at == timedelta(hours=2)
    login(client, "partner")
    html = client.get(f"/petra/portaal/traject/{a.object_id}").get_data(as_text=True)
    assert "vergaderlokaal" in html and "Pascale Zorgcoördinator" in html


def test_portal_settings_are_on_the_settings_page_and_reach_the_school(client, login, world, followed):
    """The team's phone and e-mail for partners are PeTra settings (``SettingsForm``) the school then sees."""
    from plugins.petra import logic

    login(client, "manager")
    form = client.get("/petra/instellingen").get_data(as_text=True)
    assert 'name="portal_phone"' in form and 'name="portal_team_id"' in form
    data = dict(logic.DEFAULTS, portal_phone="089 99 88 77", portal_email="petra@example.org", portal_team_id="0")
    assert client.post("/petra/instellingen", data=data).status_code == 302
    client.post("/logout")
    login(client, "partner")
    html = client.get(f"/petra/portaal/traject/{followed['t'].id}").get_data(as_text=True)
    assert "089 99 88 77" in html and "petra@example.org" in html
