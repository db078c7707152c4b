"""PeTra's reads and reports, in SQL: the lists, the trajectory page, the team meeting, the year in figures, the
family panel and the caseload tile. Each costs a constant number of queries, whatever the data size. Nothing
here writes or audits: the views log what they show (``core.audit.record_list_read``)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta

from sqlalchemy import and_, case, extract, func, select
from sqlalchemy.orm import joinedload, selectinload

from core.extensions import db
from core.models import FamilyMember, Membership, Organisation, Person, User
from core.pagination import Page, paginate
from core.plugins import plugin_teams

from . import logic
from .models import (
    INFORMANTS,
    Contact,
    Fee,
    PlanGoal,
    PlannedRoundtable,
    PortalReferral,
    Roundtable,
    RoundtableAttendee,
    SdqResult,
    Trajectory,
)

RECENT_CONTACTS = 20
ACTIVE = ("clarifying", "ongoing")


# --------------------------------------------------------------------------- choices and small reads


def organisation_choices(kinds: tuple[str, ...] | None = None, empty: str = "—") -> list[tuple[int, str]]:
    """Organisations (not archived) for a select field, ``0`` standing for none."""
    stmt = select(Organisation.id, Organisation.name).where(Organisation.archived.is_(False)).order_by(Organisation.name)
    if kinds:
        stmt = stmt.where(Organisation.kind.in_(kinds))
    return [(0, empty)] + [(i, n) for i, n in db.session.execute(stmt)]


def team_workers(team_id: int) -> list[User]:
    """The active members of a team, by name."""
    return list(db.session.scalars(
        select(User).join(Membership, Membership.user_id == User.id)
        .where(Membership.team_id == team_id, User.active.is_(True)).order_by(User.display_name)))


def worker_choices(team_id: int) -> list[tuple[int, str]]:
    return [(0, "—")] + [(u.id, u.display_name) for u in team_workers(team_id)]


def next_ref(year: int) -> str:
    """The next trajectory number of ``year``: PT-YYYY-NNNN."""
    prefix = f"PT-{year}-"
    last = db.session.scalar(select(func.max(Trajectory.ref)).where(Trajectory.ref.like(prefix + "%")))
    n = int(last.rsplit("-", 1)[1]) + 1 if last else 1
    return f"{prefix}{n:04d}"


def first_contact_on(trajectory_id: int) -> date | None:
    return db.session.scalar(select(func.min(Contact.on_date)).where(Contact.trajectory_id == trajectory_id))


# --------------------------------------------------------------------------- lists


def trajectories(team_ids: Iterable[int], status: str) -> Page:
    """A page of the teams' trajectories, newest referral first: ``actief`` (clarifying or running), ``alle`` or
    one status."""
    stmt = (select(Trajectory).options(joinedload(Trajectory.child), joinedload(Trajectory.lead_worker),
                                       joinedload(Trajectory.team))
            .where(Trajectory.team_id.in_(team_ids)))
    if status == "actief":
        stmt = stmt.where(Trajectory.status.in_(ACTIVE))
    elif status != "alle":
        stmt = stmt.where(Trajectory.status == status)
    return paginate(stmt.order_by(Trajectory.referred_on.desc(), Trajectory.id.desc()))


def waiting_list(team_ids: Iterable[int]) -> Page:
    """A page of the waiting list in order of registration."""
    return paginate(
        select(Trajectory).options(joinedload(Trajectory.child), joinedload(Trajectory.school),
                                   joinedload(Trajectory.referrer_org), joinedload(Trajectory.team))
        .where(Trajectory.team_id.in_(team_ids), Trajectory.status == "waiting")
        .order_by(Trajectory.referred_on, Trajectory.id))


def _open_fee(team_ids: Iterable[int]):
    return (Trajectory.team_id.in_(team_ids), Fee.waived.is_(False), Fee.paid_on.is_(None))


def open_fees(team_ids: Iterable[int]) -> tuple[Page, int]:
    """A page of the fees still open (oldest first) and the total amount open."""
    page = paginate(select(Fee).join(Trajectory, Trajectory.id == Fee.trajectory_id)
                    .options(joinedload(Fee.trajectory).joinedload(Trajectory.child),
                             joinedload(Fee.trajectory).joinedload(Trajectory.lead_worker))
                    .where(*_open_fee(team_ids)).order_by(Fee.due_on, Fee.id))
    _, total = open_fee_totals(team_ids)
    return page, total


def open_fee_totals(team_ids: Iterable[int]) -> tuple[int, int]:
    """How many fees are open and their sum."""
    return tuple(db.session.execute(
        select(func.count(), func.coalesce(func.sum(Fee.amount), 0)).join(Trajectory, Trajectory.id == Fee.trajectory_id)
        .where(*_open_fee(team_ids))).one())


def count_waiting(team_ids: Iterable[int]) -> int:
    return db.session.scalar(select(func.count()).select_from(Trajectory).where(
        Trajectory.team_id.in_(team_ids), Trajectory.status == "waiting"))


# --------------------------------------------------------------------------- the trajectory page


def roundtables_of(trajectory_id: int) -> list[Roundtable]:
    return list(db.session.scalars(select(Roundtable).where(Roundtable.trajectory_id == trajectory_id)
                                   .order_by(Roundtable.held_on)))


def sdqs_of(trajectory_id: int) -> list[SdqResult]:
    return list(db.session.scalars(select(SdqResult).where(SdqResult.trajectory_id == trajectory_id)
                                   .order_by(SdqResult.informant, SdqResult.moment.desc())))


def count_goals(trajectory_id: int) -> int:
    return db.session.scalar(select(func.count()).select_from(PlanGoal).where(PlanGoal.trajectory_id == trajectory_id))


def goals_of(trajectory_id: int) -> list[PlanGoal]:
    """The partnership plan: goals per party with their actions."""
    return list(db.session.scalars(select(PlanGoal).options(selectinload(PlanGoal.actions))
                                   .where(PlanGoal.trajectory_id == trajectory_id)
                                   .order_by(PlanGoal.party, PlanGoal.position, PlanGoal.id)))


def contacts_of(trajectory_id: int, *, show_all: bool = False) -> tuple[list[Contact], bool]:
    """The contacts, newest first: the last ``RECENT_CONTACTS`` (and whether there are more) or all."""
    stmt = (select(Contact).where(Contact.trajectory_id == trajectory_id)
            .order_by(Contact.on_date.desc(), Contact.id.desc()))
    if show_all:
        return list(db.session.scalars(stmt)), False
    contacts = list(db.session.scalars(stmt.limit(RECENT_CONTACTS + 1)))
    return contacts[:RECENT_CONTACTS], len(contacts) > RECENT_CONTACTS


def contact_counts(trajectory_ids: list[int]) -> dict[int, dict[str, int]]:
    """Contacts per kind for each trajectory (since the start, or all when not started), in one query."""
    out: dict[int, dict[str, int]] = {tid: {} for tid in trajectory_ids}
    if not trajectory_ids:
        return out
    rows = db.session.execute(
        select(Contact.trajectory_id, Contact.kind, func.count())
        .join(Trajectory, Trajectory.id == Contact.trajectory_id)
        .where(Contact.trajectory_id.in_(trajectory_ids),
               (Trajectory.start_on.is_(None)) | (Contact.on_date >= Trajectory.start_on))
        .group_by(Contact.trajectory_id, Contact.kind))
    for tid, kind, n in rows:
        out[tid][kind] = n
    return out


def clarifying_counts(t: Trajectory) -> dict[str, int]:
    """Clarifying talks per party before the start roundtable (kind, ouders, school)."""
    stmt = select(Contact.parties).where(Contact.trajectory_id == t.id, Contact.kind != "rondetafel")
    if t.start_on is not None:
        stmt = stmt.where(Contact.on_date < t.start_on)
    counts = {"kind": 0, "ouders": 0, "school": 0}
    for (parties,) in db.session.execute(stmt):
        for p in (parties or "").split(","):
            if p in counts:
                counts[p] += 1
    return counts


def sdq_per_informant(trajectory_id: int, settings: dict) -> list[dict]:
    """Per informant with a result: the SDQ before and after, their bands, the cut-offs and the chart."""
    results = list(db.session.scalars(select(SdqResult).where(SdqResult.trajectory_id == trajectory_id)))
    out = []
    for key, label in INFORMANTS:
        before = next((r for r in results if r.informant == key and r.moment == "voor"), None)
        after = next((r for r in results if r.informant == key and r.moment == "na"), None)
        if before or after:
            out.append(dict(
                key=key, label=label, before=before, after=after, chart=logic.sdq_chart(before, after),
                band_before=logic.sdq_band(before.total, key, settings) if before else None,
                band_after=logic.sdq_band(after.total, key, settings) if after else None,
                cutoffs=logic.sdq_cutoffs(settings, key)))
    return out


# --------------------------------------------------------------------------- the team meeting


def _with_worker(*where):
    return (select(Trajectory).options(joinedload(Trajectory.child), joinedload(Trajectory.lead_worker))
            .where(*where))


def meeting(team_ids: Iterable[int], since: date, today: date, settings: dict) -> dict:
    """For the biweekly meeting: referrals since ``since``, the waiting count, running trajectories near or
    past their maximum duration, clarifying ones stalled for 30 days, what is due, the open fees."""
    mine = Trajectory.team_id.in_(team_ids)
    new = list(db.session.scalars(
        select(Trajectory).options(joinedload(Trajectory.child), joinedload(Trajectory.referrer_org))
        .where(mine, Trajectory.referred_on >= since).order_by(Trajectory.referred_on, Trajectory.id).limit(100)))
    active = list(db.session.scalars(_with_worker(mine, Trajectory.status == "ongoing")
                                     .order_by(Trajectory.start_on, Trajectory.id)))
    stalled = list(db.session.scalars(
        _with_worker(mine, Trajectory.status == "clarifying", Trajectory.phase2_on <= today - timedelta(days=30))
        .order_by(Trajectory.phase2_on, Trajectory.id).limit(100)))
    ids = [t.id for t in active]
    sdq_moments: dict[int, set] = {i: set() for i in ids}
    rt_kinds: dict[int, set] = {i: set() for i in ids}
    if ids:
        for tid, inf, mom in db.session.execute(select(SdqResult.trajectory_id, SdqResult.informant, SdqResult.moment)
                                                .where(SdqResult.trajectory_id.in_(ids))):
            sdq_moments[tid].add((inf, mom))
        for tid, kind in db.session.execute(select(Roundtable.trajectory_id, Roundtable.kind)
                                            .where(Roundtable.trajectory_id.in_(ids))):
            rt_kinds[tid].add(kind)
    durations = {t.id: logic.duration_of(t, settings, today) for t in active}
    nearing = [t for t in active if durations[t.id].state in ("bijna", "over")]
    due = [(t, items) for t in active
           if (items := logic.due_items(t, sdq_moments[t.id], rt_kinds[t.id], settings, today))]
    return dict(new=new, waiting=count_waiting(team_ids), nearing=nearing, due=due, stalled=stalled,
                durations=durations, open_fees=open_fee_totals(team_ids), n_active=len(active))


# --------------------------------------------------------------------------- the year in figures


def year_overview(team_ids: Iterable[int], year: int, settings: dict) -> dict:
    """The year in figures for the team's report: referrals, starts, closures, contacts, SDQ, fees."""
    first, last = date(year, 1, 1), date(year, 12, 31)
    mine = Trajectory.team_id.in_(team_ids)
    referred = Trajectory.referred_on.between(first, last)

    def grouped(column, *where):
        return dict(db.session.execute(select(column, func.count()).where(mine, *where).group_by(column)).all())

    closed_rows = db.session.execute(select(Trajectory.closure_reason, Trajectory.start_on, Trajectory.closed_on)
                                     .where(mine, Trajectory.closed_on.between(first, last))).all()
    by_reason: dict[str, int] = {}
    durations = []
    for reason, start, closed in closed_rows:
        by_reason[reason or "andere"] = by_reason.get(reason or "andere", 0) + 1
        if start and closed:
            durations.append((closed - start).days)
    waits = [(s_ - r_).days for s_, r_ in db.session.execute(
        select(Trajectory.start_on, Trajectory.referred_on).where(mine, Trajectory.start_on.between(first, last)))]
    contacts = db.session.execute(
        select(Contact.kind, func.count(), func.coalesce(func.sum(Contact.minutes), 0))
        .join(Trajectory, Trajectory.id == Contact.trajectory_id)
        .where(mine, Contact.on_date.between(first, last)).group_by(Contact.kind)).all()
    # contacts per closed trajectory (the whole trajectory) against the norms
    closed_ids = select(Trajectory.id).where(mine, Trajectory.closed_on.between(first, last),
                                             Trajectory.start_on.is_not(None))
    per_kind_closed = dict(db.session.execute(
        select(Contact.kind, func.count()).where(Contact.trajectory_id.in_(closed_ids)).group_by(Contact.kind)).all())
    n_closed_started = db.session.scalar(select(func.count()).select_from(closed_ids.subquery()))
    norms = [(n.label, round(n.done / n_closed_started, 1) if n_closed_started else 0, n.norm)
             for n in logic.norm_progress(per_kind_closed, settings)]
    before = SdqResult.__table__.alias("voor")
    after = SdqResult.__table__.alias("na")
    sdq = db.session.execute(
        select(before.c.informant, func.count(), func.avg(before.c.total), func.avg(after.c.total),
               func.sum(case((after.c.total < before.c.total, 1), else_=0)))
        .join(after, and_(after.c.trajectory_id == before.c.trajectory_id, after.c.informant == before.c.informant,
                          after.c.moment == "na"))
        .where(before.c.moment == "voor", before.c.trajectory_id.in_(closed_ids))
        .group_by(before.c.informant)).all()
    fee_rows = db.session.execute(
        select(Fee.waived, Fee.paid_on.is_not(None), func.count(), func.coalesce(func.sum(Fee.amount), 0))
        .join(Trajectory, Trajectory.id == Fee.trajectory_id)
        .where(mine, Fee.due_on.between(first, last)).group_by(Fee.waived, Fee.paid_on.is_not(None))).all()
    fees_summary = {"betaald": [0, 0], "kwijtgescholden": [0, 0], "open": [0, 0]}
    for waived, paid, n, amount in fee_rows:
        key = "kwijtgescholden" if waived else ("betaald" if paid else "open")
        fees_summary[key][0] += n
        fees_summary[key][1] += amount
    years = {int(y) for (y,) in db.session.execute(
        select(extract("year", Trajectory.referred_on)).where(mine).distinct()) if y}
    return dict(
        years=sorted(years | {date.today().year}, reverse=True), by_referrer=grouped(Trajectory.referrer_kind, referred),
        by_channel=grouped(Trajectory.channel, referred), by_status=grouped(Trajectory.status, referred),
        started=grouped(Trajectory.age_group, Trajectory.start_on.between(first, last)), by_reason=by_reason,
        n_closed=len(closed_rows), mean_duration=round(sum(durations) / len(durations)) if durations else None,
        mean_wait=round(sum(waits) / len(waits)) if waits else None, contacts=contacts, norms=norms, sdq=sdq,
        fees=fees_summary)


# --------------------------------------------------------------------------- family panel and caseload tile


def family_trajectories(family_id: int) -> list[Trajectory]:
    """Every trajectory of the family, newest referral first (the caller keeps the ones a user may see)."""
    return list(db.session.scalars(
        select(Trajectory).options(joinedload(Trajectory.child), joinedload(Trajectory.team),
                                   joinedload(Trajectory.lead_worker))
        .where(Trajectory.family_id == family_id).order_by(Trajectory.referred_on.desc())))


def children_of(family_id: int, *, leave_out: set[int]) -> list[Person]:
    """The family's children (not archived), youngest last, without ``leave_out``."""
    return [p for p in db.session.scalars(
        select(Person).join(FamilyMember, FamilyMember.person_id == Person.id)
        .where(FamilyMember.family_id == family_id, FamilyMember.role == "kind", Person.archived.is_(False))
        .order_by(Person.birth_date)) if p.id not in leave_out]


def caseload(team_ids: Iterable[int]) -> dict[str, dict[str, int]]:
    """Per lead worker: how many trajectories are clarifying and running."""
    rows = db.session.execute(
        select(User.display_name, Trajectory.status, func.count())
        .join(User, User.id == Trajectory.lead_worker_id)
        .where(Trajectory.team_id.in_(team_ids), Trajectory.status.in_(ACTIVE))
        .group_by(User.display_name, Trajectory.status).order_by(User.display_name))
    per: dict[str, dict[str, int]] = {}
    for name, status, n in rows:
        per.setdefault(name, {"clarifying": 0, "ongoing": 0})[status] = n
    return per


# --------------------------------------------------------------------------- the partner portal


def portal_team_choices() -> list:
    """The teams a partner may send a portal referral to: the team of the ``portal_team_id`` setting when it
    still has PeTra on, else every team with PeTra on (the partner chooses when there are several)."""
    teams = plugin_teams()
    fixed = logic.SETTINGS.get("portal_team_id")
    chosen = [t for t in teams if t.id == fixed]
    return chosen or teams


def next_portal_ref(year: int) -> str:
    """The next portal referral number of ``year``: PA-YYYY-NNNN."""
    prefix = f"PA-{year}-"
    last = db.session.scalar(select(func.max(PortalReferral.ref)).where(PortalReferral.ref.like(prefix + "%")))
    n = int(last.rsplit("-", 1)[1]) + 1 if last else 1
    return f"{prefix}{n:04d}"


def pending_portal_referrals(team_ids: Iterable[int]) -> list[PortalReferral]:
    """The portal referrals still to be handled by these teams, oldest first (at most 100: a team handles them
    before they pile up)."""
    return list(db.session.scalars(
        select(PortalReferral).options(joinedload(PortalReferral.organisation), joinedload(PortalReferral.school),
                                       joinedload(PortalReferral.team))
        .where(PortalReferral.team_id.in_(list(team_ids)), PortalReferral.status == "pending")
        .order_by(PortalReferral.submitted_at, PortalReferral.id).limit(100)))


def partner_portal_referrals(org_id: int) -> Page:
    """A page of the referrals an organisation sent through the portal, newest first."""
    return paginate(select(PortalReferral).options(joinedload(PortalReferral.trajectory))
                    .where(PortalReferral.organisation_id == org_id)
                    .order_by(PortalReferral.submitted_at.desc(), PortalReferral.id.desc()))


def _school_view(org_id: int):
    return (Trajectory.anonymised.is_(False),
            (Trajectory.school_id == org_id) | (Trajectory.referrer_org_id == org_id))


def school_trajectories(org_id: int, family_ids: Iterable[int]) -> Page:
    """A page of the trajectories of the organisation's pupils (its school or referrer) among ``family_ids``
    (the families whose consent covers following the trajectory), newest first."""
    family_ids = list(family_ids)
    stmt = (select(Trajectory).options(joinedload(Trajectory.child), joinedload(Trajectory.lead_worker))
            .where(Trajectory.family_id.in_(family_ids), *_school_view(org_id))
            .order_by(Trajectory.referred_on.desc(), Trajectory.id.desc()))
    return paginate(stmt)


def is_school_view(t: Trajectory, org_id: int) -> bool:
    return not t.anonymised and org_id in (t.school_id, t.referrer_org_id)


def planned_roundtables(trajectory_ids: Iterable[int], *, upcoming_only: bool = False) -> list[PlannedRoundtable]:
    """Planned roundtables (not cancelled) with their attendees, soonest first."""
    stmt = (select(PlannedRoundtable).options(selectinload(PlannedRoundtable.attendees)
                                              .joinedload(RoundtableAttendee.organisation))
            .where(PlannedRoundtable.trajectory_id.in_(list(trajectory_ids)), PlannedRoundtable.cancelled.is_(False)))
    if upcoming_only:
        stmt = stmt.where(PlannedRoundtable.planned_at >= datetime.now())
    return list(db.session.scalars(stmt.order_by(PlannedRoundtable.planned_at, PlannedRoundtable.id)))


def school_goals(trajectory_id: int) -> list[PlanGoal]:
    """The plan's goals for the school, with their actions."""
    return list(db.session.scalars(select(PlanGoal).options(selectinload(PlanGoal.actions))
                                   .where(PlanGoal.trajectory_id == trajectory_id, PlanGoal.party == "school")
                                   .order_by(PlanGoal.position, PlanGoal.id)))
