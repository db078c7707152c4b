"""Billable work and fee figures: one definition of each figure, in SQL, for every page and export.

A plugin that does billable work answers two hooks with a SQLAlchemy ``Select`` (never rows, so the
figures are computed in the database, flat in the data size):

- ``hvhk_billable_units(period)`` -> a ``Select`` with the columns of ``UNIT_COLUMNS``, one row per unit of
  work (a trajectory, a group programme) that is active in the period *or* has a fee due or paid in it;
- ``hvhk_billable_hours(period)`` -> a ``Select`` with the columns of ``HOUR_COLUMNS``: staff hours in the
  period per unit and activity. Work done for a group is reported once, by the plugin that runs the group
  (per programme), never again per child.

The fee figures (``FEE_DEFINITIONS``; PeTra's fee list and year overview, the costing actual-cost page, the
cost sheet and the house's report all use them):

- **due** in a period: fees whose due date (the start of the trajectory) lies in the period and that were
  not waived; the amount due.
- **paid** in a period: payments whose **payment date** lies in the period (cash basis: a payment is counted
  in the period it was received, whatever period the fee was due in); the amount received.
- **waived** in a period: fees due in the period that were waived; the amount they would have been.
- **open**: fees due in the period that are neither paid nor waived (today); the amount due.

The cost sheet writes the same rules as ``SUMIFS`` over its rows, so the workbook agrees with the pages.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import Select, and_, case, func, literal, null, select, union_all
from sqlalchemy.sql import ColumnElement

from .extensions import db
from .ui import Period

log = logging.getLogger("hvhk.finance")

UNIT_COLUMNS = ("kind", "unit_id", "ref", "team_id", "start", "end", "status", "status_label", "age_group",
                "fee_due", "fee_due_on", "fee_paid", "fee_paid_on", "fee_waived")
HOUR_COLUMNS = ("kind", "unit_id", "activity", "hours")

FEE_DEFINITIONS = {
    "due": ("Bijdragen verschuldigd", "bijdragen met een vervaldatum (de start van het traject) in de periode, "
                                      "niet kwijtgescholden; het verschuldigde bedrag"),
    "paid": ("Bijdragen betaald", "betalingen met een betaaldatum in de periode (ongeacht wanneer de bijdrage "
                                  "verschuldigd was); het ontvangen bedrag"),
    "waived": ("Bijdragen kwijtgescholden", "bijdragen met een vervaldatum in de periode die kwijtgescholden "
                                            "zijn; het bedrag dat verschuldigd zou zijn"),
    "open": ("Bijdragen open", "bijdragen met een vervaldatum in de periode, nog niet betaald en niet "
                               "kwijtgescholden; het verschuldigde bedrag"),
}
FEE_STATUS_LABELS = {"open": "open", "paid": "betaald", "waived": "kwijtgescholden"}


@dataclass(frozen=True)
class FeeFigures:
    """Counts and amounts of the fee figures of one period (see the module's definitions)."""

    due_n: int = 0
    due: Decimal = Decimal(0)
    paid_n: int = 0
    paid: Decimal = Decimal(0)
    waived_n: int = 0
    waived: Decimal = Decimal(0)
    open_n: int = 0
    open: Decimal = Decimal(0)

    def as_rows(self) -> list[tuple[str, str, int, Decimal]]:
        """(key, Dutch label, count, amount) in the order the pages show them."""
        return [(k, FEE_DEFINITIONS[k][0], getattr(self, f"{k}_n"), getattr(self, k)) for k in FEE_DEFINITIONS]


def _in(column, period: Period) -> ColumnElement:
    return and_(column.is_not(None), column >= period.start, column <= period.end)


def fee_status(units) -> ColumnElement:
    """``paid`` / ``waived`` / ``open`` of each unit's fee (NULL without a fee)."""
    return case((units.c.fee_due.is_(None), null()), (units.c.fee_waived.is_(True), literal("waived")),
                (units.c.fee_paid_on.is_not(None), literal("paid")), else_=literal("open"))


def fee_columns(units, period: Period) -> list[ColumnElement]:
    """The aggregate expressions of the four figures over ``units`` (a subquery with ``UNIT_COLUMNS``)."""
    c = units.c
    due_in = _in(c.fee_due_on, period)
    not_waived = c.fee_waived.is_(False)

    def count(cond):
        return func.coalesce(func.sum(case((cond, 1), else_=0)), 0)

    def amount(cond, col):
        return func.coalesce(func.sum(case((cond, col), else_=0)), 0)

    paid_in = _in(c.fee_paid_on, period)
    is_open = and_(due_in, not_waived, c.fee_paid_on.is_(None), c.fee_due.is_not(None))
    waived = and_(due_in, c.fee_waived.is_(True), c.fee_due.is_not(None))
    due = and_(due_in, not_waived, c.fee_due.is_not(None))
    return [count(due).label("due_n"), amount(due, c.fee_due).label("due"),
            count(and_(paid_in, c.fee_paid.is_not(None))).label("paid_n"),
            amount(paid_in, func.coalesce(c.fee_paid, 0)).label("paid"),
            count(waived).label("waived_n"), amount(waived, c.fee_due).label("waived"),
            count(is_open).label("open_n"), amount(is_open, c.fee_due).label("open")]


def figures_from_row(row) -> FeeFigures:
    def dec(v):
        return Decimal(str(v or 0)).quantize(Decimal("0.01"))

    return FeeFigures(int(row.due_n or 0), dec(row.due), int(row.paid_n or 0), dec(row.paid),
                      int(row.waived_n or 0), dec(row.waived), int(row.open_n or 0), dec(row.open))


def fee_figures(units_select: Select, period: Period, team_ids=None) -> FeeFigures:
    """The four fee figures of ``period`` over one plugin's (or the union's) billable units; ``team_ids``
    restricts to those teams (None: every team). One query."""
    units = units_select.subquery()
    q = select(*fee_columns(units, period))
    if team_ids is not None:
        q = q.where(units.c.team_id.in_(list(team_ids) or [-1]))
    return figures_from_row(db.session.execute(q).one())


def fee_figures_by_team(units_select: Select, period: Period, team_ids=None) -> dict[int, FeeFigures]:
    """The same per team (one query)."""
    units = units_select.subquery()
    q = select(units.c.team_id, *fee_columns(units, period)).group_by(units.c.team_id)
    if team_ids is not None:
        q = q.where(units.c.team_id.in_(list(team_ids) or [-1]))
    return {row.team_id: figures_from_row(row) for row in db.session.execute(q)}


def fee_paid_by_month(units_select: Select, period: Period, team_ids=None) -> dict[tuple[int, int], Decimal]:
    """Payments per (year, month) of their payment date within ``period`` (one query)."""
    units = units_select.subquery()
    year = func.extract("year", units.c.fee_paid_on)
    month = func.extract("month", units.c.fee_paid_on)
    q = (select(year, month, func.coalesce(func.sum(units.c.fee_paid), 0))
         .where(_in(units.c.fee_paid_on, period), units.c.fee_paid.is_not(None)).group_by(year, month))
    if team_ids is not None:
        q = q.where(units.c.team_id.in_(list(team_ids) or [-1]))
    return {(int(y), int(m)): Decimal(str(v)).quantize(Decimal("0.01")) for y, m, v in db.session.execute(q)}


# --------------------------------------------------------------------------- gathering the plugins' selects


@dataclass
class BillableWork:
    """The union of every available plugin's billable units and hours for one period, as subqueries."""

    period: Period
    units: Select | None
    hours: Select | None
    failed: list[str]
    sources: tuple[str, ...] = ()  # the plugins whose selects are in the union (a cache key)


def _union(selects: list[Select], columns: tuple[str, ...]) -> Select | None:
    if not selects:
        return None
    subs = [s.subquery() for s in selects]
    shaped = [select(*[sub.c[name].label(name) for name in columns]) for sub in subs]
    if len(shaped) == 1:
        return shaped[0]
    return select(*union_all(*shaped).subquery().c)


def billable_work(period: Period) -> BillableWork:
    """Ask every available plugin for its billable units and hours in ``period`` (``hvhk_billable_units``,
    ``hvhk_billable_hours``). A plugin whose hook fails is left out and named in ``failed`` (its Dutch label;
    the error is logged), so the pages can say their figures are incomplete."""
    from .plugins import current_plugins

    host = current_plugins()
    failed: list[str] = []
    out: dict[str, list[Select]] = {"hvhk_billable_units": [], "hvhk_billable_hours": []}
    sources: list[str] = []
    for name in out:
        for impl in host.hook_available(name).get_hookimpls():
            try:
                result = impl.function(period=period)
            except Exception:  # one broken plugin must not hide the others' figures, nor pass unnoticed
                log.exception("%s of %s failed", name, impl.plugin_name)
                label = host.info(impl.plugin_name).label
                if label not in failed:
                    failed.append(label)
                continue
            if result is not None:
                out[name].append(result)
                sources.append(f"{name}:{impl.plugin_name}")
    return BillableWork(period, _union(out["hvhk_billable_units"], UNIT_COLUMNS),
                        _union(out["hvhk_billable_hours"], HOUR_COLUMNS), failed, tuple(sources))


def empty_units() -> Select:
    """A units select without rows (no plugin does billable work)."""
    cols = [null().label(n) for n in UNIT_COLUMNS]
    return select(*cols).where(literal(False))


def all_time() -> Period:
    """Every fee ever (the fee list: what is open today, whenever it was due)."""
    return Period(date(1900, 1, 1), date(2999, 12, 31), "altijd")
