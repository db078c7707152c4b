"""Demo rows for PeTra in the partner portal: portal referrals (pending, accepted, declined) from Basisschool De
Linde (the school of the demo partner user ``partner``) and one pupil's trajectory the family shares with the school
(consent "trajectverloop"), with a roundtable planned next week. Fictional; deterministic (``rng``)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from sqlalchemy import select

from core.models import Consent, FamilyMember, Organisation, User
from core.work import Appointment, AppointmentParticipant

from .models import PlanGoal, PortalReferral, RoundtableAttendee, Trajectory

PENDING = [("Yara", "Vermeulen", "Yara trekt zich terug en komt vaak met buikpijn naar school.", "internaliserend",
            "schooluitval"),
           ("Milan", "Coenen", "Milan reageert agressief op de speelplaats; thuis escaleren conflicten.",
            "externaliserend", "uitsluiting")]
DECLINED = ("Sem", "Wouters", "Sem heeft het moeilijk met lezen en schrijven; de klas loopt vast.",
            "Leer- en taalproblemen lijken aan de basis te liggen: we bekijken met het CLB een andere ondersteuning.")


def demo_portal(session, rng, team, school_id: int) -> None:
    """``school_id``: the demo partner user's school (the story's ``partner_org_id``)."""
    school = session.get(Organisation, school_id)
    if school is None or team is None:
        return
    partner = session.scalar(select(User).where(User.organisation_id == school.id).order_by(User.id))
    manager = session.scalar(select(User).where(User.is_admin.is_(True)).order_by(User.id))
    today = date.today()
    n = 0

    def referral(given, family, question, problem, risk, days_ago, **extra):
        nonlocal n
        n += 1
        day = today - timedelta(days=days_ago)
        pr = PortalReferral(
            ref=f"PA-{day.year}-{9000 + n:04d}", team_id=team.id, organisation_id=school.id,
            submitted_by_id=partner.id if partner else None,
            submitted_at=datetime.combine(day, time(9 + rng.randint(0, 6), 15)), referred_on=day,
            referrer_name="Pascale Zorgcoördinator", referrer_role="zorgcoördinator", referrer_phone="089 30 00 00",
            given_name=given, family_name=family, birth_date=date(today.year - rng.randint(9, 12), rng.randint(1, 12), 10),
            municipality="Genk", school_id=school.id, school_level="lager", school_year=rng.randint(4, 6),
            question=question, indications="leerjaar,bezorgdheden,crosssituationeel", contra_indications="",
            problem_kinds=problem, risks=risk, parents_agreed=True,
            parents_informed_by="Pascale Zorgcoördinator (gesprek met moeder)", **extra)
        session.add(pr)
        return pr

    for i, (given, family, question, problem, risk) in enumerate(PENDING):
        referral(given, family, question, problem, risk, 2 + 3 * i)
    given, family, question, reason = DECLINED
    referral(given, family, question, "externaliserend", "schooluitval", 20, status="declined",
             decline_reason=reason, decided_at=datetime.combine(today - timedelta(days=15), time(14, 0)),
             decided_by_id=manager.id if manager else None)

    # an accepted one: a waiting trajectory of a De Linde pupil came in through the portal
    waiting = session.scalar(select(Trajectory).where(Trajectory.team_id == team.id, Trajectory.status == "waiting",
                                                      Trajectory.child_id.is_not(None))
                             .order_by((Trajectory.school_id == school.id).desc(), Trajectory.id))
    if waiting is not None:
        child = waiting.child  # the trajectory's own child (demo data: no search needed)
        waiting.channel, waiting.referrer_kind, waiting.referrer_org_id = "portaal", "school", school.id
        referral(child.given_name, child.family_name, waiting.question or "", "externaliserend", "uitsluiting",
                 max(0, (today - waiting.referred_on).days), status="accepted", trajectory_id=waiting.id,
                 decided_at=datetime.combine(waiting.referred_on, time(16, 0)),
                 decided_by_id=manager.id if manager else None)

    # a running trajectory of a De Linde pupil the family shares with the school
    shared = session.scalar(select(Trajectory).where(Trajectory.team_id == team.id, Trajectory.status == "ongoing",
                                                     Trajectory.school_id == school.id).order_by(Trajectory.id))
    if shared is None:
        return
    parent = session.scalar(select(FamilyMember.person_id).where(FamilyMember.family_id == shared.family_id,
                                                                 FamilyMember.role != "kind"))
    session.add(Consent(family_id=shared.family_id, organisation_id=school.id, info_kinds="trajectverloop",
                        purpose="Het verloop van het PeTra-traject volgen met de school",
                        given_by_person_id=parent, given_on=shared.start_on or today, recorded_by_id=manager.id
                        if manager else None))
    if not session.scalar(select(PlanGoal.id).where(PlanGoal.trajectory_id == shared.id, PlanGoal.party == "school")):
        session.add(PlanGoal(trajectory_id=shared.id, party="school",
                             goal="De leerkracht benoemt elke dag iets wat goed gaat", interim="deels"))
    # the interim roundtable planned ahead: an appointment in the core's agenda (as ``demo.demo_planned_roundtables``)
    # with who of the school already confirmed to attend
    start = datetime.combine(today + timedelta(days=7), time(15, 30))
    planned = Appointment(kind="rondetafel", title="Tussentijdse evaluatie", starts_at=start,
                          ends_at=start + timedelta(hours=2), place="Basisschool De Linde, vergaderlokaal",
                          external_participants="Directie, Klasleerkracht, Zorgcoördinator / leerlingbegeleider, Ouder(s)",
                          family_id=shared.family_id, plugin="petra", object_type="petra_trajectory",
                          object_id=shared.id, reference=shared.ref, subkind="tussentijds",
                          created_by_id=shared.lead_worker_id)
    planned.participants = [AppointmentParticipant(user_id=shared.lead_worker_id)] if shared.lead_worker_id else []
    session.add(planned)
    session.flush()
    planned.object_url = f"/petra/traject/{shared.id}/rondetafel?afspraak={planned.id}"
    session.add(RoundtableAttendee(appointment_id=planned.id, organisation_id=school.id, name="Pascale Zorgcoördinator",
                                   role="zorgcoordinator", confirmed_by_id=partner.id if partner else None))
    session.flush()
