"""Every read and report of the costing plugin: the models a user may see, the worked sheet, the team roles,
the tile, and the actual figures gathered from the other plugins' ``hvhk_billable_units``/``_hours``.

Each list is one query (paged in SQL where it can grow); nothing here writes, except that billable work whose
SQL fails is rolled back so its error cannot leave the session unusable.
"""

from __future__ import annotations

import copy
import logging
from datetime import date
from functools import lru_cache

from sqlalchemy import Select, func, select
from sqlalchemy.orm import joinedload

from core.extensions import db
from core.finance import BillableWork, billable_work
from core.formatting import format_date
from core.models import Team
from core.pagination import Page, paginate
from core.plugins import current_plugins, plugin_name, plugin_teams
from core.ui import Period

from . import freshness
from .access import CostingAccess
from .actuals import Actuals, compute, unit_page
from .calculation import (
    MODE_LABELS,
    PRESET_INPUTS,
    Inputs,
    compare_with_stated,
    method1,
    method2,
    practice_flags,
    scenarios,
    summary,
)
from .charts import Chart, hbar, vbar
from .models import ROLE_TEAM, CostingTeamRole, CostModel

log = logging.getLogger("hvhk.costing")
MODELS_PER_PAGE = 20
UNITS_PER_PAGE = 50


# --------------------------------------------------------------------------- teams


def costing_team_ids() -> set[int]:
    """Ids of every team that switched the costing plugin on (the teams a model may belong to)."""
    return current_plugins().team_ids_with(plugin_name())


def visible_teams(acc: CostingAccess) -> list[Team]:
    """The teams whose figures ``acc`` may see, by name: every costing team for finance, else their own."""
    teams = plugin_teams()
    return teams if acc.finance else [t for t in teams if t.id in acc.manager_team_ids]


def team_roles() -> list[tuple[Team, str]]:
    """Every costing team with its role (no row counts as "team"), for the admins' roles page."""
    roles = dict(db.session.execute(select(CostingTeamRole.team_id, CostingTeamRole.role)).all())
    return [(t, roles.get(t.id, ROLE_TEAM)) for t in plugin_teams()]


# --------------------------------------------------------------------------- cost models


def visible_models(acc: CostingAccess) -> Select:
    """The models ``acc`` may see (with their team loaded), unordered: all for finance, else their teams'."""
    q = select(CostModel).options(joinedload(CostModel.team))
    if not acc.finance:
        q = q.where(CostModel.team_id.in_(acc.manager_team_ids or {-1}))
    return q


def visible_model(acc: CostingAccess, model_id: int | None) -> CostModel | None:
    """The model ``model_id`` when ``acc`` may see it, else None."""
    m = db.session.get(CostModel, model_id) if model_id else None
    return m if m is not None and acc.can_see_team(m.team_id) else None


def model_page(acc: CostingAccess, number: int) -> Page:
    """One page of the visible models, newest year first; ``page.items`` holds ``(model, Summary)`` pairs."""
    page = paginate(visible_models(acc).order_by(CostModel.year.desc(), CostModel.name, CostModel.id),
                    number, MODELS_PER_PAGE)
    page.items = [(m, summary(m.inputs())) for m in page.items]
    return page


def model_choices(acc: CostingAccess, limit: int = 100) -> list[CostModel]:
    """The visible models for a choice list, newest year first."""
    return list(db.session.scalars(visible_models(acc).order_by(CostModel.year.desc(), CostModel.name)
                                   .limit(limit)))


def latest_model(acc: CostingAccess) -> CostModel | None:
    """The newest visible model (the dashboard tile)."""
    q = visible_models(acc).order_by(CostModel.year.desc(), CostModel.id.desc())
    return db.session.scalars(q.limit(1)).first()


def model_for_period(acc: CostingAccess, year: int, team_id: int | None,
                     model_id: int | None = None) -> CostModel | None:
    """The model to measure actuals against: ``model_id`` when visible, else the visible model of ``year``
    (of ``team_id`` first), else the newest."""
    m = visible_model(acc, model_id)
    if m is not None:
        return m
    q = visible_models(acc).order_by((CostModel.year == year).desc(), CostModel.year.desc(),
                                     (CostModel.team_id == (team_id or -1)).desc(), CostModel.id.desc())
    return db.session.scalars(q.limit(1)).first()


def name_taken(team_id: int, year: int, name: str, *, other_than: int | None = None) -> bool:
    """Whether the team already has a model of ``year`` with this name (case and spaces around ignored)."""
    q = select(CostModel.id).where(CostModel.team_id == team_id, CostModel.year == year,
                                   func.lower(CostModel.name) == name.strip().lower())
    if other_than is not None:
        q = q.where(CostModel.id != other_than)
    return db.session.scalar(q.limit(1)) is not None


# --------------------------------------------------------------------------- the worked sheet


def worked_sheet(inputs: Inputs, chart_title: str, *, compare: bool) -> dict:
    """Everything the worked sheet of ``inputs`` shows: both methods in both modes (``results[mode]`` is
    ``(Method1, Method2)``), the chart of the methods against the fixed price and, with ``compare``, the
    comparison with the figures the 2025 source states. A pure function of its arguments (``Inputs`` is
    frozen), so computed once per process for the same inputs; the pages only read it."""
    return dict(_worked_sheet(inputs, chart_title, compare))


@lru_cache(maxsize=64)
def _worked_sheet(inputs: Inputs, chart_title: str, compare: bool) -> dict:
    results = {mode: (method1(inputs, mode), method2(inputs, mode)) for mode in MODE_LABELS}
    return dict(inputs=inputs, results=results, modes=MODE_LABELS, chart=methods_chart(inputs, chart_title),
                comparisons=compare_with_stated(inputs) if compare else None, flags=practice_flags(inputs),
                scenarios=scenarios(inputs))


def methods_chart(inputs: Inputs, title: str) -> Chart:
    """The cost per trajectory by method (corrected), method 1 with the source's assumptions, and the
    fixed price as a reference line."""
    bars = summary(inputs).chart_bars[:3]
    bars.append(("Methode 1, aannames bron", method1(inputs, "source").per_trajectory))
    return hbar(title, bars, reference=("Vastgelegde prijs", inputs.fixed_price))


# --------------------------------------------------------------------------- actual figures


def actual_costs(period: Period, inputs: Inputs, team_ids: set[int] | None = None) -> tuple[Actuals, BillableWork]:
    """The actual figures of ``period`` (only ``team_ids``' work; None: every team) against ``inputs``, and the
    gathered work (its ``failed`` names the plugins that could not deliver theirs). A constant number of
    queries (``actuals.compute``)."""
    work = billable_work(period)
    try:
        if work.failed:  # incomplete figures are never kept
            return compute(work, inputs, team_ids), work
        key = ("actuals", period.start, period.end, None if team_ids is None else frozenset(team_ids), inputs,
               date.today(), work.sources)
        return copy.deepcopy(freshness.cached(key, lambda: compute(work, inputs, team_ids))), work
    except Exception:  # a plugin's select that fails in the database: say which figures are missing
        log.exception("billable work of %s failed", period)
        db.session.rollback()
        work = BillableWork(period, None, None, work.failed or ["(onbekende module)"])
        return compute(work, inputs, team_ids), work


def period_of(year: int, start: date | None, end: date | None) -> Period:
    """The period from ``start`` to ``end`` (swapped when reversed), each defaulting to ``year``'s bounds."""
    start, end = start or date(year, 1, 1), end or date(year, 12, 31)
    if end < start:
        start, end = end, start
    return Period(start, end, f"{format_date(start)} – {format_date(end)}")


def actuals_page(acc: CostingAccess, period: Period, team_id: int | None, model_id: int | None,
                 number: int) -> dict:
    """The actual-cost page: the figures of the visible teams (or ``team_id``) in ``period`` against the
    chosen model (the preset while there is none), one page of units (LIMIT/OFFSET in SQL), and the choices
    of the filter."""
    m = model_for_period(acc, period.start.year, team_id, model_id)
    inputs = m.inputs() if m is not None else PRESET_INPUTS
    team_ids = {team_id} if team_id is not None else None if acc.finance else set(acc.manager_team_ids)
    result, work = actual_costs(period, inputs, team_ids)
    units, has_next = unit_page(work, inputs, result, number, UNITS_PER_PAGE)
    page = Page(units, number, has_next)
    return dict(result=result, units=units, page=page, model=m, inputs=inputs, failed=work.failed,
                chart=vbar("Inkomsten uit deelnamegelden per maand (betaaldatum)", result.fee_by_month),
                teams=visible_teams(acc), models=model_choices(acc))
