"""Fictional PeTra demo data, derived from the core's demo story (``core.demo_story``): every trajectory the
story decided (referred, not started, referred elsewhere, clarifying, ongoing, closed; some stopped early),
with clarifying talks, contacts whose notes fit their kind, the group sessions the child attended, roundtables,
partnership plans, SDQs (most better, some the same or worse) and fees. Deterministic; bulk inserts.

More parts: add ``demo_<thing>(session, story)`` and one line in ``STEPS``.
"""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import func, select

from core.demo_data import enable_for_teams
from core.demo_story import (
    CLARIFYING,
    CLOSED,
    EARLY_STOPS,
    NOT_STARTED,
    ONGOING,
    REFERRED_ELSEWHERE,
    TRAJECTORIES,
    bulk_insert,
    fix_sequences,
    story_for,
)
from core.models import Team
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
AGREEMENTS = {
    "start": ["Partnerschapsplan opgesteld: doelen voor kind, ouders en school; tussentijdse evaluatie over 3 maanden.",
              "Kind neemt deel aan het groepstraject; ouders komen naar het infomoment."],
    "tussentijds": ["Doelen overlopen: vooruitgang thuis, op school nog moeilijk na de middagpauze.",
                    "Zorgcoördinator blijft aanspreekpunt; begeleider komt tweewekelijks langs."],
    "eind": ["Eindevaluatie: ouders en school kunnen zelfstandig verder met de afspraken.",
             "Afronding besproken; school volgt op via het zorgteam."],
}
# the notes a contact of each kind may carry (the demo consistency test checks them)
NOTES = {
    "sessie_kind": [None, "Talenteninterview", "Oefening rond emoties met de gevoelsthermometer",
                    "Window of Tolerance: wanneer ga ik buiten mijn raampje?", "Rustkaart samen gemaakt",
                    "Gesprek over vriendschap op de speelplaats"],
    "gesprek_ouders": [None, "Opvoedingsvragen overlopen", "Afspraken rond schermtijd besproken",
                       "Aankondiging (Nieuwe Autoriteit) voorbereid", "Positieve momenten van de week besproken",
                       "Huisbezoek: thuissituatie en dagritme besproken"],
    "contact_school": [None, "Overleg met de zorgcoördinator", "Klasobservatie",
                       "Afstemming met de klasleerkracht"],
    "telefoon_online": [None, "Telefonische opvolging", "Kort belmoment met de ouders", "Afspraak verplaatst"],
    "rondetafel": ["Startrondetafel", "Tussentijdse evaluatie", "Eindevaluatie"],
    "groepssessie": None,  # "Groepssessie: <thema>", "Groepsdag", "Groepsweekend"
    "ouder_kind": ["Ouder-kindactiviteit: samen koken", "Toonmoment met film, samen met de ouders",
                   "Ouder-kindactiviteit: spelnamiddag"],
}
PLACES_FOR = {"sessie_kind": ["school", "huis_van_het_kind", "huisbezoek"],
              "gesprek_ouders": ["huisbezoek", "huis_van_het_kind", "huisbezoek"],
              "contact_school": ["school", "school", "telefoon_online"], "telefoon_online": ["telefoon_online"]}
QUESTIONS = {"lager": "Moeilijkheden in de klas en thuis: vaak boos, ruzie op de speelplaats, weinig zelfvertrouwen.",
             "secundair": "Spanningen thuis en op school: trekt zich terug, conflicten met leerkrachten, spijbelt soms."}
MINUTES = [30, 45, 60, 60, 90]
RT_NOTES = {"start": "Startrondetafel", "tussentijds": "Tussentijdse evaluatie", "eind": "Eindevaluatie"}


class Rows:
    def __init__(self, session):
        self.t_id = (session.scalar(select(func.max(Trajectory.id))) or 0) + 1
        self.rt_id = (session.scalar(select(func.max(Roundtable.id))) or 0) + 1
        self.g_id = (session.scalar(select(func.max(PlanGoal.id))) or 0) + 1
        self.trajectories, self.contacts, self.roundtables = [], [], []
        self.goals, self.actions, self.sdqs, self.fees = [], [], [], []


def load_demo(session, scale: int = 1) -> dict:
    story = story_for(session)
    if story is None:
        return {}
    rng = random.Random(4242)
    enable_for_teams(session, story.team_names(TRAJECTORIES))
    rows = Rows(session)
    counts = {"trajectories": 0, "contacts": 0}
    for t in story.trajectories:
        _trajectory(rng, story.timeline, t, rows)
        if len(rows.contacts) > 50_000:  # write as we go: memory stays flat at large scales
            _write(session, rows, counts)
    _write(session, rows, counts)
    fix_sequences(session, ["petra_trajectory", "petra_roundtable", "petra_plan_goal"])
    for step in STEPS:
        step(session, story)
    session.flush()  # the core commits the whole demo once (core.demo.load_demo)
    return counts


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


def _write(session, rows: Rows, counts: dict) -> None:
    counts["trajectories"] += len(rows.trajectories)
    counts["contacts"] += len(rows.contacts)
    for model, name in ((Trajectory, "trajectories"), (Roundtable, "roundtables"), (Contact, "contacts"),
                        (PlanGoal, "goals"), (PlanAction, "actions"), (SdqResult, "sdqs"), (Fee, "fees")):
        bulk_insert(session, model, getattr(rows, name))
        getattr(rows, name).clear()


# Further demo parts of this plugin, each step(session, story), run after the trajectories (one line each).
def _team_work(session, story) -> None:
    """Team meetings with decisions, supervision and concerns in every PeTra team (``demo_team``)."""
    for team_id in story.team_ids(TRAJECTORIES):
        demo_team(session, team_id)


def _planned_roundtables(session, story) -> None:
    demo_planned_roundtables(session, random.Random(7373), story.timeline.today)


def _portal(session, story) -> None:
    """Portal referrals and a trajectory shared with the demo partner's school (``demo_portal``)."""
    teams = story.team_ids(TRAJECTORIES)
    if teams and story.partner_org_id:
        demo_portal(session, random.Random(9191), session.get(Team, teams[0]), story.partner_org_id)


STEPS: list = [_team_work, _planned_roundtables, _portal]


def _trajectory(rng, tl, t, rows: Rows) -> None:
    today = tl.today
    status = {CLOSED: "closed", ONGOING: "ongoing", CLARIFYING: "clarifying", NOT_STARTED: "not_started",
              REFERRED_ELSEWHERE: "referred"}.get(t.outcome, "waiting")
    team = t.unit.house.teams[TRAJECTORIES]
    indications = "bezorgdheden,crosssituationeel,hulpvraag,engagement,onderwijs,regio,leerjaar"
    row = dict(
        id=rows.t_id, ref=t.ref, team_id=team, family_id=t.family_id, child_id=t.child_id, status=status,
        phase=t.phase, referred_on=t.referred_on, referrer_kind=t.referrer_kind, referrer_org_id=t.referrer_org_id,
        referrer_contact=t.referrer_contact, channel=t.channel, school_id=t.school_id, school_level=t.level,
        school_year=t.year, question=QUESTIONS[t.level], indications=indications,
        contra_indications="leer_taal" if t.outcome == REFERRED_ELSEWHERE else "", age_group=age_group_of(t.level),
        decision=None, decision_on=t.decision_on, decision_org_id=t.decision_org_id, decision_reason=None,
        lead_worker_id=t.lead, second_worker_id=t.second, phase2_on=None, start_on=t.start_on,
        phase3_on=t.phase3_on, phase4_on=t.phase4_on, max_months=6, closed_on=t.closed_on,
        closure_reason=t.closure_reason, final_evaluation=None, closure_org_id=t.closure_org_id,
        closure_accompanied=t.closure_reason == "doorverwijzing", anonymised=False, version=1,
        created_at=_at(t.referred_on, 9), created_by_id=None)
    tid = rows.t_id
    rows.t_id += 1
    rows.trajectories.append(row)
    if t.outcome == NOT_STARTED:
        row.update(decision="geen_start",
                   decision_reason="Ouders zien op dit moment geen engagement; andere mogelijkheden besproken "
                                   "met de aanmelder.")
        return
    if t.outcome == REFERRED_ELSEWHERE:
        row.update(decision="elders",
                   decision_reason="Leerproblematiek op de voorgrond; doorverwezen in overleg met het CLB.")
        return
    if t.decision_on is None:
        return
    row.update(decision="start", phase2_on=t.decision_on)
    lead = t.lead

    rnd = rng.random

    def contact(day, kind, parties, minutes=None, place=None, note=0, rt=None, worker=None):
        if note == 0:
            notes = NOTES[kind]
            note = notes[int(rnd() * len(notes))]
        if not place:
            places = PLACES_FOR[kind]
            place = "huisbezoek" if note and note.startswith("Huisbezoek") else places[int(rnd() * len(places))]
        rows.contacts.append(dict(
            trajectory_id=tid, on_date=day, kind=kind, parties=parties, place=place,
            minutes=minutes or MINUTES[int(rnd() * 5)], note=note, roundtable_id=rt,
            worker_id=worker or lead, created_at=_at(day, 17)))

    # clarifying: at most three talks per party before the start roundtable (weekdays only)
    until = min(t.start_on or today, today)
    for party, kind in (("ouders", "gesprek_ouders"), ("school", "contact_school"), ("kind", "sessie_kind")):
        for _ in range(rng.randint(0 if party == "kind" else 1, 2)):
            span = (until - t.decision_on).days
            day = tl.workday(t.decision_on + timedelta(days=rng.randint(0, max(0, span - 1))))
            if day < until or (day == until and not t.start_on):
                contact(day, kind, party)
    if not t.start_on:
        return
    start, end = t.start_on, t.closed_on or today
    span = max(1, (end - start).days)
    duration = max(1, ((t.planned_end or end) - start).days)
    progress = min(1.0, span / duration)

    plan = [("start", start)]
    mid = tl.school_day(start + timedelta(days=duration // 2))
    if mid < end and t.closure_reason not in EARLY_STOPS:
        plan.append(("tussentijds", mid))
    if t.closed_on and t.closure_reason not in EARLY_STOPS:
        plan.append(("eind", t.closed_on))
    for rkind, day in plan:
        minutes = rng.choice([60, 90, 90, 120])
        rows.roundtables.append(dict(
            id=rows.rt_id, trajectory_id=tid, kind=rkind, held_on=day, minutes=minutes,
            participants=rng.choice(["directie,klasleerkracht,clb,ouders", "klasleerkracht,clb,ouders,kind",
                                     "directie,klasleerkracht,zorgcoordinator,clb,ouders"]),
            other_participants=None, agreements=rng.choice(AGREEMENTS[rkind]), version=1, created_at=_at(day, 17)))
        contact(day, "rondetafel", "ouders,school", minutes, "school", RT_NOTES[rkind], rows.rt_id)
        rows.rt_id += 1

    def some_day(school=False):
        day = start + timedelta(days=1 + int(rnd() * span))
        day = tl.school_day(day) if school else tl.workday(day)
        return day if day < end else None

    for kind, norm, parties in (("sessie_kind", 10, "kind"), ("gesprek_ouders", 10, "ouders"),
                                ("contact_school", 3, "school")):
        for _ in range(round(norm * progress * rng.uniform(0.6, 1.1))):
            day = some_day(school=kind == "contact_school")
            if day:
                contact(day, kind, parties)
    if rng.random() < 0.5:
        day = some_day()
        if day:
            contact(day, "telefoon_online", "ouders", 15, "telefoon_online")
    # the group trajectory: one contact per session the child attended, led by the group's leaders
    if t.group is not None and t.group_status == "enrolled":
        mine = next(p for p in t.group.participants if p.person_id == t.child_id and p.trajectory is t)
        worker = t.group.leaders[0] if t.group.leaders else lead
        for s, mark in zip(t.group.sessions, mine.attendance, strict=True):
            if mark != "present":
                continue
            if s.kind == "showcase":
                contact(s.starts_at.date(), "ouder_kind", "kind,ouders", s.minutes, "huis_van_het_kind",
                        "Toonmoment met film, samen met de ouders", worker=worker)
            elif s.kind == "multiday":
                contact(s.starts_at.date(), "groepssessie", "kind", min(s.minutes, 2400), "elders", s.theme,
                        worker=worker)
            elif s.kind == "session":
                contact(s.starts_at.date(), "groepssessie", "kind", s.minutes, "huis_van_het_kind",
                        f"Groepssessie: {s.theme}", worker=worker)
    elif progress > 0.6 and rng.random() < 0.7:
        day = some_day()
        if day:
            contact(day, "ouder_kind", "kind,ouders", 120, "huis_van_het_kind",
                    rng.choice(["Ouder-kindactiviteit: samen koken", "Ouder-kindactiviteit: spelnamiddag"]))

    if span > 20:  # the partnership plan, evaluated at the interim and final roundtables
        for party in ("kind", "ouders", "school"):
            interim = rng.choice(["deels", "bereikt", "niet"]) if len(plan) > 1 else ""
            final = ""
            if t.closed_on:
                weights = {"beter": [70, 25, 5], "gelijk": [20, 50, 30], "slechter": [5, 35, 60]}[t.sdq_trend]
                final = rng.choices(["bereikt", "deels", "niet"], weights)[0]
            rows.goals.append(dict(id=rows.g_id, trajectory_id=tid, party=party, goal=rng.choice(GOALS[party]),
                                   position=0, interim=interim, interim_note=None, final=final, final_note=None,
                                   version=1))
            for a in rng.sample(ACTIONS, rng.randint(1, 2)):
                rows.actions.append(dict(goal_id=rows.g_id, description=a, who={
                    "kind": "kind en begeleider", "ouders": "ouders", "school": "klasleerkracht"}[party]))
            rows.g_id += 1
    if t.closed_on:
        row["final_evaluation"] = {
            "zelfstandig": "Kind, ouders en school kunnen zelfstandig verder met de afspraken uit het plan.",
            "doorverwijzing": "Begeleide doorverwijzing: verdere hulp nodig rond de hulpvraag van het gezin.",
            "vroegtijdig_gezin": "Het gezin stopte vroegtijdig; de school blijft aanspreekpunt.",
            "vroegtijdig_school": "De school stopte de samenwerking vroegtijdig; ouders kregen andere adressen.",
            "andere": "Afgesloten in overleg met alle partijen.",
        }[t.closure_reason]

    age = (start - t.born).days // 365
    informants = ["ouder", "leerkracht"] + (["kind"] if age >= 11 else [])
    if span > 28:
        for inf in informants:
            base = [rng.randint(3, 8), rng.randint(2, 7), rng.randint(3, 9), rng.randint(1, 6)]
            pro = rng.randint(3, 7)
            rows.sdqs.append(dict(trajectory_id=tid, informant=inf, moment="voor",
                                  taken_on=tl.workday(start + timedelta(days=rng.randint(5, 20))),
                                  emotional=base[0], conduct=base[1], hyperactivity=base[2], peer=base[3],
                                  prosocial=pro, total=sum(base), version=1))
            if t.closed_on:
                step = {"beter": (-3, 0), "gelijk": (-1, 1), "slechter": (0, 2)}[t.sdq_trend]
                after = [min(10, max(0, v + rng.randint(*step))) for v in base]
                if t.sdq_trend == "slechter" and sum(after) <= sum(base):
                    after[1] = min(10, after[1] + 1)
                    after[2] = min(10, after[2] + 1)
                rows.sdqs.append(dict(trajectory_id=tid, informant=inf, moment="na",
                                      taken_on=max(start, t.closed_on - timedelta(days=rng.randint(0, 10))),
                                      emotional=after[0], conduct=after[1], hyperactivity=after[2], peer=after[3],
                                      prosocial=min(10, max(0, pro - step[0] - rng.randint(0, 1))),
                                      total=sum(after), version=1))
    roll = rng.random()
    amount = Decimal(25 if t.has_vt else 50)
    waived = 0.75 <= roll < 0.85 and not t.archive
    paid = roll < 0.75 or t.archive
    paid_on = min(today, tl.workday(start + timedelta(days=rng.randint(0, 30))))
    rows.fees.append(dict(trajectory_id=tid, amount=amount, vt=bool(t.has_vt), due_on=start, waived=waived,
                          waive_reason="Financiële situatie: bijdrage mag geen drempel zijn" if waived else None,
                          paid_on=paid_on if paid else None, paid_amount=amount if paid else None,
                          method=rng.choice(["overschrijving", "cash", "bancontact"]) if paid else None, version=1))


def _at(day: date, hour: int) -> datetime:
    return datetime(day.year, day.month, day.day, hour)


__all__ = ["load_demo", "add_months", "NOTES"]
