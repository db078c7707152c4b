"""Reads and reports of the groups plugin, in SQL: lists, the programme and session pages, planning conflicts,
attendance figures, the calendar, the family panel, the hooks' data, exports and retention.

A page costs a constant number of queries whatever the data size. Nothing here writes; reads of family records
are audited by the views that show them (``core.audit.record_read``/``record_list_read``). ``team_ids=None``
means every team (the "alle" scope, or an admin).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import Date, Numeric, Select, String, and_, bindparam, case, cast, func, literal, or_, select
from sqlalchemy.orm import aliased, joinedload, selectinload

from core.extensions import db
from core.models import Organisation, Person, User
from core.pagination import Page, paginate

from .logic import Conflict, Slot, attendance_figures, now_local, waiting_order
from .models import (
    ERASED_LABEL,
    WORK_STATUS_LABELS,
    Attendance,
    Enrolment,
    GroupSession,
    Programme,
    programme_leader,
)

PAGE_SIZE = 25


def _in_teams(stmt, team_ids: Iterable[int] | None):
    return stmt if team_ids is None else stmt.where(Programme.team_id.in_(list(team_ids)))


# --------------------------------------------------------------------------- choices


def leader_choices() -> list[tuple[int, str]]:
    """Active staff (no partner users) by name, for a programme's leaders."""
    rows = db.session.execute(select(User.id, User.display_name).where(
        User.organisation_id.is_(None), User.active.is_(True)).order_by(User.display_name))
    return [(i, n) for i, n in rows]


def partner_choices() -> list[tuple[int, str]]:
    """Organisations that are not archived, for a programme's external partners."""
    rows = db.session.execute(select(Organisation.id, Organisation.name).where(
        Organisation.archived.is_(False)).order_by(Organisation.name))
    return [(i, n) for i, n in rows]


# --------------------------------------------------------------------------- programmes


def programme_list(team_ids: Iterable[int] | None, *, q: str = "", kind: str = "",
                   page_no: int = 1) -> tuple[Page, dict[tuple[int, str], int]]:
    """One page of programmes that are not archived (newest first), and the number of enrolments per
    ``(programme_id, status)`` on that page. Two queries (the team joined to its programme)."""
    stmt = _in_teams(select(Programme).options(joinedload(Programme.team, innerjoin=True)).where(Programme.archived.is_(False)),
                     team_ids)
    if kind:
        stmt = stmt.where(Programme.kind == kind)
    if q:
        stmt = stmt.where(func.lower(Programme.name).contains(q.lower()))
    stmt = stmt.order_by(Programme.start_date.desc().nulls_last(), Programme.name, Programme.id)
    page = paginate(stmt, page_no, PAGE_SIZE)
    ids = [p.id for p in page.items]
    counts = {}
    if ids:
        counts = {(pid, st): n for pid, st, n in db.session.execute(
            select(Enrolment.programme_id, Enrolment.status, func.count(Enrolment.id))
            .where(Enrolment.programme_id.in_(ids)).group_by(Enrolment.programme_id, Enrolment.status))}
    return page, counts


def programme_with_people(programme_id: int) -> Programme | None:
    """The programme with its team, leaders and partners loaded."""
    return db.session.scalar(select(Programme).options(
        selectinload(Programme.team), selectinload(Programme.leaders), selectinload(Programme.partners))
        .where(Programme.id == programme_id))


def programme_sessions(programme_id: int) -> list[GroupSession]:
    """Every session of the programme in time order (cancelled ones included), with its partner."""
    return list(db.session.scalars(select(GroupSession).options(selectinload(GroupSession.partner))
                                   .where(GroupSession.programme_id == programme_id)
                                   .order_by(GroupSession.starts_at, GroupSession.id)))


def participants(programme_id: int) -> tuple[list[Enrolment], list[Enrolment]]:
    """The enrolled children by name (detached ones last) and the waiting list in its order."""
    rows = list(db.session.scalars(
        select(Enrolment).options(selectinload(Enrolment.person), selectinload(Enrolment.family))
        .where(Enrolment.programme_id == programme_id, Enrolment.status.in_(("enrolled", "waiting")))
        .order_by(*waiting_order())))
    enrolled = sorted([e for e in rows if e.status == "enrolled"], key=lambda e: e.sort_key())
    return enrolled, [e for e in rows if e.status == "waiting"]


def enrolled_count(programme_id: int) -> int:
    return db.session.scalar(select(func.count(Enrolment.id)).where(
        Enrolment.programme_id == programme_id, Enrolment.status == "enrolled")) or 0


def is_full(programme: Programme) -> bool:
    return enrolled_count(programme.id) >= programme.capacity


def enrolment_of(programme_id: int, person_id: int) -> Enrolment | None:
    """The person's enrolment on the programme (any status), if any."""
    return db.session.scalar(select(Enrolment).where(Enrolment.programme_id == programme_id,
                                                     Enrolment.person_id == person_id))


def first_waiting(programme_id: int) -> Enrolment | None:
    """The first child on the waiting list (detached enrolments are never admitted)."""
    return db.session.scalar(select(Enrolment).where(Enrolment.programme_id == programme_id,
                                                     Enrolment.status == "waiting", Enrolment.person_id.is_not(None))
                             .order_by(*waiting_order()).limit(1))


def open_programmes(team_ids: Iterable[int] | None, today: date) -> list[Programme]:
    """Programmes not archived and not yet ended, to enrol someone in (at most 100)."""
    stmt = _in_teams(select(Programme).where(Programme.archived.is_(False)), team_ids)
    stmt = stmt.where(or_(Programme.end_date.is_(None), Programme.end_date >= today))
    return list(db.session.scalars(stmt.order_by(Programme.start_date, Programme.name).limit(100)))


def search_programmes(query: str, limit: int = 10) -> list[Programme]:
    return list(db.session.scalars(
        select(Programme).where(Programme.archived.is_(False), func.lower(Programme.name).contains(query.lower()))
        .order_by(Programme.start_date.desc(), Programme.name).limit(limit)))


# --------------------------------------------------------------------------- planning conflicts


def find_conflicts(slots: list[Slot], location: str | None, leader_ids: Iterable[int],
                   exclude_session_id: int | None = None, leader_names: dict[int, str] | None = None,
                   exclude_programme_id: int | None = None) -> list[Conflict]:
    """Sessions (not cancelled) that overlap one of ``slots`` and use the same room or one of the leaders.

    One query for all slots. Rooms compare case-insensitively; an empty room never conflicts.
    """
    leader_ids = set(leader_ids)
    if not slots:
        return []
    room = (location or "").strip().lower()
    overlap = or_(*[and_(GroupSession.starts_at < s.ends_at, GroupSession.ends_at > s.starts_at) for s in slots])
    who = []
    if room:
        who.append(func.lower(func.coalesce(GroupSession.location, Programme.location)) == room)
    if leader_ids:
        who.append(GroupSession.programme_id.in_(
            select(programme_leader.c.programme_id).where(programme_leader.c.user_id.in_(leader_ids))))
    if not who:
        return []
    stmt = (select(GroupSession).join(Programme, Programme.id == GroupSession.programme_id)
            .where(GroupSession.cancelled.is_(False), Programme.archived.is_(False), overlap, or_(*who))
            .order_by(GroupSession.starts_at).limit(50))
    if exclude_session_id:
        stmt = stmt.where(GroupSession.id != exclude_session_id)
    if exclude_programme_id:
        stmt = stmt.where(GroupSession.programme_id != exclude_programme_id)
    sessions = list(db.session.scalars(stmt))
    if not sessions:
        return []
    prog_ids = {s.programme_id for s in sessions}
    leaders_of: dict[int, set[int]] = {pid: set() for pid in prog_ids}
    for pid, uid in db.session.execute(select(programme_leader.c.programme_id, programme_leader.c.user_id)
                                       .where(programme_leader.c.programme_id.in_(prog_ids))):
        leaders_of[pid].add(uid)
    names = leader_names or {}
    result = []
    for s in sessions:
        reasons = []
        s_room = (s.location or s.programme.location or "").strip().lower()
        if room and s_room == room:
            reasons.append(f"lokaal {s.location or s.programme.location} is dan al bezet")
        for uid in sorted(leader_ids & leaders_of.get(s.programme_id, set())):
            reasons.append(f"{names.get(uid, 'een begeleider')} is dan al ingepland")
        if reasons:
            result.append(Conflict(s, reasons))
    return result


def programme_change_conflicts(programme: Programme, location: str | None, leader_ids: Iterable[int],
                               leader_names: dict[int, str] | None = None) -> list[Conflict]:
    """Conflicts a change of a programme's room or leaders would cause for its coming sessions."""
    upcoming = list(db.session.scalars(select(GroupSession).where(
        GroupSession.programme_id == programme.id, GroupSession.cancelled.is_(False),
        GroupSession.ends_at > now_local())))
    own_room = [Slot(s.starts_at, s.ends_at) for s in upcoming if not s.location]
    other = [Slot(s.starts_at, s.ends_at) for s in upcoming if s.location]
    found = find_conflicts(own_room, location, leader_ids, leader_names=leader_names,
                           exclude_programme_id=programme.id)
    found += find_conflicts(other, None, leader_ids, leader_names=leader_names, exclude_programme_id=programme.id)
    seen, result = set(), []
    for c in found:
        if c.session.id not in seen:
            seen.add(c.session.id)
            result.append(c)
    return result


# --------------------------------------------------------------------------- sessions and attendance


def session_mark_counts(session_id: int) -> dict[str, int]:
    """How many children were marked present, absent, excused at the session."""
    return dict(db.session.execute(select(Attendance.status, func.count(Attendance.id))
                                   .where(Attendance.session_id == session_id).group_by(Attendance.status)).all())


def without_image_consent(programme_id: int) -> list[Enrolment]:
    """Enrolled children without photo or film consent (for a showcase)."""
    return list(db.session.scalars(
        select(Enrolment).options(selectinload(Enrolment.person))
        .where(Enrolment.programme_id == programme_id, Enrolment.status == "enrolled",
               or_(Enrolment.photo_consent.is_(False), Enrolment.film_consent.is_(False)))))


def to_notify(programme_id: int) -> tuple[list[Enrolment], int]:
    """The enrolled children with their family (for who must be told), by family; and how many enrolments are
    detached (they have no family to tell: counted, not listed)."""
    rows = list(db.session.scalars(
        select(Enrolment).options(selectinload(Enrolment.person), selectinload(Enrolment.family))
        .where(Enrolment.programme_id == programme_id, Enrolment.status == "enrolled")))
    enrolments = sorted([e for e in rows if e.family is not None], key=lambda e: (e.family_label, e.given_name, e.id))
    return enrolments, len(rows) - len(enrolments)


@dataclass(frozen=True, slots=True)
class AttendanceRow:
    """One child on a session's attendance page: the enrolment's id and family, the child's names (None once
    detached) and the child's mark at the session (None: not marked yet)."""

    id: int
    family_id: int | None
    given_name: str | None
    family_name: str | None
    mark: str | None

    @property
    def child_name(self) -> str:  # as ``Enrolment.child_name``
        return ERASED_LABEL if self.given_name is None else f"{self.given_name} {self.family_name}"

    def sort_key(self) -> tuple:  # as ``Enrolment.sort_key(given_first=True)``: detached ones last
        return (1, "", "", self.id) if self.given_name is None else (0, self.given_name, self.family_name, self.id)


_STATEMENTS: dict[str, Select] = {}  # built once per process (a statement is immutable), run with parameters


def _statement(name: str) -> Select:
    found = _STATEMENTS.get(name)
    if found is None:
        if name == "session":
            found = (select(GroupSession).options(joinedload(GroupSession.programme))
                     .where(GroupSession.id == bindparam("session_id")))
        else:  # "attendance"
            mark = aliased(Attendance)
            found = (select(Enrolment.id, Enrolment.family_id, Person.given_name, Person.family_name, mark.status)
                     .outerjoin(Person, Person.id == Enrolment.person_id)
                     .outerjoin(mark, and_(mark.session_id == bindparam("session_id"),
                                           mark.enrolment_id == Enrolment.id))
                     .where(Enrolment.programme_id == bindparam("programme_id"),
                            or_(Enrolment.status == "enrolled", mark.id.is_not(None))))
        _STATEMENTS[name] = found
    return found


def session_with_programme(session_id: int) -> GroupSession | None:
    """The session with its programme (one statement)."""
    return db.session.scalar(_statement("session"), {"session_id": session_id})


def attendance_rows(session: GroupSession) -> list[AttendanceRow]:
    """The children on the session's attendance page (enrolled, or marked at this session before they left)
    by given name, each with its mark: one statement, only the columns the page shows."""
    rows = db.session.execute(_statement("attendance"),
                              {"session_id": session.id, "programme_id": session.programme_id})
    return sorted((AttendanceRow(*r) for r in rows), key=AttendanceRow.sort_key)


def mark_of(session_id: int, enrolment_id: int, *, fresh: bool = False) -> Attendance | None:
    """The stored mark of a child at a session; ``fresh`` reloads it from the database (after a concurrent
    change)."""
    stmt = select(Attendance).where(Attendance.session_id == session_id, Attendance.enrolment_id == enrolment_id)
    return db.session.scalar(stmt.execution_options(populate_existing=True) if fresh else stmt)


def programme_attendance(programme_id: int, sessions: list[GroupSession], enrolment_ids: list[int]):
    """Attendance rates per child and per session of a programme (see ``logic.attendance_figures``)."""
    rows = [tuple(r) for r in db.session.execute(
        select(Attendance.session_id, Attendance.enrolment_id, Attendance.status)
        .join(GroupSession, GroupSession.id == Attendance.session_id)
        .where(GroupSession.programme_id == programme_id))]
    return attendance_figures(sessions, rows, enrolment_ids)


def attendance_grid(programme: Programme):
    """The printable attendance list: sessions that were not cancelled, the enrolled children, every mark by
    ``(session_id, enrolment_id)`` and the rates per child and per session."""
    sessions = [s for s in db.session.scalars(select(GroupSession).where(GroupSession.programme_id == programme.id)
                                              .order_by(GroupSession.starts_at, GroupSession.id)) if not s.cancelled]
    enrolments = list(db.session.scalars(
        select(Enrolment).options(selectinload(Enrolment.person))
        .where(Enrolment.programme_id == programme.id, Enrolment.status == "enrolled")))
    enrolments.sort(key=lambda e: e.sort_key())
    marks = {(sid, eid): st for sid, eid, st in db.session.execute(
        select(Attendance.session_id, Attendance.enrolment_id, Attendance.status)
        .join(GroupSession, GroupSession.id == Attendance.session_id)
        .where(GroupSession.programme_id == programme.id))}
    per_child, per_session = programme_attendance(programme.id, sessions, [e.id for e in enrolments])
    return sessions, enrolments, marks, per_child, per_session


# --------------------------------------------------------------------------- calendar, panel


def calendar_sessions(team_ids: Iterable[int] | None, start: datetime, end: datetime,
                      limit: int = 2000) -> list[GroupSession]:
    """Sessions of programmes not archived that overlap ``[start, end)``, with their programme."""
    stmt = (select(GroupSession).options(selectinload(GroupSession.programme))
            .join(Programme, Programme.id == GroupSession.programme_id)
            .where(GroupSession.starts_at < end, GroupSession.ends_at > start, Programme.archived.is_(False))
            .order_by(GroupSession.starts_at, GroupSession.id))
    return list(db.session.scalars(_in_teams(stmt, team_ids).limit(limit)))


def family_enrolments(family_id: int) -> tuple[list[Enrolment], dict[int, int | None]]:
    """The family's enrolments (newest first) with their programme and team, and each one's attendance rate
    (cancelled sessions left out). Three queries."""
    enrolments = list(db.session.scalars(
        select(Enrolment).options(selectinload(Enrolment.person), selectinload(Enrolment.programme)
                                  .selectinload(Programme.team))
        .where(Enrolment.family_id == family_id).order_by(Enrolment.created_at.desc())))
    ids = [e.id for e in enrolments]
    rates = {}
    if ids:
        for eid, present, recorded in db.session.execute(
                select(Attendance.enrolment_id, func.sum(case((Attendance.status == "present", 1), else_=0)),
                       func.count(Attendance.id))
                .join(GroupSession, GroupSession.id == Attendance.session_id)
                .where(Attendance.enrolment_id.in_(ids), GroupSession.cancelled.is_(False))
                .group_by(Attendance.enrolment_id)):
            rates[eid] = round(100 * (present or 0) / recorded) if recorded else None
    return enrolments, rates


# --------------------------------------------------------------------------- billable work (costing)

HOUR_KINDS = {"session": "groepssessie", "info": "infomoment", "showcase": "toonmoment", "multiday": "meerdaagse"}


FULL_DAY_PROGRAMMES = ("group_day", "camp")  # a Saturday for primary school, a multi-day stay for secondary


def group_participation(person_ids, period) -> list[dict]:
    """Per person: regular sessions and full-day or multi-day sessions attended (present) in the period;
    cancelled sessions and info moments for parents do not count. One query, aggregated in SQL."""
    ids = [int(i) for i in person_ids if i]
    if not ids:
        return []
    start = datetime.combine(period.start, datetime.min.time())
    end = datetime.combine(period.end + timedelta(days=1), datetime.min.time())
    full_day = or_(GroupSession.kind == "multiday", Programme.kind.in_(FULL_DAY_PROGRAMMES))
    rows = db.session.execute(
        select(Enrolment.person_id, func.sum(case((full_day, 0), else_=1)), func.sum(case((full_day, 1), else_=0)))
        .join(Attendance, Attendance.enrolment_id == Enrolment.id)
        .join(GroupSession, GroupSession.id == Attendance.session_id)
        .join(Programme, Programme.id == GroupSession.programme_id)
        .where(Enrolment.person_id.in_(ids), Attendance.status == "present", GroupSession.cancelled.is_(False),
               GroupSession.kind.in_(("session", "multiday", "showcase")),
               GroupSession.starts_at >= start, GroupSession.starts_at < end)
        .group_by(Enrolment.person_id))
    return [{"person_id": pid, "sessions": int(sessions or 0), "days": int(days or 0)} for pid, sessions, days in rows]


# --------------------------------------------------------------------------- data rights: export, retention


def export_enrolments(where) -> list[dict]:
    """Enrolments matching ``where`` with their attendance, JSON-serialisable (two queries)."""
    enrolments = list(db.session.scalars(
        select(Enrolment).options(selectinload(Enrolment.person), selectinload(Enrolment.programme))
        .where(where).order_by(Enrolment.id)))
    marks: dict[int, list[dict]] = {e.id: [] for e in enrolments}
    if marks:
        for eid, starts_at, status in db.session.execute(
                select(Attendance.enrolment_id, GroupSession.starts_at, Attendance.status)
                .join(GroupSession, GroupSession.id == Attendance.session_id)
                .where(Attendance.enrolment_id.in_(list(marks))).order_by(GroupSession.starts_at, Attendance.id)):
            marks[eid].append({"session": starts_at.isoformat(), "status": status})
    return [{
        "kind": "group_enrolment", "programme": e.programme.name, "programme_ref": e.programme.ref,
        "child": e.child_name, "status": e.status, "priority": e.priority,
        "waiting_since": e.waiting_since.isoformat() if e.waiting_since else None,
        "enrolled_at": e.enrolled_at.isoformat() if e.enrolled_at else None,
        "photo_consent": e.photo_consent, "film_consent": e.film_consent, "note": e.note,
        "attendance": marks[e.id],
    } for e in enrolments]


def _later(a, b):
    """The later of two non-NULL datetimes, portable (SQLite has no GREATEST)."""
    return case((b > a, b), else_=a)


def _since():
    """When the retention term of an enrolment starts: the programme's last session end, or the enrolment's
    own last change when that is later (a waiting-list entry added after the last session, a programme
    without sessions). Returns the expression and the subquery of last session ends to join."""
    last = (select(GroupSession.programme_id.label("programme_id"), func.max(GroupSession.ends_at).label("ends_at"))
            .group_by(GroupSession.programme_id).subquery("groups_last_session"))
    created = Enrolment.created_at
    changed = _later(_later(_later(created, func.coalesce(Enrolment.updated_at, created)),
                            func.coalesce(Enrolment.waiting_since, created)),
                     func.coalesce(Enrolment.enrolled_at, created))
    return _later(func.coalesce(last.c.ends_at, changed), changed), last


def _label():
    """``GR-00012#345``: the programme's reference (as ``Programme.ref``) and the enrolment id; no name."""
    padded = case((Programme.id < 100000, func.substr(cast(Programme.id + 100000, String), 2)),
                  else_=cast(Programme.id, String))
    return literal("GR-") + padded + literal("#") + cast(Enrolment.id, String)


def due_enrolments(cutoff: date) -> Select:
    """Enrolments not yet detached whose term (see ``_since``) started before ``cutoff``."""
    since, last = _since()
    return (select(Enrolment.id.label("id"), _label().label("label"), since.label("since"),
                   Enrolment.family_id.label("family_id"))
            .join(Programme, Programme.id == Enrolment.programme_id)
            .outerjoin(last, last.c.programme_id == Enrolment.programme_id)
            .where(Enrolment.anonymised_at.is_(None), since < datetime.combine(cutoff, time.min)))


def holding() -> int:
    """Enrolments still linked to a child."""
    return db.session.scalar(select(func.count(Enrolment.id)).where(Enrolment.person_id.is_not(None))) or 0


# --------------------------------------------------------------------------- "Mijn werk" and the agenda

ABSENCE_FOLLOW_UP_DAYS = 14  # an absence in the last two weeks is one to follow up


def _led_by(user_id: int, team_ids: Iterable[int]):
    """Programmes (not archived) of ``team_ids`` that ``user_id`` leads: a subquery of ids."""
    return (select(Programme.id).join(programme_leader, programme_leader.c.programme_id == Programme.id)
            .where(programme_leader.c.user_id == user_id, Programme.team_id.in_(list(team_ids)),
                   Programme.archived.is_(False)))


def led_sessions(user_id: int, team_ids: Iterable[int], start: datetime, end: datetime) -> list[GroupSession]:
    """Sessions (not cancelled) of the programmes ``user_id`` leads that overlap ``start``..``end`` (one query)."""
    from sqlalchemy.orm import joinedload

    return list(db.session.scalars(
        select(GroupSession).options(joinedload(GroupSession.programme))
        .where(GroupSession.programme_id.in_(_led_by(user_id, team_ids)), GroupSession.cancelled.is_(False),
               GroupSession.starts_at < end, GroupSession.ends_at > start)
        .order_by(GroupSession.starts_at)))


def sessions_to_prepare(user_id: int, team_ids: Iterable[int], today: date, until: date) -> list[GroupSession]:
    """Coming sessions of the programmes ``user_id`` leads that have no plan yet."""
    return [s for s in led_sessions(user_id, team_ids, datetime.combine(today, time.min),
                                    datetime.combine(until, time.max))
            if not (s.plan or "").strip()]


def absences_to_follow_up(user_id: int, team_ids: Iterable[int], today: date) -> list[tuple]:
    """Unexcused absences in the last two weeks in the programmes ``user_id`` leads: ``(session, enrolment)``
    (one query)."""
    from sqlalchemy.orm import joinedload

    since = datetime.combine(today - timedelta(days=ABSENCE_FOLLOW_UP_DAYS), time.min)
    rows = db.session.execute(
        select(GroupSession, Enrolment).join(Attendance, Attendance.session_id == GroupSession.id)
        .join(Enrolment, Enrolment.id == Attendance.enrolment_id)
        .options(joinedload(GroupSession.programme), joinedload(Enrolment.person))
        .where(GroupSession.programme_id.in_(_led_by(user_id, team_ids)), Attendance.status == "absent",
               GroupSession.starts_at >= since, GroupSession.starts_at < datetime.combine(today, time.max),
               Enrolment.status == "enrolled")
        .order_by(GroupSession.starts_at)).unique().all()
    return [(s, e) for s, e in rows]


def my_programmes(user_id: int, team_ids: Iterable[int], today: date) -> list[tuple[Programme, int]]:
    """The running or coming programmes ``user_id`` leads with their number of enrolled children (one query)."""
    enrolled = (select(func.count(Enrolment.id)).where(Enrolment.programme_id == Programme.id,
                                                       Enrolment.status == "enrolled")
                .correlate(Programme).scalar_subquery())
    return [(p, n) for p, n in db.session.execute(
        select(Programme, enrolled).where(Programme.id.in_(_led_by(user_id, team_ids)),
                                          or_(Programme.end_date.is_(None), Programme.end_date >= today))
        .order_by(Programme.name))]

# --------------------------------------------------------------------------- billable work (core.finance)


def _hours_between(start, end):
    """Hours from ``start`` to ``end`` (datetimes) in SQL, on SQLite and PostgreSQL."""
    if db.session.get_bind().dialect.name == "sqlite":
        return (func.julianday(end) - func.julianday(start)) * literal(24.0, Numeric(4, 1))
    return func.extract("epoch", end - start) / literal(3600, Numeric(6, 0))


def _sessions_in(period):
    start = datetime.combine(period.start, datetime.min.time())
    end = datetime.combine(period.end + timedelta(days=1), datetime.min.time())
    return (GroupSession.cancelled.is_(False), GroupSession.starts_at >= start, GroupSession.starts_at < end)


def billable_units(period) -> Select:
    """The programmes with a session in ``period`` (``core.finance.UNIT_COLUMNS``; no fees, no names)."""
    today = datetime.now().date()
    status = case((and_(Programme.start_date.is_not(None), Programme.start_date > today), literal("planned")),
                  (and_(Programme.end_date.is_not(None), Programme.end_date < today), literal("closed")),
                  else_=literal("ongoing"))
    status_label = case(*((status == k, literal(v)) for k, v in WORK_STATUS_LABELS.items()), else_=status)
    digits = cast(Programme.id, String)
    ref = literal("GR-") + case((Programme.id >= 100000, digits),
                                else_=func.substr(literal("00000") + digits, func.length(digits) + 1))
    age = case((Programme.age_group.in_(("lager", "secundair")), Programme.age_group), else_=None)
    return (select(literal("group_programme").label("kind"), Programme.id.label("unit_id"), ref.label("ref"),
                   Programme.team_id.label("team_id"), Programme.start_date.label("start"),
                   Programme.end_date.label("end"), status.label("status"), status_label.label("status_label"),
                   age.label("age_group"), cast(None, Numeric(8, 2)).label("fee_due"),
                   cast(None, Date).label("fee_due_on"), cast(None, Numeric(8, 2)).label("fee_paid"),
                   cast(None, Date).label("fee_paid_on"), literal(False).label("fee_waived"))
            .where(Programme.id.in_(select(GroupSession.programme_id).where(*_sessions_in(period)))))


def billable_hours(period) -> Select:
    """Staff hours per programme and session kind in ``period``: each session's duration × its leaders,
    counted once per programme (never per child)."""
    leaders = (select(programme_leader.c.programme_id, func.count().label("n"))
               .group_by(programme_leader.c.programme_id).subquery())
    activity = case(*((GroupSession.kind == k, literal(v)) for k, v in HOUR_KINDS.items()), else_=GroupSession.kind)
    hours = _hours_between(GroupSession.starts_at, GroupSession.ends_at) * func.coalesce(leaders.c.n, 0)
    return (select(literal("group_programme").label("kind"), GroupSession.programme_id.label("unit_id"),
                   activity.label("activity"), func.round(cast(func.sum(hours), Numeric(12, 4)), 2).label("hours"))
            .outerjoin(leaders, leaders.c.programme_id == GroupSession.programme_id)
            .where(*_sessions_in(period)).group_by(GroupSession.programme_id, activity))
