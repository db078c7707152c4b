"""Actual figures: the other plugins' billable work (``hvhk_billable_units`` / ``hvhk_billable_hours``, as
SQL selects gathered by ``core.finance.billable_work``) aggregated against a cost model, in SQL: a constant
number of queries and only the rows shown (or streamed into the cost sheet) ever reach Python.

The plugins answer with pseudonymous references only; nothing here ever sees a name. Group work is reported
once per programme by the plugin that runs the group, never per child.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Select, String, and_, case, cast, func, literal, null, or_, select, union_all

from core.extensions import db
from core.finance import (
    FEE_STATUS_LABELS,
    BillableWork,
    FeeFigures,
    fee_columns,
    fee_paid_by_month,
    fee_status,
    figures_from_row,
)
from core.models import Team
from core.ui import Period
from core.vocabulary import AGE_GROUP_LABELS

from .calculation import Inputs, method1, method2, money

KIND_LABELS = {"trajectory": "Traject", "group_programme": "Groepsprogramma"}
ACTIVITY_LABELS = {
    "rondetafel": "Rondetafel",
    "sessie_kind": "Sessie met kind",
    "gesprek_ouders": "Gesprek met ouders",
    "gesprek_ouder": "Gesprek met ouders",
    "schoolcontact": "Schoolcontact",
    "contact_school": "Contact met school",
    "telefoon_online": "Telefonisch of online",
    "groepssessie": "Groepssessie",
    "infomoment": "Infomoment",
    "toonmoment": "Toonmoment",
    "meerdaagse": "Meerdaagse (weekend of kamp)",
    "groepsbijeenkomst": "Groepsbijeenkomst",
    "groepsdag": "Groepsdag",
    "groepsweekend": "Groepsweekend",
    "ouder_kind": "Ouder-kindactiviteit",
    "kennismaking": "Kennismaking",
    "evaluatie": "Evaluatie",
    "voorbereiding": "Voorbereiding",
}
AGE_LABELS = AGE_GROUP_LABELS  # the core's vocabulary


def activity_label(kind: str) -> str:
    return ACTIVITY_LABELS.get(kind, kind.replace("_", " ").capitalize())


def _dec(v) -> Decimal:
    if v is None:
        return Decimal(0)
    return v if isinstance(v, Decimal) else Decimal(str(v))


def _money_or_none(v) -> Decimal | None:
    return None if v is None else money(_dec(v))


def _hours(v) -> Decimal:
    return _dec(v).quantize(Decimal("0.01"))


def _day(v) -> date | None:
    if isinstance(v, datetime):
        return v.date()
    if isinstance(v, str) and v:  # SQLite hands back a date of a UNION as text
        return date.fromisoformat(v[:10])
    return v if isinstance(v, date) else None


@dataclass
class UnitActual:
    kind: str
    ref: str
    team_id: int | None
    team: str
    start: date | None
    end: date | None
    status: str
    age_group: str | None
    hours: dict[str, Decimal]
    hours_total: Decimal
    cost: Decimal
    fee_due: Decimal | None
    fee_paid: Decimal | None
    fee_waived: bool
    fee_paid_on: date | None
    started_in_period: bool
    model_cost: Decimal | None  # method 2 for its age group (trajectories only)
    fee_due_on: date | None = None
    fee_status: str | None = None  # open / paid / waived (core.finance)

    @property
    def kind_label(self) -> str:
        return KIND_LABELS.get(self.kind, self.kind)

    @property
    def fee_status_label(self) -> str:
        return FEE_STATUS_LABELS.get(self.fee_status or "", "")


@dataclass
class TeamActual:
    team_id: int | None
    team: str
    started: int = 0
    running: int = 0
    closed: int = 0
    group_programmes: int = 0
    hours_total: Decimal = Decimal(0)
    cost: Decimal = Decimal(0)
    fees: FeeFigures = field(default_factory=FeeFigures)
    revenue: Decimal = Decimal(0)  # started trajectories at the fixed price
    model_cost: Decimal = Decimal(0)  # started trajectories at method 1's cost per trajectory
    model_cost_m2: Decimal = Decimal(0)  # every trajectory in the list at method 2's cost of its age group
    units: int = 0

    @property
    def fee_due(self) -> Decimal:
        return self.fees.due

    @property
    def fee_income(self) -> Decimal:
        return self.fees.paid

    @property
    def waived(self) -> int:
        return self.fees.waived_n

    @property
    def difference(self) -> Decimal:
        return self.model_cost - self.cost


def _add_fees(a: FeeFigures, b: FeeFigures) -> FeeFigures:
    return FeeFigures(**{k: getattr(a, k) + getattr(b, k) for k in a.__dataclass_fields__})


@dataclass
class Actuals:
    period: Period
    teams: list[TeamActual]
    activity_kinds: list[str]
    fee_by_month: list[tuple[str, Decimal]] = field(default_factory=list)
    fees_full: int = 0  # trajectories whose fee due is the full fee
    fees_reduced: int = 0  # ... the reduced (VT) fee
    unit_count: int = 0

    @property
    def reduced_share_pct(self) -> Decimal | None:
        """The share of trajectories at the reduced fee, to hold against the model's VT share."""
        n = self.fees_full + self.fees_reduced
        return None if n == 0 else (Decimal(100) * self.fees_reduced / n).quantize(Decimal("0.1"))

    @property
    def total(self) -> TeamActual:
        t = TeamActual(None, "Totaal")
        for x in self.teams:
            for name in ("started", "running", "closed", "group_programmes", "units"):
                setattr(t, name, getattr(t, name) + getattr(x, name))
            for name in ("hours_total", "cost", "revenue", "model_cost", "model_cost_m2"):
                setattr(t, name, getattr(t, name) + getattr(x, name))
            t.fees = _add_fees(t.fees, x.fees)
        return t


MONTHS = ["jan", "feb", "mrt", "apr", "mei", "jun", "jul", "aug", "sep", "okt", "nov", "dec"]


# --------------------------------------------------------------------------- SQL


def _scoped(units, team_ids: set[int] | None):
    return [] if team_ids is None else [units.c.team_id.in_(list(team_ids) or [-1])]


def compute(work: BillableWork, inputs: Inputs, team_ids: set[int] | None = None) -> Actuals:
    """The figures of ``work`` per team against ``inputs`` (``team_ids`` restricts; None: every team).
    Five queries whatever the data size: teams' counts and fees, hours per team and activity, cost per team
    (each unit's hours at the rate, rounded to the cent as the cost sheet does), fees per month, team names."""
    period = work.period
    if work.units is None:
        return Actuals(period, [], [], _months(period, {}))
    m1 = method1(inputs, "corrected")
    m2 = method2(inputs, "corrected")
    units = work.units.subquery("units")
    c = units.c
    traj = c.kind == "trajectory"

    def n(cond):
        return func.coalesce(func.sum(case((cond, 1), else_=0)), 0)

    started = and_(traj, c.start.is_not(None), c.start >= period.start, c.start <= period.end)
    closed = and_(traj, c.end.is_not(None), c.end >= period.start, c.end <= period.end)
    running = and_(traj, ~closed, c.start.is_not(None), c.start <= period.end,
                   or_(c.end.is_(None), c.end > period.end))
    rows = db.session.execute(
        select(c.team_id, n(literal(True)).label("units"), n(started).label("started"), n(running).label("running"),
               n(closed).label("closed"), n(~traj).label("group_programmes"),
               n(and_(traj, c.age_group == "lager")).label("lager"),
               n(and_(traj, c.age_group == "secundair")).label("secundair"),
               n(and_(traj, c.fee_due == inputs.fee_full)).label("fees_full"),
               n(and_(traj, c.fee_due == inputs.fee_reduced, c.fee_due != inputs.fee_full)).label("fees_reduced"),
               *fee_columns(units, period))
        .where(*_scoped(units, team_ids)).group_by(c.team_id)).all()
    teams: dict[int | None, TeamActual] = {}
    fees_full = fees_reduced = 0
    for r in rows:
        t = teams[r.team_id] = TeamActual(r.team_id, "", int(r.started), int(r.running), int(r.closed),
                                          int(r.group_programmes), units=int(r.units))
        t.fees = figures_from_row(r)
        t.revenue = inputs.fixed_price * t.started
        t.model_cost = m1.per_trajectory * t.started
        t.model_cost_m2 = m2.under_12 * int(r.lager) + m2.over_12 * int(r.secundair)
        fees_full += int(r.fees_full)
        fees_reduced += int(r.fees_reduced)
    kinds: set[str] = set()
    if work.hours is not None and teams:
        # one statement, the hours summed once (a CTE used twice): per team and activity, and per team the
        # cost of each unit's hours at the rate, rounded per unit to the cent as the cost sheet does
        h = work.hours.subquery("hours")
        j = (select(c.team_id, h.c.kind, h.c.unit_id, h.c.activity, h.c.hours)
             .join(h, and_(h.c.kind == c.kind, h.c.unit_id == c.unit_id)).where(*_scoped(units, team_ids))
             .cte("unit_hours"))
        per_unit = (select(j.c.team_id, func.sum(j.c.hours).label("total"))
                    .group_by(j.c.team_id, j.c.kind, j.c.unit_id).subquery("per_unit"))
        by_activity = select(literal(1).label("part"), j.c.team_id, j.c.activity,
                             func.sum(j.c.hours).label("amount")).group_by(j.c.team_id, j.c.activity)
        cost = select(literal(2).label("part"), per_unit.c.team_id, cast(null(), String).label("activity"),
                      func.sum(func.round(per_unit.c.total * inputs.hourly_rate, 2)).label("amount")
                      ).group_by(per_unit.c.team_id)
        for part, team_id, activity, amount in db.session.execute(union_all(by_activity, cost)):
            if part == 1:
                kinds.add(activity)
                teams[team_id].hours_total += _hours(amount)
            else:
                teams[team_id].cost = money(_dec(amount))
    names = dict(db.session.execute(select(Team.id, Team.name).where(Team.id.in_([i for i in teams if i]))).all())
    for t in teams.values():
        t.team = names.get(t.team_id, "")
    months = _months(period, fee_paid_by_month(work.units, period, team_ids))
    ordered = [k for k in ACTIVITY_LABELS if k in kinds] + sorted(k for k in kinds if k not in ACTIVITY_LABELS)
    return Actuals(period, sorted(teams.values(), key=lambda t: t.team), ordered, months, fees_full, fees_reduced,
                   sum(t.units for t in teams.values()))


def _months(period: Period, by_month: dict[tuple[int, int], Decimal]) -> list[tuple[str, Decimal]]:
    """Every month of the period (at most 120), also the empty ones."""
    months: list[tuple[str, Decimal]] = []
    y, m = period.start.year, period.start.month
    while (y, m) <= (period.end.year, period.end.month) and len(months) < 120:
        label = MONTHS[m - 1] if period.start.year == period.end.year else f"{MONTHS[m - 1]} {y % 100:02d}"
        months.append((label, by_month.get((y, m), Decimal(0))))
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return months


def units_select(work: BillableWork, activity_kinds: list[str], team_ids: set[int] | None = None) -> Select:
    """The units with their team's name and hours per activity (one column ``h0``, ``h1``... per kind of
    ``activity_kinds``), ordered by team, kind and reference: one row per unit, only the columns shown."""
    units = work.units.subquery("units")
    c = units.c
    cols = [c.kind, c.unit_id, c.ref, c.team_id, Team.name.label("team"), c.start, c.end, c.status_label,
            c.age_group, c.fee_due, c.fee_due_on, c.fee_paid, c.fee_paid_on, c.fee_waived,
            fee_status(units).label("fee_status")]
    stmt = select(*cols).outerjoin(Team, Team.id == c.team_id)
    if work.hours is not None and activity_kinds:
        h = work.hours.subquery("hours")
        pivot = select(h.c.kind, h.c.unit_id,
                       *[func.sum(case((h.c.activity == k, h.c.hours))).label(f"h{i}")
                         for i, k in enumerate(activity_kinds)]).group_by(h.c.kind, h.c.unit_id).subquery("pivot")
        stmt = stmt.add_columns(*[pivot.c[f"h{i}"] for i in range(len(activity_kinds))]).outerjoin(
            pivot, and_(pivot.c.kind == c.kind, pivot.c.unit_id == c.unit_id))
    return stmt.where(*_scoped(units, team_ids)).order_by(Team.name, c.kind, c.ref, c.unit_id)


def unit_of(row, period: Period, inputs: Inputs, activity_kinds: list[str], m2=None,
            hours: dict[str, Decimal] | None = None) -> UnitActual:
    """One row of ``units_select`` as a ``UnitActual`` (``hours``: per activity, when the row has no ``h0``...)."""
    m2 = m2 or method2(inputs, "corrected")
    if hours is None:
        hours = {}
        for i, k in enumerate(activity_kinds):
            v = getattr(row, f"h{i}", None)
            if v is not None:
                hours[k] = _hours(v)
    total = sum(hours.values(), Decimal(0))
    start, end = _day(row.start), _day(row.end)
    model_cost = None
    if row.kind == "trajectory":
        model_cost = m2.under_12 if row.age_group == "lager" else m2.over_12 if row.age_group == "secundair" else None
    return UnitActual(row.kind, str(row.ref or ""), row.team_id, str(row.team or ""), start, end,
                      str(row.status_label or ""), row.age_group, hours, total, money(total * inputs.hourly_rate),
                      _money_or_none(row.fee_due), _money_or_none(row.fee_paid), bool(row.fee_waived),
                      _day(row.fee_paid_on), row.kind == "trajectory" and period.contains(start), model_cost,
                      _day(row.fee_due_on), row.fee_status)


def _team_units(work: BillableWork, team: TeamActual, offset: int, limit: int) -> list:
    """Units of one team in the page's order (kind, reference), from ``offset``: the team's condition reaches
    the plugins' selects (their team index), and only these rows are read; no hours (``_hours_of``)."""
    units = work.units.subquery("units")
    c = units.c
    cond = c.team_id.is_(None) if team.team_id is None else c.team_id == team.team_id
    stmt = (select(c.kind, c.unit_id, c.ref, c.team_id, literal(team.team).label("team"), c.start, c.end,
                   c.status_label, c.age_group, c.fee_due, c.fee_due_on, c.fee_paid, c.fee_paid_on, c.fee_waived,
                   fee_status(units).label("fee_status"))
            .where(cond).order_by(c.kind, c.ref, c.unit_id).offset(offset).limit(limit))
    return db.session.execute(stmt).all()


def _hours_of(work: BillableWork, rows) -> dict[tuple[str, int], dict[str, Decimal]]:
    """Hours per activity of just these units (one query; the condition on the units reaches the plugins'
    grouped selects, so only their rows are summed)."""
    out: dict[tuple[str, int], dict[str, Decimal]] = {(r.kind, r.unit_id): {} for r in rows}
    if work.hours is None or not rows:
        return out
    # by id only, every plugin's branch by its own index; the kind is matched here. A condition on the kind
    # would leave the other plugins' branches with a constant false, which PostgreSQL still plans as a
    # (parallel) scan of all their rows before it finds out
    h = work.hours.subquery("hours")
    every_id = sorted({r.unit_id for r in rows})
    for kind, unit_id, activity, hours in db.session.execute(
            select(h.c.kind, h.c.unit_id, h.c.activity, func.sum(h.c.hours))
            .where(h.c.unit_id.in_(every_id)).group_by(h.c.kind, h.c.unit_id, h.c.activity)):
        if hours is not None and (kind, unit_id) in out:
            out[(kind, unit_id)][activity] = _hours(hours)
    return out


def unit_page(work: BillableWork, inputs: Inputs, result: Actuals, number: int,
              per_page: int) -> tuple[list[UnitActual], bool]:
    """One page of units, by team name, kind and reference, and whether there is a next one. The teams'
    unit counts (``result``, the figures of the same work and teams) say which teams the page falls in; only
    those teams' rows of the page are read (LIMIT/OFFSET within a team), and only their hours."""
    if work.units is None:
        return [], False
    skip, need = (number - 1) * per_page, per_page + 1
    rows: list = []
    for team in result.teams:
        if skip >= team.units:
            skip -= team.units
            continue
        rows += _team_units(work, team, skip, need - len(rows))
        skip = 0
        if len(rows) >= need:
            break
    shown = rows[:per_page]
    hours = _hours_of(work, shown)
    m2 = method2(inputs, "corrected")
    return ([unit_of(r, work.period, inputs, result.activity_kinds, m2, hours[(r.kind, r.unit_id)]) for r in shown],
            len(rows) > per_page)


def stream_units(work: BillableWork, inputs: Inputs, activity_kinds: list[str], team_ids=None,
                 batch: int = 1000) -> Iterator[UnitActual]:
    """Every unit, read from a server-side cursor in batches (memory bounded whatever the count)."""
    if work.units is None:
        return
    m2 = method2(inputs, "corrected")
    stmt = units_select(work, activity_kinds, team_ids).execution_options(stream_results=True, yield_per=batch)
    for row in db.session.execute(stmt):
        yield unit_of(row, work.period, inputs, activity_kinds, m2)

