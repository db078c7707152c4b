"""Fictional demo data: per scale unit two PeTra groups per school-year band (primary, secondary; one finished,
one running), a summer school and a parent group, with enrolments, a waiting list and attendance history.

Deterministic (seeded) and written with bulk inserts so scale=333 stays fast.
"""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta

from sqlalchemy import func, insert, select, text

from core.demo_data import enable_for_teams
from core.models import FamilyMember, Involvement, Membership, Organisation, Person, Team

from .models import Attendance, Enrolment, GroupSession, Programme, programme_leader, programme_partner

ROOMS = ["Campus O3 - polyvalente zaal", "Campus O3 - atelier", "Campus O3 - tuinlokaal", "Campus O3 - vergaderzaal 2",
         "Jeugdlokaal Kolderbos", "Sporthal Zwartberg"]
THEMES = ["Kennismaken en groepsafspraken", "Vriendschap en relaties", "Groepsdruk", "Omgaan met gezag",
          "Boos zijn: wat doe je ermee?", "Samenwerken in het bos", "Grenzen aangeven", "Trots op jezelf"]
PARENT_THEMES = ["Grenzen stellen", "Schermtijd", "Ruzie tussen broers en zussen", "Praten met je puber",
                 "Zorgen voor jezelf als ouder", "Slotmoment"]


def _next_id(session, model) -> int:
    return (session.scalar(select(func.max(model.id))) or 0) + 1


def load_demo(session, scale: int = 1) -> dict:
    rng = random.Random(5005)
    enable_for_teams(session, ["PeTra", "Opvoedingswinkel"])
    teams = {t.name: t for t in session.scalars(select(Team).where(Team.name.in_(["PeTra", "Opvoedingswinkel"])))}
    if "PeTra" not in teams:
        return {}
    petra = teams["PeTra"]
    ovw = teams.get("Opvoedingswinkel", petra)
    staff = {t.id: list(session.scalars(select(Membership.user_id).where(Membership.team_id == t.id)
                                        .order_by(Membership.user_id))) for t in (petra, ovw)}

    rows = session.execute(
        select(Person.id, FamilyMember.family_id, FamilyMember.role, Person.school_level, Person.school_year)
        .join(FamilyMember, FamilyMember.person_id == Person.id)
        .where(Person.expected.is_(False)).order_by(Person.id))
    pools: dict[str, list[tuple[int, int]]] = {"lager": [], "secundair": [], "zomer": [], "ouder": []}
    seen: set[int] = set()
    for pid, fid, role, level, year in rows:
        if pid in seen:
            continue
        seen.add(pid)
        if role == "kind" and level == "lager" and (year or 0) >= 4:
            pools["lager"].append((pid, fid))
        elif role == "kind" and level == "secundair" and (year or 0) <= 4:
            pools["secundair"].append((pid, fid))
        elif role == "kind" and level == "lager":
            pools["zomer"].append((pid, fid))
        elif role == "ouder":
            pools["ouder"].append((pid, fid))
    for pool in pools.values():
        rng.shuffle(pool)
    cursor = {k: 0 for k in pools}

    def take(pool: str, n: int) -> list[tuple[int, int]]:
        items = pools[pool]
        if not items:
            return []
        out = [items[(cursor[pool] + i) % len(items)] for i in range(min(n, len(items)))]
        cursor[pool] += len(out)
        return out

    today = date.today()
    now = datetime.now().replace(microsecond=0)
    this_wednesday = today - timedelta(days=(today.weekday() - 2) % 7)
    orgs = dict(session.execute(select(Organisation.name, Organisation.id)).all())
    block_partner = {"lager": orgs.get("CAW Limburg - JAC Genk"), "secundair": orgs.get("CAW Limburg - JAC Genk"),
                     "zomer": orgs.get("Stad Genk - stedelijk meldpunt"), "ouder": orgs.get("Opvoedingswinkel Genk")}
    partners = []
    prog_id, sess_id, enr_id = _next_id(session, Programme), _next_id(session, GroupSession), _next_id(session, Enrolment)
    programmes, leaders, sessions, enrolments, attendance = [], [], [], [], []
    involved = {tuple(r) for r in session.execute(select(Involvement.family_id, Involvement.team_id)
                                   .where(Involvement.ended_at.is_(None))).all()}
    new_involvements = []

    def add_programme(team: Team, name: str, kind: str, age_group: str, capacity: int, location: str,
                      start: date, end: date, themes: str, slots: list[tuple[str, datetime, datetime, str | None]],
                      pool: str, n_children: int, n_waiting: int, age_min=None, age_max=None, leader_offset=0):
        nonlocal prog_id, sess_id, enr_id
        pid = prog_id
        prog_id += 1
        programmes.append(dict(id=pid, team_id=team.id, name=name, kind=kind, age_group=age_group, age_min=age_min,
                               age_max=age_max, capacity=capacity, location=location, start_date=start, end_date=end,
                               themes=themes, description=None, archived=False, created_at=now, version=1))
        team_staff = staff.get(team.id) or []
        for i in range(min(2, len(team_staff))):  # two leaders; bands alternate so they are not booked twice
            leaders.append(dict(programme_id=pid, user_id=team_staff[(leader_offset + i) % len(team_staff)]))
        my_sessions = []
        partner = block_partner.get(pool)
        if partner:
            partners.append(dict(programme_id=pid, organisation_id=partner))
        for n_slot, (skind, s, e, theme) in enumerate(slots):
            sessions.append(dict(id=sess_id, programme_id=pid, kind=skind, starts_at=s, ends_at=e, location=None,
                                 partner_id=partner if n_slot == 3 else None,
                                 theme=theme, plan=None, cancelled=False, version=1,
                                 reflection="Goede sfeer; volgende keer meer beweging." if e < now and rng.random() < 0.5 else None))
            my_sessions.append((sess_id, s, skind))
            sess_id += 1
        kids = take(pool, n_children + n_waiting)
        for i, (person_id, family_id) in enumerate(kids):
            waiting = i >= n_children
            since = datetime.combine(start, time(9)) - timedelta(days=rng.randint(5, 60))
            enrolments.append(dict(id=enr_id, programme_id=pid, person_id=person_id, family_id=family_id,
                                   status="waiting" if waiting else "enrolled", priority=rng.choice([1, 2, 2, 3]),
                                   waiting_since=since if waiting else None, enrolled_at=None if waiting else since,
                                   photo_consent=rng.random() < 0.8, film_consent=rng.random() < 0.7, note=None,
                                   created_at=since, updated_at=since, created_by_id=None, version=1))
            if (family_id, team.id) not in involved:
                involved.add((family_id, team.id))
                new_involvements.append(dict(family_id=family_id, team_id=team.id, reason=f"Inschrijving groepsaanbod: {name}",
                                             source="groups", started_at=since))
            if not waiting:
                absent_streak = i == 1  # one child per group misses the last two sessions: the flag shows
                past = [(sid, s) for sid, s, k in my_sessions if s < now and k != "info"]
                for j, (sid, _s) in enumerate(past):
                    if absent_streak and j >= len(past) - 2:
                        status = "absent"
                    else:
                        r = rng.random()
                        status = "present" if r < 0.85 else ("absent" if r < 0.93 else "excused")
                    attendance.append(dict(session_id=sid, enrolment_id=enr_id, status=status, recorded_at=now,
                                           recorded_by_id=None))
            enr_id += 1

    def wednesdays(first: date, n: int) -> list[date]:
        return [first + timedelta(days=7 * i) for i in range(n)]

    for k in range(max(1, scale)):
        shift = timedelta(days=7 * (k % 3))
        for band_no, (band, label) in enumerate((("lager", "lager"), ("secundair", "secundair"))):
            room = ROOMS[(2 * k + band_no) % len(ROOMS)]  # both bands meet on Wednesday: not in the same room
            for running, offset in ((False, -16), (True, -3)):
                first = this_wednesday + timedelta(weeks=offset) - shift
                phase = "voorjaar" if first.month <= 6 else "najaar"
                days = wednesdays(first, 6)
                slots = [("info", datetime.combine(first - timedelta(days=9), time(18, 30)),
                          datetime.combine(first - timedelta(days=9), time(20, 0)), "Infomoment voor ouders")]
                for i, d in enumerate(days):
                    slots.append(("session", datetime.combine(d, time(13, 30)), datetime.combine(d, time(16, 30)),
                                  THEMES[i % len(THEMES)]))
                if band == "lager":
                    sat = days[-1] + timedelta(days=3)
                    slots.append(("multiday", datetime.combine(sat, time(10)), datetime.combine(sat, time(20)), "Groepsdag"))
                else:
                    fri = days[-1] + timedelta(days=2)
                    slots.append(("multiday", datetime.combine(fri, time(19)),
                                  datetime.combine(fri + timedelta(days=2), time(12)), "Groepsweekend"))
                show = days[-1] + timedelta(days=14)
                slots.append(("showcase", datetime.combine(show, time(18)), datetime.combine(show, time(20)),
                              "Toonmoment met film"))
                suffix = f" {k + 1}" if scale > 1 else ""
                add_programme(petra, f"PeTra-groep {label} {phase} {first.year}{suffix}", "cycle", band, 8, room,
                              slots[0][1].date(), show, "relaties, groepsdruk, gezag", slots, band, 8,
                              2 if running else 0, leader_offset=2 * band_no)
        # summer school: two weeks in July (last summer if it has not started yet this year)
        year = today.year if today >= date(today.year, 7, 1) else today.year - 1
        first = date(year, 7, 1) + timedelta(days=(7 - date(year, 7, 1).weekday()) % 7) + timedelta(weeks=k % 4)
        slots = [("session", datetime.combine(first + timedelta(days=w * 7 + d), time(9, 30)),
                  datetime.combine(first + timedelta(days=w * 7 + d), time(15, 30)), None)
                 for w in range(2) for d in range(5)]
        add_programme(ovw, f"Zomerschool {year}{f' {k + 1}' if scale > 1 else ''}", "summer_school", "leeftijd", 20,
                      ROOMS[(k + 1) % len(ROOMS)], first, slots[-1][1].date(), "taal, spel, buiten spelen", slots,
                      "zomer", 16, 0, age_min=6, age_max=12)
        # parent group: six Tuesday evenings, running now
        tue = today - timedelta(days=(today.weekday() - 1) % 7) - timedelta(weeks=3) + shift
        slots = [("session", datetime.combine(tue + timedelta(weeks=i), time(19)),
                  datetime.combine(tue + timedelta(weeks=i), time(21)), PARENT_THEMES[i]) for i in range(6)]
        add_programme(ovw, f"Oudergroep Opvoeden doe je niet alleen{f' {k + 1}' if scale > 1 else ''}", "parent_group",
                      "ouders", 12, ROOMS[(k + 3) % len(ROOMS)], tue, slots[-1][1].date(), "opvoeding, steun",
                      slots, "ouder", 10, 0)

    for model, data in ((Programme, programmes), (programme_leader, leaders), (programme_partner, partners),
                        (GroupSession, sessions),
                        (Enrolment, enrolments), (Attendance, attendance), (Involvement, new_involvements)):
        for chunk in range(0, len(data), 5000):
            if model is programme_leader or model is programme_partner:
                session.execute(model.insert(), data[chunk:chunk + 5000])
            else:
                session.execute(insert(model), data[chunk:chunk + 5000])
    if session.get_bind().dialect.name == "postgresql":
        for table in ("groups_programme", "groups_session", "groups_enrolment"):
            session.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                                 f"COALESCE((SELECT MAX(id) FROM {table}), 1))"))
    session.flush()  # the core commits the whole demo once (core.demo.load_demo)
    return {"programmes": len(programmes), "sessions": len(sessions), "enrolments": len(enrolments),
            "attendance": len(attendance)}
