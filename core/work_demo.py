"""Fictional demo rows for "Mijn werk": tasks and appointments of the demo staff (deterministic). Called once
from ``core.demo.load_demo`` after the plugins' demo data; plugins add their own planned work themselves (PeTra's
planned roundtables: ``plugins.petra.demo.demo_planned_roundtables``)."""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta

from sqlalchemy import func, select

from .demo_story import bulk_insert, fix_sequences
from .models import Involvement, Membership, User
from .work import Appointment, AppointmentParticipant, Task

TASKS = ["Verslag uittypen", "School terugbellen", "Verwijsbrief voorbereiden", "Materiaal klaarleggen",
         "Afspraak met CLB vastleggen", "Toestemming laten tekenen", "Teamoverleg voorbereiden"]
MAX_USERS = 40


def demo_work(session, scale: int = 1) -> None:
    rng = random.Random(16016)
    today = date.today()
    monday = today - timedelta(days=today.weekday())
    members = session.execute(select(Membership.user_id, Membership.team_id).join(User, User.id == Membership.user_id)
                              .where(User.is_admin.is_(False), User.organisation_id.is_(None))
                              .order_by(Membership.user_id, Membership.team_id)).all()
    team_of: dict[int, int] = {}
    for uid, tid in members:
        team_of.setdefault(uid, tid)
    colleagues: dict[int, list[int]] = {}
    for uid, tid in members:
        colleagues.setdefault(tid, []).append(uid)
    families: dict[int, list[int]] = {}
    for fid, tid in session.execute(select(Involvement.family_id, Involvement.team_id)
                                    .where(Involvement.ended_at.is_(None)).order_by(Involvement.id)):
        families.setdefault(tid, []).append(fid)
    tasks, appointments, participants = [], [], []
    next_id = (session.scalar(select(func.max(Appointment.id))) or 0) + 1
    for uid, tid in list(team_of.items())[:MAX_USERS * scale]:
        team_families = families.get(tid, [])
        for i in range(3):
            fid = rng.choice(team_families) if team_families and i == 2 else None
            assignee = uid if i != 1 else rng.choice(colleagues[tid])
            done = rng.random() < 0.2
            tasks.append(dict(team_id=tid, title=rng.choice(TASKS), assignee_id=assignee, created_by_id=uid,
                              due_on=today + timedelta(days=rng.randint(-3, 14)), family_id=fid,
                              done_at=datetime.combine(today, time(8)) if done else None,
                              done_by_id=uid if done else None))
        for kind, hour in (("oudergesprek", 10), ("huisbezoek", 14), ("andere", 9)):
            day = monday + timedelta(days=rng.randint(0, 11))
            fid = rng.choice(team_families) if team_families and kind != "andere" else None
            appointments.append(dict(
                id=next_id, kind=kind, title="Teamoverleg" if kind == "andere" else None,
                starts_at=datetime.combine(day, time(hour)), ends_at=datetime.combine(day, time(hour + 1)),
                place="Campus O3 - vergaderzaal" if kind == "andere" else None, family_id=fid, created_by_id=uid))
            participants.append(dict(appointment_id=next_id, user_id=uid))
            next_id += 1
    # rows as tuples of plain values past the ORM (thousands of staff at large scales)
    bulk_insert(session, Task, tasks)
    bulk_insert(session, Appointment, appointments)
    bulk_insert(session, AppointmentParticipant, participants)
    fix_sequences(session, ["appointment"])
