"""PeTra's reads and reports, in SQL: the lists, the trajectory page, the team meeting, the year in figures, the
family panel and the caseload tile. Each costs a constant number of queries, whatever the data size. Nothing
here writes or audits: the views log what they show (``core.audit.record_list_read``)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta
from decimal import Decimal
from functools import lru_cache

from sqlalchemy import Numeric, Select, and_, case, cast, extract, func, literal, null, or_, select
from sqlalchemy.orm import joinedload, selectinload

from core import finance
from core.extensions import db
from core.models import FamilyMember, Membership, Organisation, Person, Team, User
from core.pagination import Page, count_upto, paginate, paginate_union
from core.plugins import plugin_teams
from core.ui import Period

from . import logic
from .models import (
    INFORMANTS,
    STATUSES,
    Concern,
    ConcernStep,
    Contact,
    ContactVersion,
    Fee,
    PlanGoal,
    PortalReferral,
    Roundtable,
    RoundtableAttendee,
    SdqResult,
    Supervision,
    TeamDecision,
    TeamMeeting,
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


def open_fee_totals(team_ids: Iterable[int], cap: int | None = None) -> tuple[int, Decimal]:
    """How many fees are open and their sum (the house's definition, ``core.finance``), over the open fees
    only: the units of ``billable_units`` that carry an open fee, without the contacts and periods of the rest.
    With ``cap``, no more than ``cap + 1`` fees are read: a count above ``cap`` means "more than", its sum is
    then only a part."""
    team_ids = set(team_ids)
    units = (select(Trajectory.team_id.label("team_id"), Fee.amount.label("fee_due"), Fee.due_on.label("fee_due_on"),
                    cast(null(), Numeric(8, 2)).label("fee_paid"), Fee.paid_on.label("fee_paid_on"),
                    Fee.waived.label("fee_waived"))
             .join(Trajectory, Trajectory.id == Fee.trajectory_id).where(*_open_fee(team_ids)))
    if cap is not None:
        units = units.limit(cap + 1)
    figures = finance.fee_figures(units, finance.all_time(), team_ids=team_ids)
    return figures.open_n, figures.open


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


def page_counts(trajectory_id: int, *, concerns: bool) -> tuple[int, int | None]:
    """The number of plan goals and (with ``concerns``) of open concerns of a trajectory, in one query."""
    goals = select(func.count()).select_from(PlanGoal).where(PlanGoal.trajectory_id == trajectory_id)
    open_ = (select(func.count()).select_from(Concern)
             .where(Concern.trajectory_id == trajectory_id, Concern.status == "open"))
    row = db.session.execute(select(goals.scalar_subquery(),
                                    open_.scalar_subquery() if concerns else literal(None))).one()
    return row[0], row[1]


def goals_of(trajectory_id: int) -> list[PlanGoal]:
    """The partnership plan: goals per party with their actions."""
    return list(db.session.scalars(select(PlanGoal).options(selectinload(PlanGoal.actions))
                                   .where(PlanGoal.trajectory_id == trajectory_id)
                                   .order_by(PlanGoal.party, PlanGoal.position, PlanGoal.id)))


def contacts_of(trajectory_id: int, *, show_all: bool = False) -> tuple[list[Contact], bool, set[int]]:
    """The contacts, newest first: the last ``RECENT_CONTACTS`` (and whether there are more) or all, and which
    of them were corrected (they have a history), in one query."""
    corrected = select(ContactVersion.id).where(ContactVersion.contact_id == Contact.id).exists()
    stmt = (select(Contact, corrected.label("corrected")).where(Contact.trajectory_id == trajectory_id)
            .order_by(Contact.on_date.desc(), Contact.id.desc()))
    rows = db.session.execute(stmt if show_all else stmt.limit(RECENT_CONTACTS + 1)).all()
    more = not show_all and len(rows) > RECENT_CONTACTS
    rows = rows if show_all else rows[:RECENT_CONTACTS]
    return [c for c, _ in rows], more, {c.id for c, flag in rows if flag}


def contact_tallies(t: Trajectory) -> tuple[dict[str, int], dict[str, int]]:
    """In one query: contacts per kind from the start roundtable on (toward the support norms) and the
    clarifying talks per party before it (kind, ouders, school: the intake's, never toward the norms,
    000:395-402). Without a start, nothing counts toward the norms and every talk is a clarifying one."""
    after_start = Contact.on_date >= t.start_on if t.start_on is not None else literal(False)
    per_kind: dict[str, int] = {}
    clarifying = {"kind": 0, "ouders": 0, "school": 0}
    for kind, parties, started, n in db.session.execute(
            select(Contact.kind, Contact.parties, after_start, func.count()).where(Contact.trajectory_id == t.id)
            .group_by(Contact.kind, Contact.parties, after_start)):
        if started:
            per_kind[kind] = per_kind.get(kind, 0) + n
        elif kind != "rondetafel":
            for p in (parties or "").split(","):
                if p in clarifying:
                    clarifying[p] += n
    return per_kind, clarifying


def clarifying_counts(t: Trajectory) -> dict[str, int]:
    """Clarifying talks per party before the start roundtable (kind, ouders, school)."""
    return contact_tallies(t)[1]


def group_part(t: Trajectory, settings: dict, today: date) -> dict | None:
    """The group part of the trajectory (about 6 Wednesday afternoons and a Saturday or a multi-day stay,
    000:397-398): what the child attended from the referral to the closure, as the group work's attendance says
    through the core hook ``hvhk_group_participation`` (no plugin imports another). ``None`` without a child or
    when no available plugin answers."""
    if t.child_id is None:
        return None
    from core.plugins import current_plugins
    from core.ui import Period

    period = Period(t.referred_on, t.closed_on or today)
    answers = current_plugins().hook_available("hvhk_group_participation")(person_ids=[t.child_id], period=period)
    if not answers:
        return None
    mine = [row for rows in answers for row in rows or [] if row.get("person_id") == t.child_id]
    return dict(sessions=sum(r.get("sessions", 0) for r in mine), days=sum(r.get("days", 0) for r in mine),
                norm_sessions=logic.setting_int(settings, "norm_groep_sessies"),
                norm_days=logic.setting_int(settings, "norm_groep_dagen"))


def contact_history(contact_id: int) -> list[ContactVersion]:
    """The previous versions of a corrected contact, newest first."""
    return list(db.session.scalars(select(ContactVersion).options(joinedload(ContactVersion.replaced_by))
                                   .where(ContactVersion.contact_id == contact_id)
                                   .order_by(ContactVersion.version.desc())))


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

MEETING_PAGE = 25
LIST_COUNT_CAP = 100  # a list's count in its heading stops here ("meer dan 100")
DUE_COUNT_CAP = MEETING_PAGE  # what is due weighs four lookups per row: its count stops at one page
HEADER_COUNT_CAP = 1000  # the running and waiting figures at the top stop here ("meer dan 1000")
MONTHS = range(1, 25)  # the maximum durations the forms accept (trajectory and settings: 1 to 24 months)


@lru_cache(maxsize=16)
def _latest_starts(fn, limit: date) -> dict[int, date]:
    """``logic.latest_start`` per maximum duration (the same all day long: computed once per day and rule)."""
    return {m: logic.latest_start(fn, m, limit) for m in MONTHS}


def _by_months(fn, limit: date):
    """``fn(start_on, max_months) <= limit`` in SQL: one bound on ``start_on`` per maximum duration the forms
    accept, as a CASE on ``max_months``, and the largest bound as a range an index on ``start_on`` can use."""
    bounds = _latest_starts(fn, limit)
    return and_(Trajectory.start_on <= max(bounds.values()),
                Trajectory.start_on <= case(bounds, value=Trajectory.max_months))


def _none(model, *where):
    """No row of ``model`` for the trajectory with ``where``: a correlated index probe per row read.

    Written as ``coalesce((SELECT 1 ... LIMIT 1), 0) < 1`` for PostgreSQL's planner: ``NOT EXISTS`` inside an
    OR may become a hash of the whole table, and ``(...) IS NULL`` is guessed to hold for 0.5 % of the rows, so
    a list of what is due looked rare and was read whole and sorted instead of along the index with LIMIT;
    an inequality is guessed at a third, close to what the data show."""
    found = (select(literal(1)).where(model.trajectory_id == Trajectory.id, *where).limit(1).correlate(Trajectory)
             .scalar_subquery())
    return func.coalesce(found, 0) < 1


def _row_columns():
    """Only what the meeting's lists show: number, child, lead worker, dates (no ORM objects)."""
    return (Trajectory.id, Trajectory.ref, Trajectory.family_id, Trajectory.status, Trajectory.start_on,
            Trajectory.max_months, Trajectory.phase2_on, Trajectory.referred_on,
            (Person.given_name + " " + Person.family_name).label("child_name"),
            User.display_name.label("worker_name"))


def _rows(*where):
    return (select(*_row_columns()).outerjoin(Person, Person.id == Trajectory.child_id)
            .outerjoin(User, User.id == Trajectory.lead_worker_id).where(*where))


def _by(*keys: str, nulls_last: bool = False):
    """The ORDER BY of a meeting list on columns named ``keys`` (of a select or of the merged subquery)."""
    def order(cols):
        first = cols[keys[0]].asc()
        return [first.nulls_last() if nulls_last else first, *(cols[k] for k in keys[1:])]
    return order


def _per_team(team_ids: list[int], build, statuses=(None,)) -> list:
    """One select per team (and status): each is an index range scan on (team, status, order) with LIMIT."""
    return [build(Trajectory.team_id == t, *(() if s is None else (Trajectory.status == s,)))
            for t in team_ids for s in statuses]


def _count(*where, cap: int) -> int:
    return count_upto(select(Trajectory.id).where(*where), cap)


def meeting(team_ids: Iterable[int], since: date, today: date, settings: dict, *, pages: dict | None = None) -> dict:
    """For the biweekly meeting, flat in the data size: referrals since ``since``, the waiting count, running
    trajectories near or past their maximum duration, clarifying ones stalled for 30 days, what is due, the
    open fees, and a page of the running trajectories to discuss with the team's last decision.

    The rules (maximum duration, what is due) are conditions in SQL; each list is one page (``pages`` holds
    the page number per list: ``duur``, ``todo``, ``bespreken``) of plain rows with only the columns shown,
    read per team and status in the order of an index (``paginate_union``); the counts stop at a cap
    (``count_upto``), so no query reads every running trajectory of a large team."""
    pages = pages or {}
    team_ids = sorted(set(team_ids))
    mine = Trajectory.team_id.in_(team_ids)
    ongoing = (Trajectory.status == "ongoing",)
    new = paginate_union(_per_team(team_ids, lambda *team: (
        select(Trajectory.id, Trajectory.ref, Trajectory.family_id, Trajectory.referred_on, Trajectory.status,
               Trajectory.referrer_kind, (Person.given_name + " " + Person.family_name).label("child_name"),
               Organisation.name.label("referrer_name"))
        .outerjoin(Person, Person.id == Trajectory.child_id)
        .outerjoin(Organisation, Organisation.id == Trajectory.referrer_org_id)
        .where(*team, Trajectory.referred_on >= since))), _by("referred_on", "id"), 1, MEETING_PAGE).items
    stalled = paginate_union(_per_team(team_ids, lambda *team: _rows(
        *team, Trajectory.phase2_on <= today - timedelta(days=30)), ("clarifying",)),
        _by("phase2_on", "id"), 1, MEETING_PAGE).items
    warn = today + timedelta(days=logic.setting_int(settings, "warn_days"))
    near_end = _by_months(logic.end_of, warn)
    nearing = paginate_union(_per_team(team_ids, lambda *team: _rows(*team, near_end), ("ongoing",)),
                             _by("start_on", "id"), pages.get("duur", 1), MEETING_PAGE)
    sdq_start = and_(Trajectory.start_on <= today - timedelta(days=28),
                     _none(SdqResult, SdqResult.moment == "voor"))
    interim = and_(_by_months(logic.half_way, today), _none(Roundtable, Roundtable.kind == "tussentijds"))
    final_rt = and_(near_end, _none(Roundtable, Roundtable.kind == "eind"))
    sdq_end = and_(near_end, _none(SdqResult, SdqResult.moment == "na"))
    is_due = (Trajectory.start_on.is_not(None), or_(sdq_start, interim, final_rt, sdq_end))
    due_page = paginate_union(_per_team(team_ids, lambda *team: _rows(*team, *is_due).add_columns(
        sdq_start.label("due_sdq_start"), interim.label("due_interim"), final_rt.label("due_final"),
        sdq_end.label("due_sdq_end")), ("ongoing",)), _by("start_on", "id"), pages.get("todo", 1), MEETING_PAGE)
    due_labels = (("due_sdq_start", "SDQ bij de start"), ("due_interim", "Tussentijdse evaluatie"),
                  ("due_final", "Eindevaluatie"), ("due_sdq_end", "SDQ bij de afronding"))
    due = [(r, [label for key, label in due_labels if getattr(r, key)]) for r in due_page.items]
    discuss = discussion(team_ids, pages.get("bespreken", 1))
    durations = {r.id: logic.duration_of(r, settings, today) for r in [*nearing.items, *discuss.items]}
    return dict(new=new, waiting=_count(mine, Trajectory.status == "waiting", cap=HEADER_COUNT_CAP),
                nearing=nearing, n_nearing=_count(mine, *ongoing, near_end, cap=LIST_COUNT_CAP),
                due=due, due_page=due_page, n_due=_count(mine, *ongoing, *is_due, cap=DUE_COUNT_CAP),
                stalled=stalled, durations=durations, open_fees=open_fee_totals(team_ids, LIST_COUNT_CAP),
                n_active=_count(mine, *ongoing, cap=HEADER_COUNT_CAP), discuss=discuss,
                list_cap=LIST_COUNT_CAP, due_cap=DUE_COUNT_CAP, header_cap=HEADER_COUNT_CAP)


def discussion(team_ids: Iterable[int], page: int = 1) -> Page:
    """A page of the trajectories the team follows (waiting, clarifying, running), oldest start first (not
    started last), each with the team's last decision (label and date) looked up for the rows shown only."""
    def last(column, *joins):
        stmt = select(column)
        for j in joins:
            stmt = stmt.join(*j)
        return (stmt.where(TeamDecision.trajectory_id == Trajectory.id).order_by(TeamDecision.id.desc()).limit(1)
                .correlate(Trajectory).scalar_subquery())

    def build(*where):
        return _rows(*where).add_columns(
            last(TeamDecision.decision).label("last_decision"),
            last(TeamMeeting.held_on, (TeamDecision, TeamDecision.meeting_id == TeamMeeting.id))
            .label("last_decided_on"))
    return paginate_union(_per_team(sorted(set(team_ids)), build, ("waiting", *ACTIVE)),
                          _by("start_on", "id", nulls_last=True), page, MEETING_PAGE)


def meeting_of(team_id: int, held_on: date) -> TeamMeeting | None:
    return db.session.scalar(select(TeamMeeting).options(selectinload(TeamMeeting.present))
                             .where(TeamMeeting.team_id == team_id, TeamMeeting.held_on == held_on))


def recent_meetings(team_ids: Iterable[int], limit: int = 10) -> list:
    """The teams' last meetings with their number of decisions (for the links to the minutes)."""
    return list(db.session.execute(
        select(TeamMeeting.id, TeamMeeting.held_on, Team.name.label("team_name"), func.count(TeamDecision.id))
        .join(Team, Team.id == TeamMeeting.team_id).outerjoin(TeamDecision, TeamDecision.meeting_id == TeamMeeting.id)
        .where(TeamMeeting.team_id.in_(list(team_ids)))
        .group_by(TeamMeeting.id, TeamMeeting.held_on, Team.name)
        .order_by(TeamMeeting.held_on.desc(), TeamMeeting.id.desc()).limit(limit)))


def minutes_of(meeting_id: int) -> list:
    """The decisions of one meeting for its minutes: trajectory, child, decision, note (one query)."""
    return list(db.session.execute(
        select(TeamDecision.id, TeamDecision.decision, TeamDecision.note, Trajectory.id.label("trajectory_id"),
               Trajectory.ref, Trajectory.family_id,
               (Person.given_name + " " + Person.family_name).label("child_name"))
        .join(Trajectory, Trajectory.id == TeamDecision.trajectory_id)
        .outerjoin(Person, Person.id == Trajectory.child_id)
        .where(TeamDecision.meeting_id == meeting_id).order_by(Trajectory.ref, TeamDecision.id)))


def decisions_of(trajectory_id: int, limit: int | None = None) -> list[TeamDecision]:
    """The team's decisions about a trajectory, newest first (the last ``limit``, or all)."""
    return list(db.session.scalars(
        select(TeamDecision).options(joinedload(TeamDecision.meeting))
        .where(TeamDecision.trajectory_id == trajectory_id).order_by(TeamDecision.id.desc()).limit(limit)))


# --------------------------------------------------------------------------- supervision and concerns


def supervisions_of(worker_id: int, team_ids: Iterable[int]) -> list[Supervision]:
    return list(db.session.scalars(
        select(Supervision).options(joinedload(Supervision.manager))
        .where(Supervision.worker_id == worker_id, Supervision.team_id.in_(list(team_ids)))
        .order_by(Supervision.held_on.desc(), Supervision.id.desc())))


def concerns_of(trajectory_id: int) -> list[Concern]:
    return list(db.session.scalars(
        select(Concern).options(selectinload(Concern.steps).joinedload(ConcernStep.by), joinedload(Concern.raised_by))
        .where(Concern.trajectory_id == trajectory_id).order_by(Concern.raised_on.desc(), Concern.id.desc())))


def open_concerns(team_ids: Iterable[int], limit: int = 10) -> tuple[list, int]:
    """The open concerns of these teams (oldest first, ``limit`` rows) and how many there are."""
    where = (Concern.status == "open", Trajectory.team_id.in_(list(team_ids)))
    last_step = (select(func.max(ConcernStep.on_date)).where(ConcernStep.concern_id == Concern.id)
                 .correlate(Concern).scalar_subquery())
    rows = list(db.session.execute(
        select(Concern.id, Concern.raised_on, Trajectory.id.label("trajectory_id"), Trajectory.ref,
               Trajectory.family_id, last_step.label("last_step_on"))
        .join(Trajectory, Trajectory.id == Concern.trajectory_id).where(*where)
        .order_by(Concern.raised_on, Concern.id).limit(limit)))
    total = db.session.scalar(select(func.count()).select_from(Concern)
                              .join(Trajectory, Trajectory.id == Concern.trajectory_id).where(*where))
    return rows, total


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
    per_kind_closed = dict(db.session.execute(  # from the start on: clarifying talks are not support
        select(Contact.kind, func.count()).join(Trajectory, Trajectory.id == Contact.trajectory_id)
        .where(Contact.trajectory_id.in_(closed_ids), Contact.on_date >= Trajectory.start_on)
        .group_by(Contact.kind)).all())
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
    fees_summary = fee_figures(team_ids, Period(first, last, str(year)))
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


# --------------------------------------------------------------------------- the agenda and "Mijn werk"


def planned_roundtables(trajectory_id: int, *, upcoming_only: bool = False) -> list:
    """The roundtables planned ahead for a trajectory (appointments in the core's agenda, not yet held nor
    cancelled), soonest first; ``upcoming_only``: those that have not started yet."""
    from core.agenda import planned_for

    planned = planned_for("petra_trajectory", trajectory_id)
    if upcoming_only:
        now = datetime.now()
        planned = [a for a in planned if a.starts_at >= now]
    return planned


def my_trajectories(user_id: int, team_ids: Iterable[int]) -> list[Trajectory]:
    """The active trajectories ``user_id`` leads or co-leads in ``team_ids`` (one query, once per request:
    "Mijn werk" asks it for what is due and for the caseload)."""
    from core.plugins import once_per_request

    teams = tuple(sorted(team_ids))
    return once_per_request(("petra.my_trajectories", user_id, teams), lambda: _my_trajectories(user_id, teams))


def _my_trajectories(user_id: int, team_ids: Iterable[int]) -> list[Trajectory]:
    from sqlalchemy import or_

    return list(db.session.scalars(
        select(Trajectory).options(joinedload(Trajectory.child), joinedload(Trajectory.fee))
        .where(Trajectory.team_id.in_(list(team_ids)), Trajectory.status.in_(ACTIVE),
               or_(Trajectory.lead_worker_id == user_id, Trajectory.second_worker_id == user_id))
        .order_by(Trajectory.ref)).unique())


def due_for(user_id: int, team_ids: Iterable[int], until: date, settings: dict, today: date) -> list[tuple]:
    """What is due on or before ``until`` in the trajectories ``user_id`` (co-)leads: ``(trajectory, label,
    due date)``. Four queries, whatever the caseload."""
    from core.work import Appointment

    mine = my_trajectories(user_id, team_ids)
    ids = [t.id for t in mine]
    if not ids:
        return []
    sdq_moments: dict[int, set] = {i: set() for i in ids}
    rt_kinds: dict[int, set] = {i: set() for i in ids}
    for tid, inf, mom in db.session.execute(select(SdqResult.trajectory_id, SdqResult.informant, SdqResult.moment)
                                            .where(SdqResult.trajectory_id.in_(ids))):
        sdq_moments[tid].add((inf, mom))
    for tid, kind in db.session.execute(select(Roundtable.trajectory_id, Roundtable.kind)
                                        .where(Roundtable.trajectory_id.in_(ids))):
        rt_kinds[tid].add(kind)
    planned: dict[int, list] = {i: [] for i in ids}
    for a in db.session.scalars(select(Appointment).where(
            Appointment.object_type == "petra_trajectory", Appointment.object_id.in_(ids),
            Appointment.status == "planned")):
        planned[a.object_id].append(a)
    out = []
    for t in mine:
        for label, due in logic.dated_due_items(t, sdq_moments[t.id], rt_kinds[t.id],
                                                {a.subkind for a in planned[t.id]}, settings, today):
            if due <= until:
                out.append((t, label, due))
        for a in planned[t.id]:
            if a.starts_at.date() < today:
                out.append((t, "Rondetafel registreren", a.starts_at.date()))
    return out

# --------------------------------------------------------------------------- billable work and fees (core.finance)

# Group sessions are the groups plugin's work: it reports them once per programme (``hvhk_billable_hours``),
# so a child's "groepssessie" contact is not billed again here.
GROUP_CONTACT_KINDS = ("groepssessie",)


def billable_units(period) -> Select:
    """Every trajectory active in ``period``, with a contact in it or with a fee due or paid in it, with the
    columns of ``core.finance.UNIT_COLUMNS`` (no names). A ``Select``: the core and costing aggregate it."""
    in_period = and_(Contact.on_date >= period.start, Contact.on_date <= period.end)
    # correlated (the trajectory's contacts by its index), not "id IN (every contact of the period)": in an
    # OR, PostgreSQL cannot hash half a million contact ids within work_mem and would rescan them per row
    has_contact = (select(Contact.id).where(Contact.trajectory_id == Trajectory.id, in_period,
                                            Contact.kind.not_in(GROUP_CONTACT_KINDS)).exists())
    active = and_(Trajectory.start_on.is_not(None), Trajectory.start_on <= period.end,
                  or_(Trajectory.closed_on.is_(None), Trajectory.closed_on >= period.start))
    fee_in = or_(Fee.due_on.between(period.start, period.end), Fee.paid_on.between(period.start, period.end))
    status_label = case(*((Trajectory.status == k, literal(v)) for k, v in STATUSES), else_=Trajectory.status)
    return (select(literal("trajectory").label("kind"), Trajectory.id.label("unit_id"), Trajectory.ref.label("ref"),
                   Trajectory.team_id.label("team_id"), Trajectory.start_on.label("start"),
                   Trajectory.closed_on.label("end"), Trajectory.status.label("status"),
                   status_label.label("status_label"), Trajectory.age_group.label("age_group"),
                   Fee.amount.label("fee_due"), Fee.due_on.label("fee_due_on"),
                   case((Fee.paid_on.is_not(None), func.coalesce(Fee.paid_amount, Fee.amount))).label("fee_paid"),
                   Fee.paid_on.label("fee_paid_on"), func.coalesce(Fee.waived, False).label("fee_waived"))
            .outerjoin(Fee, Fee.trajectory_id == Trajectory.id)
            .where(or_(active, fee_in, has_contact)))


def billable_hours(period) -> Select:
    """Hours per trajectory and contact kind in ``period`` (group sessions left out: see above)."""
    return (select(literal("trajectory").label("kind"), Contact.trajectory_id.label("unit_id"),
                   Contact.kind.label("activity"),
                   func.round(cast(func.sum(Contact.minutes) / literal(60.0, Numeric(4, 1)), Numeric(12, 4)), 2)
                   .label("hours"))
            .where(Contact.on_date >= period.start, Contact.on_date <= period.end,
                   Contact.kind.not_in(GROUP_CONTACT_KINDS))
            .group_by(Contact.trajectory_id, Contact.kind))


def fee_figures(team_ids: Iterable[int], period=None):
    """The fee figures (due, paid, waived, open; ``core.finance``) of the teams' trajectories in ``period``
    (default: every fee ever, the open fees list). One query, the house's one definition."""
    period = period or finance.all_time()
    return finance.fee_figures(billable_units(period), period, team_ids=set(team_ids))

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


def roundtable_attendees(appointment_ids: Iterable[int], org_id: int | None = None) -> dict[int, list[RoundtableAttendee]]:
    """Who of a partner organisation (``org_id``, else every organisation) confirmed to attend each roundtable
    planned ahead (appointment id → attendees, in the order they were confirmed). One query."""
    ids = list(appointment_ids)
    out: dict[int, list[RoundtableAttendee]] = {i: [] for i in ids}
    if not ids:
        return out
    stmt = (select(RoundtableAttendee).options(joinedload(RoundtableAttendee.organisation))
            .where(RoundtableAttendee.appointment_id.in_(ids)).order_by(RoundtableAttendee.id))
    if org_id is not None:
        stmt = stmt.where(RoundtableAttendee.organisation_id == org_id)
    for a in db.session.scalars(stmt):
        out[a.appointment_id].append(a)
    return out


def school_goals(trajectory_id: int) -> list[PlanGoal]:
    """The plan's goals for the school, with their actions."""
    return list(db.session.scalars(select(PlanGoal).options(selectinload(PlanGoal.actions))
                                   .where(PlanGoal.trajectory_id == trajectory_id, PlanGoal.party == "school")
                                   .order_by(PlanGoal.position, PlanGoal.id)))
