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
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from core.extensions import db
from core.formatting import format_date
from core.hookspecs import hookimpl
from core.ui import NavItem, Panel, SearchResult, Widget
from core.vocabulary import age_group_of

from . import models  # noqa: F401  (tables must be known to the metadata)
from .models import WORK_STATUS_LABELS, Enrolment, GroupSession, Programme, programme_leader
from .rights import detach_enrolments, export_enrolments, retention_rule


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
                         detail=f"{p.kind_label} · {format_date(p.start_date)}")
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
        status = "planned" if p.start_date and p.start_date > today else (
            "closed" if p.end_date and p.end_date < today else "ongoing")
        result.append({
            "kind": "group_programme", "ref": p.ref, "team_id": p.team_id, "team": p.team.name,
            "start": p.start_date, "end": p.end_date, "status": status, "status_label": WORK_STATUS_LABELS[status],
            "age_group": age_group_of(p.age_group),
            "programme_kind": p.kind, "sessions": n_sessions[p.id],
            "hours": {k: round(v, 2) for k, v in sorted(hours[p.id].items())},
            "fee_due": None, "fee_paid": None, "fee_waived": False, "fee_paid_on": None,
        })
    return result


@hookimpl
def hvhk_family_export(family):
    return {"groups": export_enrolments(Enrolment.family_id == family.id)}


@hookimpl
def hvhk_person_export(person, family):
    """The enrolments of this child (or, in a parent group, this parent) through ``family``, with attendance;
    an enrolment through another household (its note, its team's programme) belongs to that household."""
    return {"groups": export_enrolments((Enrolment.person_id == person.id) & (Enrolment.family_id == family.id))}


@hookimpl
def hvhk_family_erase(family):
    """Detach the family's enrolments (see ``rights.detach_enrolments``): the rows and their attendance stay
    without child, family or note, so programme counts and attendance rates do not change. Programmes and
    sessions hold no personal data and stay, so the house's hours (billable work) are unchanged too."""
    removed, kept = detach_enrolments(db.session.scalars(select(Enrolment.id).where(Enrolment.family_id == family.id)))
    return {"removed": removed, "kept": kept}


@hookimpl
def hvhk_person_erase(person):
    """Detach only this person's enrolments; a sibling's enrolment stays linked."""
    removed, kept = detach_enrolments(db.session.scalars(select(Enrolment.id).where(Enrolment.person_id == person.id)))
    return {"removed": removed, "kept": kept}


@hookimpl
def hvhk_retention_rules():
    return [retention_rule()]


@hookimpl
def hvhk_demo_data(session, scale):
    from .demo import load_demo

    load_demo(session, scale)
