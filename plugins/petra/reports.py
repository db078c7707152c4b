"""PeTra's section of the house's report (``hvhk_report_figures``): counts only, SQL aggregates, no names.
Seven queries whatever the data size."""

from __future__ import annotations

from sqlalchemy import and_, case, func, literal, or_, select

from core.extensions import db
from core.reports import Section, Table, in_period

from .models import CLOSURE_REASONS, CONTACT_KINDS, REFERRER_KINDS, Contact, SdqResult, Trajectory, labels


def report_figures(period, team_ids) -> Section:
    scope = [] if team_ids is None else [Trajectory.team_id.in_(list(team_ids) or [-1])]

    def grouped(column, *where, names=None):
        rows = db.session.execute(select(column, func.count()).where(*scope, *where).group_by(column)
                                  .order_by(func.count().desc())).all()
        return [((names or {}).get(k, k or "andere"), int(n)) for k, n in rows]

    referred = grouped(Trajectory.referrer_kind, in_period(Trajectory.referred_on, period),
                       names=labels(REFERRER_KINDS))
    n_started = db.session.scalar(select(func.count()).select_from(Trajectory)
                                  .where(*scope, in_period(Trajectory.start_on, period)))
    closed = grouped(Trajectory.closure_reason, in_period(Trajectory.closed_on, period), names=labels(CLOSURE_REASONS))
    contacts = [(labels(CONTACT_KINDS).get(k, k), int(n)) for k, n in db.session.execute(
        select(Contact.kind, func.count()).join(Trajectory, Trajectory.id == Contact.trajectory_id)
        .where(*scope, in_period(Contact.on_date, period)).group_by(Contact.kind).order_by(Contact.kind))]
    before, after = SdqResult.__table__.alias("voor"), SdqResult.__table__.alias("na")
    closed_ids = select(Trajectory.id).where(*scope, in_period(Trajectory.closed_on, period))
    n_pairs, better, worse = db.session.execute(
        select(func.count(), func.coalesce(func.sum(case((after.c.total < before.c.total, 1), else_=0)), 0),
               func.coalesce(func.sum(case((after.c.total > before.c.total, 1), else_=0)), 0))
        .select_from(before).join(after, and_(after.c.trajectory_id == before.c.trajectory_id, after.c.informant == before.c.informant,
                          after.c.moment == "na"))
        .where(before.c.moment == "voor", before.c.trajectory_id.in_(closed_ids))).one()
    people = (select(Trajectory.child_id.label("person_id"), Trajectory.family_id.label("family_id"),
                     literal("kind").label("role"), Trajectory.team_id.label("team_id"),
                     Trajectory.referred_on.label("since"))
              .where(*scope, Trajectory.child_id.is_not(None), Trajectory.referred_on <= period.end,
                     or_(Trajectory.closed_on.is_(None), Trajectory.closed_on >= period.start),
                     or_(Trajectory.status != "not_started", in_period(Trajectory.referred_on, period))))
    return Section("petra", "PeTra-trajecten", [
        Table("Aanmeldingen per verwijzer", referred, chart=True),
        Table("Starts", [("Trajecten gestart (startrondetafel)", int(n_started or 0))]),
        Table("Afrondingen per reden", closed, chart=True),
        Table("Contacten per soort", contacts, chart=True),
        Table("SDQ voor en na (afgeronde trajecten, per informant)",
              [("Paren voor/na", int(n_pairs)), ("Totale moeilijkheden gedaald", int(better)),
               ("Totale moeilijkheden gestegen", int(worse)),
               ("Gelijk gebleven", int(n_pairs) - int(better) - int(worse))]),
    ], people=people, order=10)
