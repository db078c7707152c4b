"""Fictional PeTra demo data: about 65 trajectories a year over two years (times ``scale``) in every phase,
with clarifying talks, contacts, roundtables, partnership plans, SDQs and fees. Deterministic; bulk inserts."""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import func, insert, select, text

from core.demo_data import enable_for_teams
from core.models import Family, FamilyMember, Involvement, Membership, Organisation, Person, Team
from core.vocabulary import age_group_of

from .demo_portal import demo_portal
from .demo_team import demo_team
from .logic import add_months
from .models import Contact, Fee, PlanAction, PlanGoal, Roundtable, SdqResult, Trajectory

GOALS = {
    "kind": ["Ik kan rustig blijven als ik kwaad word", "Ik vraag hulp aan de juf als het moeilijk wordt",
             "Ik speel samen op de speelplaats zonder ruzie", "Ik toon mijn talenten in de klas",
             "Ik herken wanneer ik buiten mijn raampje ga"],
    "ouders": ["We geven elke dag een positief moment aan ons kind", "We maken duidelijke afspraken over schermtijd",
               "We blijven kalm en aanwezig bij een escalatie", "We praten met de school over wat goed gaat"],
    "school": ["De leerkracht geeft een rustplek in de klas", "De school meldt elke week iets positiefs aan de ouders",
               "Het zorgteam stemt de aanpak af met de ouders", "De leerkracht benoemt de talenten van het kind"],
}
ACTIONS = ["Wekelijks kort overleg", "Rustkaart gebruiken", "Talentenfluisteraar-oefening", "Dagboekje positieve momenten",
           "Window of Tolerance bespreken", "Aankondiging (Nieuwe Autoriteit)", "Beloningssysteem samen opstellen"]
AGREEMENTS = ["Afspraken over communicatie tussen school en ouders; volgende rondetafel over 3 maanden.",
              "Kind volgt het groepstraject; ouders komen naar het infomoment.",
              "Zorgcoördinator is aanspreekpunt op school; begeleider komt tweewekelijks langs."]
NOTES = [None, None, "Goed gesprek", "Oefening rond emoties", "Huisbezoek verliep rustig", "Telefonische opvolging",
         "Talenteninterview", "Afspraken overlopen"]


def load_demo(session, scale: int = 1) -> None:
    rng = random.Random(4242)
    today = date.today()
    enable_for_teams(session, ["PeTra"])
    team = session.scalar(select(Team).where(Team.name == "PeTra"))
    if team is None:
        return
    workers = list(session.scalars(select(Membership.user_id).where(Membership.team_id == team.id)
                                   .order_by(Membership.user_id)))
    orgs = {name: oid for oid, name in session.execute(select(Organisation.id, Organisation.name))}
    clb = [oid for name, oid in orgs.items() if "CLB" in name] or [None]
    others = [orgs.get(n) for n in ("CGG Limburg", "CKG De Vlinder", "CAW Limburg - JAC Genk", "OCMW Genk") if orgs.get(n)]
    ovw = orgs.get("Opvoedingswinkel Genk")
    meldpunt = orgs.get("Stad Genk - stedelijk meldpunt")
    region = ("Genk", "As", "Oudsbergen", "Zutendaal")
    n_total = 130 * max(1, scale)
    youngest, oldest = today - timedelta(days=int(9 * 365.25)), today - timedelta(days=int(16.5 * 365.25))
    children = list(session.execute(
        select(Person.id, FamilyMember.family_id, Person.birth_date, Person.school_id, Person.school_level,
               Person.school_year, Family.has_vt)
        .join(FamilyMember, FamilyMember.person_id == Person.id).join(Family, Family.id == FamilyMember.family_id)
        .where(FamilyMember.role == "kind", Family.municipality.in_(region), Person.birth_date <= youngest,
               Person.birth_date >= oldest, Person.expected.is_(False))
        .order_by(Person.id).limit(n_total)))
    if not children or not workers:
        return
    rng.shuffle(children)
    dates = sorted(today - timedelta(days=rng.randint(0, 730)) for _ in children)

    t_id = (session.scalar(select(func.max(Trajectory.id))) or 0) + 1
    rt_id = (session.scalar(select(func.max(Roundtable.id))) or 0) + 1
    g_id = (session.scalar(select(func.max(PlanGoal.id))) or 0) + 1
    seq: dict[int, int] = {}
    existing_refs = set(session.scalars(select(Trajectory.ref)))
    trajectories, contacts, roundtables, goals, actions, sdqs, fees = [], [], [], [], [], [], []
    involved = set(session.scalars(select(Involvement.family_id).where(Involvement.team_id == team.id,
                                                                       Involvement.ended_at.is_(None))))
    involvements = []

    def contact(tid, day, kind, parties, place=None, minutes=None, rt=None, note=None, worker=None):
        contacts.append(dict(trajectory_id=tid, on_date=day, kind=kind, parties=parties,
                             place=place or rng.choice(["huisbezoek", "huis_van_het_kind", "school", "telefoon_online"]),
                             minutes=minutes or rng.choice([30, 45, 60, 60, 90]), note=note or rng.choice(NOTES),
                             roundtable_id=rt, worker_id=worker or current_lead[0]))

    current_lead = [None]
    for (child_id, family_id, born, school_id, level, year, has_vt), referred in zip(children, dates, strict=False):
        seq[referred.year] = seq.get(referred.year, 0) + 1
        ref = f"PT-{referred.year}-{seq[referred.year]:04d}"
        while ref in existing_refs:
            seq[referred.year] += 1
            ref = f"PT-{referred.year}-{seq[referred.year]:04d}"
        age_days = (today - referred).days
        kind = rng.choices(["school", "clb", "opvoedingswinkel", "hulpverlening", "ouders"], [40, 35, 12, 8, 5])[0]
        ref_org = {"school": school_id, "clb": rng.choice(clb), "opvoedingswinkel": ovw,
                   "hulpverlening": rng.choice(others) if others else None, "ouders": None}[kind]
        lead = rng.choice(workers)
        current_lead[0] = lead
        second = rng.choice([w for w in workers if w != lead]) if len(workers) > 1 and rng.random() < 0.2 else None
        row = dict(
            id=t_id, ref=ref, team_id=team.id, family_id=family_id, child_id=child_id, status="waiting", phase=1,
            referred_on=referred, referrer_kind=kind, referrer_org_id=ref_org,
            referrer_contact=rng.choice(["zorgcoördinator", "CLB-medewerker", "directie", "mama", None]),
            channel="meldpunt" if level == "secundair" else ("rechtstreeks" if kind in ("school", "clb") else "andere"),
            school_id=school_id, school_level=level, school_year=year,
            question="Fictieve hulpvraag: moeilijkheden in de klas en thuis, vaak ruzie, weinig zelfvertrouwen.",
            indications="bezorgdheden,crosssituationeel,hulpvraag,engagement,onderwijs,regio"
                        + (",leerjaar" if level == "secundair" or (year or 0) >= 4 else ""),
            contra_indications="", age_group=age_group_of(level),
            decision=None, decision_on=None, decision_org_id=None, decision_reason=None,
            lead_worker_id=None, second_worker_id=None, phase2_on=None, start_on=None, phase3_on=None,
            phase4_on=None, max_months=6, closed_on=None, closure_reason=None, final_evaluation=None,
            closure_org_id=None, closure_accompanied=False, anonymised=False, version=1)
        if ref_org == meldpunt:
            row["channel"] = "meldpunt"
        if family_id not in involved:
            involved.add(family_id)
            involvements.append(dict(family_id=family_id, team_id=team.id, reason="Aanmelding PeTra", source="petra"))
        r = rng.random()
        if age_days < 20 or (age_days < 45 and r < 0.3):
            trajectories.append(row)
            t_id += 1
            continue
        decided = referred + timedelta(days=rng.randint(7, 20))
        row.update(decision_on=decided)
        if r < 0.07:
            row.update(decision="geen_start", status="not_started",
                       decision_reason="Ouders zien op dit moment geen engagement; andere mogelijkheden besproken.")
            trajectories.append(row)
            t_id += 1
            continue
        if r < 0.12:
            row.update(decision="elders", status="referred", decision_org_id=rng.choice(others) if others else None,
                       decision_reason="Leerproblematiek op de voorgrond; doorverwezen in overleg met het CLB.")
            trajectories.append(row)
            t_id += 1
            continue
        row.update(decision="start", status="clarifying", phase=2, phase2_on=decided, lead_worker_id=lead,
                   second_worker_id=second)
        start = decided + timedelta(days=rng.randint(10, 35))
        tid = t_id
        for _ in range(rng.randint(0, 3)):  # clarifying talks before the start
            day = decided + timedelta(days=rng.randint(0, max(0, (min(start, today) - decided).days)))
            party = rng.choice(["ouders", "school", "kind"])
            contact(tid, day, {"ouders": "gesprek_ouders", "school": "contact_school", "kind": "sessie_kind"}[party], party)
        if start > today:
            trajectories.append(row)
            t_id += 1
            continue
        duration = rng.randint(110, 215)  # some run past the six months
        end_planned = start + timedelta(days=duration)
        closed = end_planned if end_planned < today else None
        until = min(today, closed or today)
        span = max(1, (until - start).days)
        progress = min(1.0, span / duration)
        row.update(start_on=start, status="closed" if closed else "ongoing", phase=2)
        if span > 45:
            row.update(phase=3, phase3_on=start + timedelta(days=rng.randint(30, 45)))
        if closed or (end_planned - today).days < 30:
            row.update(phase=4, phase4_on=end_planned - timedelta(days=rng.randint(10, 25)))
            if row["phase4_on"] > today:
                row["phase4_on"] = today
        if closed:
            reason = rng.choices(["zelfstandig", "doorverwijzing", "vroegtijdig_gezin", "vroegtijdig_school", "andere"],
                                 [65, 15, 10, 5, 5])[0]
            row.update(closed_on=closed, closure_reason=reason,
                       final_evaluation="Fictieve eindevaluatie: positieve dynamiek tussen kind, ouders en school hersteld.",
                       closure_org_id=(rng.choice(others) if others else None) if reason == "doorverwijzing" else None,
                       closure_accompanied=reason == "doorverwijzing")
        trajectories.append(row)
        t_id += 1

        def days_in(start=start, span=span):
            return start + timedelta(days=rng.randint(1, span))

        rt_plan = [("start", start)]
        if span > duration / 2:
            rt_plan.append(("tussentijds", start + timedelta(days=duration // 2)))
        if closed:
            rt_plan.append(("eind", closed))
        for rkind, day in rt_plan:
            minutes = rng.choice([60, 90, 90, 120])
            roundtables.append(dict(id=rt_id, trajectory_id=tid, kind=rkind, held_on=day, minutes=minutes,
                                    participants=rng.choice(["directie,klasleerkracht,clb,ouders",
                                                             "klasleerkracht,clb,ouders,kind",
                                                             "directie,klasleerkracht,zorgcoordinator,clb,ouders"]),
                                    other_participants=None, agreements=rng.choice(AGREEMENTS), version=1))
            contact(tid, day, "rondetafel", "ouders,school", "school", minutes, rt_id,
                    {"start": "Startrondetafel", "tussentijds": "Tussentijdse evaluatie", "eind": "Eindevaluatie"}[rkind])
            rt_id += 1
        for kind_, norm, parties in (("sessie_kind", 10, "kind"), ("gesprek_ouders", 10, "ouders"),
                                     ("contact_school", 2, "school")):
            for _ in range(round(norm * progress * rng.uniform(0.6, 1.2))):
                contact(tid, days_in(), kind_, parties)
        if progress > 0.3:
            for _ in range(rng.randint(3, 6)):
                contact(tid, days_in(), "groepssessie", "kind", "huis_van_het_kind", 180)
        if progress > 0.6 and rng.random() < 0.8:
            contact(tid, days_in(), "ouder_kind", "kind,ouders", "huis_van_het_kind", 120)
        if rng.random() < 0.5:
            contact(tid, days_in(), "telefoon_online", "ouders", "telefoon_online", 15)

        if span > 20:
            for party in ("kind", "ouders", "school"):
                interim = rng.choice(["deels", "bereikt", "niet"]) if len(rt_plan) > 1 else ""
                final = rng.choices(["bereikt", "deels", "niet"], [60, 30, 10])[0] if closed else ""
                goals.append(dict(id=g_id, trajectory_id=tid, party=party, goal=rng.choice(GOALS[party]), position=0,
                                  interim=interim, interim_note=None, final=final, final_note=None, version=1))
                for a in rng.sample(ACTIONS, rng.randint(1, 2)):
                    actions.append(dict(goal_id=g_id, description=a,
                                        who={"kind": "kind en begeleider", "ouders": "ouders",
                                             "school": "klasleerkracht"}[party]))
                g_id += 1
        age = today.year - born.year if born else 12
        informants = ["ouder", "leerkracht"] + (["kind"] if age >= 11 else [])
        if span > 28:
            for inf in informants:
                base = [rng.randint(2, 8), rng.randint(2, 7), rng.randint(3, 9), rng.randint(1, 6)]
                pro = rng.randint(3, 8)
                sdqs.append(dict(trajectory_id=tid, informant=inf, moment="voor", taken_on=start + timedelta(days=rng.randint(7, 28)),
                                 emotional=base[0], conduct=base[1], hyperactivity=base[2], peer=base[3], prosocial=pro,
                                 total=sum(base), version=1))
                if closed:
                    after = [max(0, v - rng.randint(0, 3)) for v in base]
                    sdqs.append(dict(trajectory_id=tid, informant=inf, moment="na", taken_on=closed - timedelta(days=rng.randint(0, 10)),
                                     emotional=after[0], conduct=after[1], hyperactivity=after[2], peer=after[3],
                                     prosocial=min(10, pro + rng.randint(0, 2)), total=sum(after), version=1))
        roll = rng.random()
        paid_on = min(today, start + timedelta(days=rng.randint(0, 40)))
        fees.append(dict(trajectory_id=tid, amount=Decimal(25 if has_vt else 50), vt=bool(has_vt), due_on=start,
                         waived=0.75 <= roll < 0.85, waive_reason="Financiële situatie: bijdrage mag geen drempel zijn"
                         if 0.75 <= roll < 0.85 else None,
                         paid_on=paid_on if roll < 0.75 else None, paid_amount=Decimal(25 if has_vt else 50) if roll < 0.75 else None,
                         method=rng.choice(["overschrijving", "cash", "bancontact"]) if roll < 0.75 else None, version=1))

    def bulk(model, rows):
        for i in range(0, len(rows), 5000):
            session.execute(insert(model), rows[i:i + 5000])

    bulk(Trajectory, trajectories)
    bulk(Roundtable, roundtables)
    bulk(Contact, contacts)
    bulk(PlanGoal, goals)
    bulk(PlanAction, actions)
    bulk(SdqResult, sdqs)
    bulk(Fee, fees)
    bulk(Involvement, involvements)
    if session.get_bind().dialect.name == "postgresql":
        for table in ("petra_trajectory", "petra_roundtable", "petra_plan_goal"):
            session.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                                 f"COALESCE((SELECT MAX(id) FROM {table}), 1))"))
    demo_portal(session, rng, team)
    session.flush()  # the core commits the whole demo once (core.demo.load_demo)
    demo_team(session, team.id)
    demo_planned_roundtables(session, random.Random(7373), today)


def demo_planned_roundtables(session, rng, today: date) -> None:
    """Roundtables planned ahead (appointments in the core's agenda) for some running trajectories: the interim
    or final evaluation in the coming two weeks, with the trajectory's lead worker."""
    from datetime import datetime, time

    from core.work import Appointment, AppointmentParticipant

    rows = session.execute(select(Trajectory.id, Trajectory.ref, Trajectory.family_id, Trajectory.lead_worker_id)
                           .where(Trajectory.status == "ongoing", Trajectory.lead_worker_id.is_not(None))
                           .order_by(Trajectory.id).limit(12)).all()
    for tid, ref, fid, lead in rows:
        day = today + timedelta(days=rng.randint(1, 14))
        start = datetime.combine(day, time(rng.choice([9, 10, 13, 15])))
        kind = rng.choice(["tussentijds", "eind"])
        a = Appointment(kind="rondetafel", title=dict(tussentijds="Tussentijdse evaluatie", eind="Eindevaluatie")[kind],
                        starts_at=start, ends_at=start + timedelta(minutes=120), place="School van het kind",
                        external_participants="Directie, Klasleerkracht, CLB-medewerker, Ouder(s)", family_id=fid,
                        plugin="petra", object_type="petra_trajectory", object_id=tid, reference=ref, subkind=kind,
                        created_by_id=lead)
        a.participants = [AppointmentParticipant(user_id=lead)]
        session.add(a)
        session.flush()
        a.object_url = f"/petra/traject/{tid}/rondetafel?afspraak={a.id}"
    session.flush()


__all__ = ["load_demo", "add_months"]
