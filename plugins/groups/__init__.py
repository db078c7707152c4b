"""Groups: planning group programmes, sessions, camps, enrolment, waiting lists and attendance.

Access (see ``access.py``): every user of a team with the plugin enabled reads the planning of every
programme (sessions, rooms, leaders, calendar, .ics); children's data (enrolments, waiting list,
attendance, contact lists, exports) and every change belong to the owning team (and admins) only:
other teams get 403, and the refusal is audit-logged. Enrolling a child registers the owning team's
involvement with the child's family (``core.access.register_involvement``).
"""

from __future__ import annotations

import os
from datetime import datetime, timedelta

from flask import url_for
from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import selectinload

from core.extensions import db
from core.hookspecs import hookimpl
from core.ui import NavItem, Panel, SearchResult, Widget

from . import models  # noqa: F401  (tables must be known to the metadata)
from .models import Attendance, Enrolment, GroupSession, Programme, programme_leader


@hookimpl
def hvhk_plugin_info():
    return {"label": "Groepswerking", "description": "Groepen, sessies, kampen, inschrijvingen en aanwezigheden."}


@hookimpl
def hvhk_migrations():
    return os.path.join(os.path.dirname(__file__), "migrations")


@hookimpl
def hvhk_blueprints():
    from .views import bp

    return [bp]


@hookimpl
def hvhk_nav_items(user):
    return [NavItem("Groepen", url_for("groups.index"), 30)]


@hookimpl
def hvhk_family_panels(family, user):
    return [Panel(id="groups-enrolments", title="Groepsaanbod", url=url_for("groups.family_panel", family_id=family.id),
                  order=40)]


@hookimpl
def hvhk_dashboard_widgets(user):
    return [Widget(title="Groepssessies deze week", url=url_for("groups.widget_week"), order=30)]


@hookimpl
def hvhk_search(query, user):
    stmt = (select(Programme).where(Programme.archived.is_(False),
                                    func.lower(Programme.name).contains(query.lower()))
            .order_by(Programme.start_date.desc(), Programme.name).limit(10))
    return [SearchResult(label=p.name, url=url_for("groups.show", programme_id=p.id), kind="Groep",
                         detail=f"{p.kind_label} · {p.start_date.strftime('%d/%m/%Y') if p.start_date else ''}")
            for p in db.session.scalars(stmt)]


HOUR_KINDS = {"session": "groepssessie", "info": "infomoment", "showcase": "toonmoment", "multiday": "meerdaagse"}


@hookimpl
def hvhk_billable_work(period):
    """Staff hours per programme in the period: each session's duration x the number of leaders, per kind."""
    start = datetime.combine(period.start, datetime.min.time())
    end = datetime.combine(period.end + timedelta(days=1), datetime.min.time())
    leaders = (select(programme_leader.c.programme_id, func.count().label("n"))
               .group_by(programme_leader.c.programme_id).subquery())
    rows = db.session.execute(
        select(GroupSession.programme_id, GroupSession.kind, GroupSession.starts_at, GroupSession.ends_at,
               func.coalesce(leaders.c.n, 0))
        .outerjoin(leaders, leaders.c.programme_id == GroupSession.programme_id)
        .where(GroupSession.cancelled.is_(False), GroupSession.starts_at >= start, GroupSession.starts_at < end))
    hours: dict[int, dict[str, float]] = {}
    n_sessions: dict[int, int] = {}
    for pid, kind, s, e, n in rows:
        n_sessions[pid] = n_sessions.get(pid, 0) + 1
        h = hours.setdefault(pid, {})
        key = HOUR_KINDS.get(kind, kind)
        h[key] = h.get(key, 0.0) + (e - s).total_seconds() / 3600 * n
    if not hours:
        return []
    programmes = db.session.scalars(select(Programme).options(selectinload(Programme.team))
                                    .where(Programme.id.in_(hours)).order_by(Programme.id))
    today = datetime.now().date()
    result = []
    for p in programmes:
        status = "gepland" if p.start_date and p.start_date > today else (
            "afgesloten" if p.end_date and p.end_date < today else "lopend")
        result.append({
            "kind": "group_programme", "ref": p.ref, "team_id": p.team_id, "team": p.team.name,
            "start": p.start_date, "end": p.end_date, "status": status,
            "age_group": p.age_group if p.age_group in ("lager", "secundair") else None,
            "programme_kind": p.kind, "sessions": n_sessions[p.id],
            "hours": {k: round(v, 2) for k, v in sorted(hours[p.id].items())},
            "fee_due": None, "fee_paid": None, "fee_waived": False, "fee_paid_on": None,
        })
    return result


@hookimpl
def hvhk_family_export(family):
    enrolments = db.session.scalars(
        select(Enrolment).options(selectinload(Enrolment.person), selectinload(Enrolment.programme))
        .where(Enrolment.family_id == family.id).order_by(Enrolment.id))
    out = []
    for e in enrolments:
        marks = db.session.execute(
            select(GroupSession.starts_at, Attendance.status).join(GroupSession, GroupSession.id == Attendance.session_id)
            .where(Attendance.enrolment_id == e.id).order_by(GroupSession.starts_at))
        out.append({
            "kind": "group_enrolment", "programme": e.programme.name, "programme_ref": e.programme.ref,
            "child": e.person.full_name, "status": e.status, "priority": e.priority,
            "waiting_since": e.waiting_since.isoformat() if e.waiting_since else None,
            "enrolled_at": e.enrolled_at.isoformat() if e.enrolled_at else None,
            "photo_consent": e.photo_consent, "film_consent": e.film_consent, "note": e.note,
            "attendance": [{"session": s.isoformat(), "status": st} for s, st in marks],
        })
    return {"groups": out}


@hookimpl
def hvhk_family_erase(family):
    """Remove the family's enrolments and attendance. Programmes and sessions hold no personal data and stay,
    so the house's hours (billable work) are unchanged."""
    ids = list(db.session.scalars(select(Enrolment.id).where(Enrolment.family_id == family.id)))
    if not ids:
        return {"removed": 0, "kept": 0}
    n_att = db.session.execute(delete(Attendance).where(Attendance.enrolment_id.in_(ids))).rowcount or 0
    db.session.execute(update(Enrolment).where(Enrolment.id.in_(ids)).values(note=None))
    n_enr = db.session.execute(delete(Enrolment).where(Enrolment.id.in_(ids))).rowcount or 0
    return {"removed": n_att + n_enr, "kept": 0}


@hookimpl
def hvhk_demo_data(session, scale):
    from .demo import load_demo

    load_demo(session, scale)
