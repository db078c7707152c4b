"""The groups plugin's section of the house's report (``hvhk_report_figures``): programmes, sessions,
enrolments and attendance in the period. Counts only, SQL aggregates (four queries), no names."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, literal, select

from core.extensions import db
from core.reports import Section, Table

from .models import ATTENDANCE_LABELS, PROGRAMME_KIND_LABELS, Attendance, Enrolment, GroupSession, Programme


def report_figures(period, team_ids) -> Section:
    scope = [] if team_ids is None else [Programme.team_id.in_(list(team_ids) or [-1])]
    start = datetime.combine(period.start, datetime.min.time())
    end = datetime.combine(period.end + timedelta(days=1), datetime.min.time())
    held = (GroupSession.cancelled.is_(False), GroupSession.starts_at >= start, GroupSession.starts_at < end)
    programmes = db.session.execute(
        select(Programme.kind, func.count(func.distinct(Programme.id)), func.count(GroupSession.id))
        .join(GroupSession, GroupSession.programme_id == Programme.id)
        .where(*scope, *held).group_by(Programme.kind).order_by(Programme.kind)).all()
    with_session = select(GroupSession.programme_id).where(*held)
    enrolments = db.session.scalar(
        select(func.count()).select_from(Enrolment).join(Programme, Programme.id == Enrolment.programme_id)
        .where(*scope, Enrolment.status == "enrolled", Enrolment.programme_id.in_(with_session)))
    attendance = db.session.execute(
        select(Attendance.status, func.count()).join(GroupSession, GroupSession.id == Attendance.session_id)
        .join(Programme, Programme.id == GroupSession.programme_id)
        .where(*scope, *held).group_by(Attendance.status).order_by(Attendance.status)).all()
    people = (select(Enrolment.person_id.label("person_id"), Enrolment.family_id.label("family_id"),
                     literal("kind").label("role"), Programme.team_id.label("team_id"),
                     func.coalesce(Programme.start_date, literal(period.start)).label("since"))
              .join(Programme, Programme.id == Enrolment.programme_id)
              .where(*scope, Enrolment.status == "enrolled", Enrolment.person_id.is_not(None),
                     Enrolment.family_id.is_not(None), Enrolment.programme_id.in_(with_session)))
    return Section("groups", "Groepsaanbod", [
        Table("Programma's met een bijeenkomst in de periode",
              [(PROGRAMME_KIND_LABELS.get(k, k), int(n)) for k, n, _ in programmes], chart=True),
        Table("Bijeenkomsten", [(PROGRAMME_KIND_LABELS.get(k, k), int(s)) for k, _, s in programmes]),
        Table("Inschrijvingen", [("Ingeschreven deelnemers", int(enrolments or 0))]),
        Table("Aanwezigheden", [(ATTENDANCE_LABELS.get(k, k), int(n)) for k, n in attendance], chart=True),
    ], people=people, order=20)
