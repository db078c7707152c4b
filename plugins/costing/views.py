"""Pages of the costing plugin: models, the worked sheet, the preset comparison, actuals, export, roles."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from core import audit
from core.access import admin_required
from core.extensions import db
from core.forms import conflict_safe
from core.models import Team, utcnow
from core.pagination import page_number
from core.params import arg_choice, arg_date, arg_id, arg_int
from core.plugins import plugin_teams
from core.ui import Period, render
from core.xlsx import send_xlsx

from . import actuals as actuals_mod
from .access import current_access, require_any, require_finance
from .calculation import (
    INPUT_SPECS,
    MODE_LABELS,
    PRESET_INPUTS,
    PRESET_KEY,
    PRESET_NAME,
    PRESET_SOURCES,
    PRESET_YEAR,
    compare_with_stated,
    method1,
    method2,
    summary,
)
from .charts import hbar, vbar
from .export import write_workbook
from .forms import CostModelForm, TeamRoleForm
from .models import ROLE_TEAM, TEAM_ROLE_LABELS, CostingTeamRole, CostModel

bp = Blueprint("costing", __name__, url_prefix="/kostprijs", template_folder="templates")
PER_PAGE = 20


@dataclass
class Page:
    number: int
    has_prev: bool
    has_next: bool


def _page_number() -> int:
    return page_number()


def _visible_models_query(acc):
    q = select(CostModel).options(joinedload(CostModel.team))
    if not acc.finance:
        q = q.where(CostModel.team_id.in_(acc.manager_team_ids or {-1}))
    return q


def _model_or_404(model_id: int) -> CostModel:
    acc = require_any()
    m = db.session.get(CostModel, model_id)
    if m is None or not acc.can_see_team(m.team_id):
        abort(404)
    return m


def _costing_teams() -> list[Team]:
    return plugin_teams()


# --------------------------------------------------------------------------- models


@bp.get("/")
def index():
    acc = require_any()
    number = _page_number()
    rows = list(db.session.scalars(
        _visible_models_query(acc).order_by(CostModel.year.desc(), CostModel.name, CostModel.id)
        .limit(PER_PAGE + 1).offset((number - 1) * PER_PAGE)
    ))
    page = Page(number, number > 1, len(rows) > PER_PAGE)
    rows = rows[:PER_PAGE]
    items = [(m, summary(m.inputs())) for m in rows]
    return render_template("costing/index.html", items=items, page=page, acc=acc)


def _team_choices(form: CostModelForm) -> None:
    form.team_id.choices = [(t.id, t.name) for t in _costing_teams()]


@bp.route("/nieuw", methods=["GET", "POST"])
def new():
    require_finance()
    form = CostModelForm()
    _team_choices(form)
    from_preset = arg_choice("voorinstelling", (PRESET_KEY,)) == PRESET_KEY
    if request.method == "GET":
        form.fill_from(PRESET_INPUTS.as_dict(), PRESET_SOURCES if from_preset else {})
        form.name.data = PRESET_NAME if from_preset else ""
        form.year.data = PRESET_YEAR if from_preset else date.today().year
        return render_template("costing/form.html", form=form, model=None)
    parsed = _validate(form)
    if parsed is None:
        return render_template("costing/form.html", form=form, model=None), 422
    m = CostModel(team_id=form.team_id.data, year=form.year.data, name=form.name.data.strip(),
                  notes=form.notes.data or None, sources=form.sources(), updated_by_id=current_user.id,
                  preset=PRESET_KEY if from_preset else None)
    m.set_inputs(parsed)
    db.session.add(m)
    db.session.flush()
    audit.record("create", "costing_cost_model", m.id)
    db.session.commit()
    flash("Kostprijsmodel opgeslagen.", "success")
    return redirect(url_for("costing.sheet", model_id=m.id))


def _validate(form: CostModelForm):
    ok = form.validate()
    parsed = form.validate_inputs()
    return parsed if ok and parsed is not None else None


@bp.route("/<int:model_id>/bewerken", methods=["GET", "POST"])
def edit(model_id: int):
    m = _model_or_404(model_id)
    require_finance()
    form = CostModelForm()
    _team_choices(form)
    if request.method == "GET":
        form.fill_from({s.name: getattr(m, s.name) for s in INPUT_SPECS}, m.sources or {})
        form.name.data, form.year.data, form.team_id.data = m.name, m.year, m.team_id
        form.notes.data = m.notes
        form.version.data = m.version
        return render_template("costing/form.html", form=form, model=m)
    parsed = _validate(form)
    if parsed is None:
        return render_template("costing/form.html", form=form, model=m), 422
    with conflict_safe(form) as save:
        save.check(m)
        m.name, m.year, m.team_id = form.name.data.strip(), form.year.data, form.team_id.data
        m.notes = form.notes.data or None
        m.sources = form.sources()
        m.set_inputs(parsed)
        m.updated_by_id = current_user.id
        m.updated_at = utcnow()
        audit.record("update", "costing_cost_model", m.id)
    if not save.saved:
        return render_template("costing/form.html", form=form, model=m, conflict=True), save.status
    flash("Kostprijsmodel opgeslagen.", "success")
    return redirect(url_for("costing.sheet", model_id=m.id))


@bp.post("/voorbeeld")
def preview():
    """htmx: the results of the inputs being typed, before saving (nothing is stored)."""
    require_finance()
    form = CostModelForm()
    parsed = form.validate_inputs()
    if parsed is None:
        bad = [s.label for s in INPUT_SPECS if form[s.name].errors]
        return render(None, "costing/_preview.html", title="Voorbeeld", bad=bad, s=None)
    from .calculation import Inputs

    i = Inputs.from_object(parsed)
    return render(None, "costing/_preview.html", title="Voorbeeld", bad=[], s=summary(i), src=summary(i, "source"))


@bp.get("/<int:model_id>")
def sheet(model_id: int):
    m = _model_or_404(model_id)
    i = m.inputs()
    results = {mode: (method1(i, mode), method2(i, mode)) for mode in MODE_LABELS}
    s = summary(i)
    chart = hbar("Kost per traject volgens methode", s.chart_bars[:3] + [("Methode 1, aannames bron",
                 results["source"][0].per_trajectory)], reference=("Vastgelegde prijs", i.fixed_price))
    comparisons = compare_with_stated(i) if m.preset == PRESET_KEY else None
    return render_template("costing/sheet.html", model=m, inputs=i, results=results, modes=MODE_LABELS,
                           specs=INPUT_SPECS, chart=chart, comparisons=comparisons, acc=current_access())


@bp.get("/bron")
def preset():
    require_any()
    i = PRESET_INPUTS
    comparisons = compare_with_stated(i)
    results = {mode: (method1(i, mode), method2(i, mode)) for mode in MODE_LABELS}
    s = summary(i)
    chart = hbar("Kost per traject volgens methode (gecorrigeerd)", s.chart_bars[:3] + [
        ("Methode 1, aannames bron", results["source"][0].per_trajectory)],
        reference=("Vastgelegde prijs", i.fixed_price))
    return render_template("costing/preset.html", comparisons=comparisons, inputs=i, specs=INPUT_SPECS,
                           sources=PRESET_SOURCES, results=results, modes=MODE_LABELS, chart=chart,
                           name=PRESET_NAME, acc=current_access())


# --------------------------------------------------------------------------- actuals


def _period_from_args(default_year: int) -> Period:
    year = arg_int("jaar", default_year, min=2000, max=2100)
    start = arg_date("van", date(year, 1, 1))
    end = arg_date("tot", date(year, 12, 31))
    if end < start:
        start, end = end, start
    return Period(start, end, f"{start:%d/%m/%Y} – {end:%d/%m/%Y}")


def _pick_model(acc, year: int, team_id: int | None) -> CostModel | None:
    model_id = arg_id("model")
    if model_id:
        m = db.session.get(CostModel, model_id)
        if m is not None and acc.can_see_team(m.team_id):
            return m
    q = _visible_models_query(acc).order_by((CostModel.year == year).desc(), CostModel.year.desc(),
                                            (CostModel.team_id == (team_id or -1)).desc(), CostModel.id.desc())
    return db.session.scalars(q.limit(1)).first()


def _actuals_context(acc):
    team_id = arg_id("team")
    if team_id is not None and not acc.can_see_team(team_id):
        abort(404)
    period = _period_from_args(date.today().year)
    m = _pick_model(acc, period.start.year, team_id)
    inputs = m.inputs() if m is not None else PRESET_INPUTS
    if team_id is not None:
        team_ids = {team_id}
    else:
        team_ids = None if acc.finance else set(acc.manager_team_ids)
    rows, failed = actuals_mod.collect_work(period)
    result = actuals_mod.compute(rows, period, inputs, team_ids)
    return period, m, inputs, result, team_id, failed


@bp.get("/werkelijk")
def actuals():
    acc = require_any()
    period, m, inputs, result, team_id, failed = _actuals_context(acc)
    number = _page_number()
    per_page = 50
    units = result.units[(number - 1) * per_page: number * per_page]
    page = Page(number, number > 1, len(result.units) > number * per_page)
    chart = vbar("Inkomsten uit deelnamegelden per maand", result.fee_by_month)
    teams = _costing_teams() if acc.finance else [t for t in _costing_teams() if t.id in acc.manager_team_ids]
    models = list(db.session.scalars(_visible_models_query(acc).order_by(CostModel.year.desc(), CostModel.name)
                                     .limit(100)))
    audit.record_read("costing_actuals", None, detail=f"periode {period.start}..{period.end}")
    return render_template("costing/actuals.html", result=result, units=units, page=page, period=period,
                           model=m, inputs=inputs, chart=chart, teams=teams, team_id=team_id, models=models,
                           acc=acc, failed=failed, args={k: v for k, v in request.args.items() if k != "pagina"})


@bp.get("/<int:model_id>/export.xlsx")
def export(model_id: int):
    m = _model_or_404(model_id)
    require_finance()
    period = _period_from_args(m.year)
    team_id = arg_id("team")
    scope_team = db.session.get(Team, team_id) if team_id else None
    if team_id and scope_team is None:
        abort(404)
    rows, failed = actuals_mod.collect_work(period)
    if failed:
        flash("Export niet gemaakt: de module(s) " + ", ".join(failed) + " konden hun cijfers niet leveren. "
              "Probeer later opnieuw of meld het aan de beheerder.", "error")
        return redirect(url_for("costing.actuals", model=m.id, van=period.start.isoformat(),
                                tot=period.end.isoformat()))
    result = actuals_mod.compute(rows, period, m.inputs(), {team_id} if team_id else None)
    buf = io.BytesIO()
    write_workbook(buf, model_name=m.name, year=m.year, team_name=m.team.name, inputs=m.inputs(),
                   sources=m.sources or {}, units=result.units, unit_count=len(result.units),
                   activity_kinds=result.activity_kinds, period_start=period.start, period_end=period.end,
                   actuals_scope=scope_team.name if scope_team else "alle teams")
    audit.record("export", "costing_cost_model", m.id, detail=f"xlsx; {len(result.units)} rijen")
    db.session.commit()
    return send_xlsx(buf.getvalue(), f"kostprijs-{m.year}-{m.id}.xlsx")


# --------------------------------------------------------------------------- roles (admins)


@bp.route("/teamrollen", methods=["GET", "POST"])
@admin_required
def roles():
    teams = _costing_teams()
    current = {r.team_id: r for r in db.session.scalars(select(CostingTeamRole))}
    if request.method == "POST":
        form = TeamRoleForm()
        team_id = request.form.get("team_id", type=int)
        if not form.validate() or team_id not in {t.id for t in teams}:
            abort(400)
        row = current.get(team_id)
        if row is None:
            row = CostingTeamRole(team_id=team_id)
            db.session.add(row)
        row.role, row.changed_by_id, row.changed_at = form.role.data, current_user.id, utcnow()
        audit.record("update", "costing_team_role", team_id, detail=f"rol {form.role.data}")
        db.session.commit()
        flash("Rol van het team opgeslagen.", "success")
        return redirect(url_for("costing.roles"))
    rows = [(t, current.get(t.id).role if t.id in current else ROLE_TEAM) for t in teams]
    return render_template("costing/roles.html", rows=rows, labels=TEAM_ROLE_LABELS, form=TeamRoleForm())


# --------------------------------------------------------------------------- dashboard tile


@bp.get("/tegel")
def widget():
    acc = require_any()
    m = db.session.scalars(_visible_models_query(acc).order_by(CostModel.year.desc(), CostModel.id.desc())
                           .limit(1)).first()
    s = summary(m.inputs()) if m else None
    return render(None, "costing/widget.html", title="Kostprijs van een traject", model=m, s=s)


def ensure_team_role(team: Team) -> None:
    """Called when the plugin is switched on for a team: it gets the role "team" unless it has one."""
    if db.session.get(CostingTeamRole, team.id) is None:
        db.session.add(CostingTeamRole(team_id=team.id, role=ROLE_TEAM))
        db.session.flush()




@bp.app_template_global("activity_label")
def _activity_label(kind: str) -> str:
    return actuals_mod.activity_label(kind)
