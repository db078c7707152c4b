"""Data rights of the groups plugin: export, erasure and retention of enrolments.

Erasure and retention *detach* an enrolment instead of deleting it: the row and its attendance stay (the
programme's participant counts and attendance rates do not change), but ``person_id``, ``family_id`` and
the free-text note are cleared and ``anonymised_at`` is set. What remains (programme, status, dates,
priority, consent flags, attendance marks) no longer points to a child. Programmes and sessions hold no
personal data and are never touched.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, time

from sqlalchemy import Select, String, case, cast, func, literal, select, update
from sqlalchemy.orm import selectinload

from core.extensions import db
from core.models import utcnow
from core.ui import RetentionRule

from .models import Attendance, Enrolment, GroupSession, Programme

# No retention figure in the house's documents (../shared/DOMAIN.md, DESIGN.md): 2 years after the programme's
# last session, long enough for a follow-up group and the yearly report (see README).
RETENTION_YEARS = 2
RETENTION_KEY = "groups_enrolment"


# --------------------------------------------------------------------------- export


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


# --------------------------------------------------------------------------- erasure


def _detach(ids: list[int]) -> int:
    """Clear the links and the note of these enrolments (those not detached before); how many changed."""
    return db.session.execute(
        update(Enrolment).where(Enrolment.id.in_(ids), Enrolment.anonymised_at.is_(None))
        .values(person_id=None, family_id=None, note=None, anonymised_at=utcnow(),
                version=Enrolment.version + 1)).rowcount or 0


def detach_enrolments(ids: Iterable[int]) -> tuple[int, int]:
    """Detach these enrolments from their child and family: ``person_id``, ``family_id`` and ``note`` are
    cleared and ``anonymised_at`` set; the rows and their attendance stay. Enrolments detached before are
    left alone. Returns ``(removed, kept)`` rows: nothing is deleted; kept = the enrolments detached now plus
    their attendance rows. Does not commit."""
    ids = list(ids)
    if not ids:
        return 0, 0
    n_att = db.session.scalar(select(func.count(Attendance.id)).where(
        Attendance.enrolment_id.in_(select(Enrolment.id).where(Enrolment.id.in_(ids),
                                                               Enrolment.anonymised_at.is_(None))))) or 0
    return 0, _detach(ids) + n_att


# --------------------------------------------------------------------------- retention


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


def apply_due(ids: list[int]) -> int:
    """Detach enrolments past their term (the core passes batches of ids from ``due_enrolments``)."""
    return _detach(list(ids)) if ids else 0


def holding() -> int:
    """Enrolments still linked to a child."""
    return db.session.scalar(select(func.count(Enrolment.id)).where(Enrolment.person_id.is_not(None))) or 0


def retention_rule() -> RetentionRule:
    return RetentionRule(
        key=RETENTION_KEY, label="Inschrijvingen in groepsaanbod (met aanwezigheden)", default_years=RETENTION_YEARS,
        action="kind en gezin loskoppelen en de opmerking wissen; de inschrijving en de aanwezigheden blijven "
               "als ‘(gewist)’, zodat aantallen deelnemers en aanwezigheidscijfers kloppen",
        due=due_enrolments, apply=apply_due, holding=holding)
