"""Fictional group demo data, derived from the core's demo story (``core.demo_story``): the house's PeTra groups
(per band and season: an info moment, six school-week Wednesdays, a group day or weekend, a showcase), its
parent groups and its summer school, with the enrolments, the waiting list and the attendance the story decided
(the same attendance the PeTra trajectories count as group sessions). Deterministic; bulk inserts.

More parts: add ``demo_<thing>(session, story)`` and one line in ``STEPS``.
"""

from __future__ import annotations

import random
from datetime import datetime, time, timedelta

from sqlalchemy import func, select

from core.demo_data import enable_for_teams
from core.demo_story import PARENTING, RECEPTION, TRAJECTORIES, bulk_insert, fix_sequences, story_for

from .models import Attendance, Enrolment, GroupSession, Programme, programme_leader, programme_partner

REFLECTIONS = ["Goede sfeer; volgende keer meer beweging.", "Groepsafspraken herhaald; twee kinderen hadden het "
               "moeilijk met wachten.", "Sterke samenwerking in duo's; thema sluit goed aan.",
               "Rustige groep; het buitenspel werkte goed."]


class Rows:
    def __init__(self, session):
        self.prog_id = (session.scalar(select(func.max(Programme.id))) or 0) + 1
        self.sess_id = (session.scalar(select(func.max(GroupSession.id))) or 0) + 1
        self.enr_id = (session.scalar(select(func.max(Enrolment.id))) or 0) + 1
        self.programmes, self.leaders, self.partners, self.sessions = [], [], [], []
        self.enrolments, self.attendance = [], []


def load_demo(session, scale: int = 1) -> dict:
    story = story_for(session)
    if story is None:
        return {}
    rng = random.Random(5005)
    enable_for_teams(session, story.team_names(TRAJECTORIES) + story.team_names(PARENTING)
                     + story.team_names(RECEPTION))
    rows = Rows(session)
    now = story.timeline.now
    counts = {"programmes": 0, "sessions": 0, "enrolments": 0, "attendance": 0}
    for plan in story.groups:
        _programme(rng, now, plan, rows)
        if len(rows.attendance) > 50_000:  # write as we go: memory stays flat at large scales
            _write(session, rows, counts)
    _write(session, rows, counts)
    fix_sequences(session, ["groups_programme", "groups_session", "groups_enrolment"])
    for step in STEPS:
        step(session, story)
    session.flush()  # the core commits the whole demo once (core.demo.load_demo)
    return counts


def _programme(rng, now: datetime, plan, rows: Rows) -> None:
    pid = rows.prog_id
    rows.prog_id += 1
    created = datetime.combine(plan.first_day, time(9)) - timedelta(days=42)
    if plan.participants:
        created = min(created, min(p.since for p in plan.participants))
    rows.programmes.append(dict(
        id=pid, team_id=plan.unit.house.teams[plan.team_key], name=plan.name, kind=plan.kind, age_group=plan.age_group,
        age_min=plan.age_min, age_max=plan.age_max, capacity=plan.capacity, location=plan.location,
        start_date=plan.first_day, end_date=plan.last_day, themes=plan.themes, description=None, archived=False,
        created_at=created, version=1))
    rows.leaders.extend(dict(programme_id=pid, user_id=u) for u in plan.leaders)
    if plan.partner_id:
        rows.partners.append(dict(programme_id=pid, organisation_id=plan.partner_id))
    first_sid = rows.sess_id
    block = 3 if len(plan.sessions) > 4 else None  # the partner delivers one block of the programme
    for n, s in enumerate(plan.sessions):
        rows.sessions.append(dict(
            id=rows.sess_id, programme_id=pid, kind=s.kind, starts_at=s.starts_at, ends_at=s.ends_at,
            location=s.location, partner_id=plan.partner_id if n == block else None, theme=s.theme, plan=None,
            cancelled=False, version=1,
            reflection=rng.choice(REFLECTIONS) if s.kind == "session" and s.ends_at < now and rng.random() < 0.5
            else None))
        rows.sess_id += 1
    for p in plan.participants:
        eid = rows.enr_id
        rows.enr_id += 1
        waiting = p.status == "waiting"
        rows.enrolments.append(dict(
            id=eid, programme_id=pid, person_id=p.person_id, family_id=p.family_id, status=p.status,
            priority=p.priority, waiting_since=p.since if waiting else None, enrolled_at=None if waiting else p.since,
            photo_consent=p.photo_consent, film_consent=p.film_consent, note=None, created_at=p.since,
            updated_at=p.since, created_by_id=plan.leaders[0] if plan.leaders else None, version=1))
        for n, (s, mark) in enumerate(zip(plan.sessions, p.attendance, strict=True)):
            if mark:
                rows.attendance.append(dict(session_id=first_sid + n, enrolment_id=eid, status=mark,
                                            recorded_at=min(now, s.ends_at),
                                            recorded_by_id=plan.leaders[0] if plan.leaders else None))


def _write(session, rows: Rows, counts: dict) -> None:
    for model, name in ((Programme, "programmes"), (programme_leader, "leaders"), (programme_partner, "partners"),
                        (GroupSession, "sessions"), (Enrolment, "enrolments"), (Attendance, "attendance")):
        data = getattr(rows, name)
        counts[name] = counts.get(name, 0) + len(data)
        bulk_insert(session, model, data)
        data.clear()


# Further demo parts of this plugin, each step(session, story), run after the programmes (one line each).
STEPS: list = []
