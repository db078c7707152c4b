"""Actual figures: the other plugins' billable work (``hvhk_billable_work`` rows) aggregated against a cost
model. Pure, like ``calculation.py``: no database, no Flask; ``queries.actual_costs`` gathers the rows.

The plugins answer with pseudonymous references only; nothing here ever sees a name.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

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


def _day(v) -> date | None:
    if isinstance(v, datetime):
        return v.date()
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

    @property
    def kind_label(self) -> str:
        return KIND_LABELS.get(self.kind, self.kind)


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
    fee_due: Decimal = Decimal(0)
    fee_income: Decimal = Decimal(0)
    waived: int = 0
    revenue: Decimal = Decimal(0)  # started trajectories at the fixed price
    model_cost: Decimal = Decimal(0)  # started trajectories at method 1's cost per trajectory

    @property
    def difference(self) -> Decimal:
        return self.model_cost - self.cost


@dataclass
class Actuals:
    period: Period
    units: list[UnitActual]
    teams: list[TeamActual]
    activity_kinds: list[str]
    fee_by_month: list[tuple[str, Decimal]] = field(default_factory=list)
    fees_full: int = 0  # trajectories whose fee due is the full fee
    fees_reduced: int = 0  # ... the reduced (VT) fee

    @property
    def reduced_share_pct(self) -> Decimal | None:
        """The share of trajectories at the reduced fee, to hold against the model's VT share."""
        n = self.fees_full + self.fees_reduced
        return None if n == 0 else (Decimal(100) * self.fees_reduced / n).quantize(Decimal("0.1"))

    @property
    def total(self) -> TeamActual:
        t = TeamActual(None, "Totaal")
        for x in self.teams:
            for name in ("started", "running", "closed", "group_programmes", "waived"):
                setattr(t, name, getattr(t, name) + getattr(x, name))
            for name in ("hours_total", "cost", "fee_due", "fee_income", "revenue", "model_cost"):
                setattr(t, name, getattr(t, name) + getattr(x, name))
        return t


MONTHS = ["jan", "feb", "mrt", "apr", "mei", "jun", "jul", "aug", "sep", "okt", "nov", "dec"]


def compute(rows: list[dict], period: Period, inputs: Inputs, team_ids: set[int] | None = None) -> Actuals:
    """Aggregate billable work. ``team_ids`` restricts to those teams (None: every team)."""
    m1 = method1(inputs, "corrected")
    m2 = method2(inputs, "corrected")
    rate = inputs.hourly_rate
    units: list[UnitActual] = []
    teams: dict[int | None, TeamActual] = {}
    kinds: set[str] = set()
    fee_month: dict[tuple[int, int], Decimal] = defaultdict(Decimal)
    fees_full = fees_reduced = 0
    for r in rows:
        team_id = r.get("team_id")
        if team_ids is not None and team_id not in team_ids:
            continue
        hours = {str(k): _dec(v) for k, v in (r.get("hours") or {}).items()}
        kinds.update(hours)
        total_h = sum(hours.values(), Decimal(0))
        start, end = _day(r.get("start")), _day(r.get("end"))
        kind = r.get("kind") or "trajectory"
        age = r.get("age_group")
        started = kind == "trajectory" and period.contains(start)
        model_cost = None
        if kind == "trajectory":
            model_cost = m2.under_12 if age == "lager" else m2.over_12 if age == "secundair" else None
        fee_paid = None if r.get("fee_paid") is None else _dec(r.get("fee_paid"))
        fee_due = None if r.get("fee_due") is None else _dec(r.get("fee_due"))
        paid_on = _day(r.get("fee_paid_on"))
        u = UnitActual(kind, str(r.get("ref") or ""), team_id, str(r.get("team") or ""), start, end,
                       str(r.get("status_label") or r.get("status") or ""), age, hours, total_h, money(total_h * rate), fee_due,
                       fee_paid, bool(r.get("fee_waived")), paid_on, started, model_cost)
        units.append(u)
        t = teams.get(team_id)
        if t is None:
            t = teams[team_id] = TeamActual(team_id, u.team)
        t.hours_total += total_h
        t.cost += u.cost
        if kind == "trajectory":
            if started:
                t.started += 1
                t.revenue += inputs.fixed_price
                t.model_cost += m1.per_trajectory
            if end is not None and period.contains(end):
                t.closed += 1
            elif start is not None and start <= period.end and (end is None or end > period.end):
                t.running += 1
            if u.fee_waived:
                t.waived += 1
            if fee_due is not None:
                t.fee_due += fee_due
                if fee_due == inputs.fee_full:
                    fees_full += 1
                elif fee_due == inputs.fee_reduced:
                    fees_reduced += 1
        else:
            t.group_programmes += 1
        if fee_paid is not None:
            day = paid_on or start
            if day is None or period.contains(day):
                t.fee_income += fee_paid
                if day is not None:
                    fee_month[(day.year, day.month)] += fee_paid
    # every month of the period, also the empty ones
    months: list[tuple[str, Decimal]] = []
    y, m = period.start.year, period.start.month
    while (y, m) <= (period.end.year, period.end.month) and len(months) < 120:
        label = MONTHS[m - 1] if period.start.year == period.end.year else f"{MONTHS[m - 1]} {y % 100:02d}"
        months.append((label, fee_month.get((y, m), Decimal(0))))
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    units.sort(key=lambda u: (u.team, u.kind, u.ref))
    ordered_kinds = [k for k in ACTIVITY_LABELS if k in kinds] + sorted(k for k in kinds if k not in ACTIVITY_LABELS)
    return Actuals(period, units, sorted(teams.values(), key=lambda t: t.team), ordered_kinds, months,
                   fees_full, fees_reduced)
