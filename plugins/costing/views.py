"""Pages of the costing plugin: models, the worked sheet, the preset comparison, actuals, export, roles.

Each view binds a form, calls one operation (``operations.py``) or query (``queries.py``) and renders.
"""

from __future__ import annotations

import io
from datetime import date

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from core import audit
from core.access import admin_required
from core.extensions import db
from core.formatting import format_date
from core.forms import VersionedForm, conflict_safe
from core.models import Team
from core.operations import Refused
from core.pagination import page_number
from core.params import arg_choice, arg_date, arg_id, arg_int
from core.plugins import plugin_teams
from core.ui import render
from core.xlsx import send_xlsx

from . import calculation as calc
from . import operations, queries
from .access import current_access, require_any, require_finance
from .actuals import activity_label, stream_units
from .export import write_workbook
from .forms import CostModelForm, TeamRoleForm
from .models import TEAM_ROLE_LABELS, CostModel

bp = Blueprint("costing", __name__, url_prefix="/kostprijs", template_folder="templates")


def _model_or_404(model_id: int, *, finance: bool = False) -> CostModel:
    """The model when the user may see it (404 otherwise); ``finance``: only for finance (403 otherwise)."""
    m = queries.visible_model(require_any(), model_id)
    if m is None:
        abort(404)
    if finance:
        require_finance()
    return m


def _model_form() -> CostModelForm:
    form = CostModelForm()
    form.team_id.choices = [(t.id, t.name) for t in plugin_teams()]
    return form


def _valid_inputs(form: CostModelForm) -> dict | None:
    """The parsed inputs when the whole form is valid (every message next to its field), else None."""
    ok = form.validate()
    parsed = form.validate_inputs()
    return parsed if ok and parsed is not None else None


def _model_fields(form: CostModelForm, parsed: dict) -> dict:
    return dict(team_id=form.team_id.data, year=form.year.data, name=form.name.data, inputs=parsed,
                sources=form.sources(), notes=form.notes.data, by=current_user)


# --------------------------------------------------------------------------- models


@bp.get("/")
def index():
    acc = require_any()
    page = queries.model_page(acc, page_number())
    return render_template("costing/index.html", items=page.items, page=page, acc=acc)


@bp.route("/nieuw", methods=["GET", "POST"])
def new():
    require_finance()
    return _model_form_page(None)


@bp.route("/<int:model_id>/bewerken", methods=["GET", "POST"])
def edit(model_id: int):
    return _model_form_page(_model_or_404(model_id, finance=True))


def _model_form_page(m: CostModel | None):
    """The form of a new model (``m`` None; ``?voorinstelling=`` fills it from the preset) or of ``m``:
    shown on GET, saved on POST through ``operations.create_cost_model`` / ``update_cost_model``."""
    form = _model_form()
    from_preset = m is None and arg_choice("voorinstelling", (calc.PRESET_KEY,)) == calc.PRESET_KEY
    if request.method == "GET":
        if m is None:
            form.fill_from(calc.PRESET_INPUTS.as_dict(), calc.PRESET_SOURCES if from_preset else {})
            form.name.data = calc.PRESET_NAME if from_preset else ""
            form.year.data = calc.PRESET_YEAR if from_preset else date.today().year
        else:
            form.fill_from({name: getattr(m, name) for name in calc.INPUT_NAMES}, m.sources or {})
            form.name.data, form.year.data, form.team_id.data = m.name, m.year, m.team_id
            form.notes.data, form.version.data = m.notes, m.version
        return render_template("costing/form.html", form=form, model=m)
    parsed = _valid_inputs(form)
    if parsed is None:
        return render_template("costing/form.html", form=form, model=m), 422
    with conflict_safe(form) as save:
        if m is None:
            saved = operations.create_cost_model(**_model_fields(form, parsed),
                                                 preset=calc.PRESET_KEY if from_preset else None)
        else:
            save.check(m)
            operations.update_cost_model(m, **_model_fields(form, parsed))
            saved = m
    if not save.saved:
        return render_template("costing/form.html", form=form, model=m), save.status
    flash("Kostprijsmodel opgeslagen.", "success")
    return redirect(url_for("costing.sheet", model_id=saved.id))


@bp.post("/<int:model_id>/kopie")
def copy(model_id: int):
    """A copy of the model (same team and year, named "... (kopie)"), opened for editing."""
    m = _model_or_404(model_id, finance=True)
    if not VersionedForm().validate():  # the CSRF token
        abort(400)
    with conflict_safe(flash_message=True) as save:
        new_model = operations.copy_cost_model(m, by=current_user)
    if not save.saved:
        return redirect(url_for("costing.sheet", model_id=model_id))
    flash("Kopie gemaakt: geef haar een eigen naam of jaar.", "success")
    return redirect(url_for("costing.edit", model_id=new_model.id))


@bp.route("/<int:model_id>/verwijderen", methods=["GET", "POST"])
def delete(model_id: int):
    """Ask first; the delete is refused when the model changed since the question was shown."""
    m = _model_or_404(model_id, finance=True)
    form = VersionedForm()
    if request.method == "GET":
        form.version.data = m.version
        return render_template("costing/delete.html", form=form, model=m)
    if not form.validate():
        abort(400)
    with conflict_safe(form) as save:
        save.check(m)
        operations.delete_cost_model(m, by=current_user)
    if not save.saved:
        return render_template("costing/delete.html", form=form, model=m), save.status
    flash("Kostprijsmodel verwijderd.", "success")
    return redirect(url_for("costing.index"))


@bp.post("/voorbeeld")
def preview():
    """htmx: the results of the inputs being typed, before saving (nothing is stored)."""
    require_finance()
    form = CostModelForm()
    parsed = form.validate_inputs()
    if parsed is None:
        bad = [s.label for s in calc.INPUT_SPECS if form[s.name].errors]
        return render(None, "costing/_preview.html", title="Voorbeeld", bad=bad, s=None)
    i = calc.Inputs.from_object(parsed)
    return render(None, "costing/_preview.html", title="Voorbeeld", bad=[], s=calc.summary(i),
                  src=calc.summary(i, "source"))


@bp.get("/<int:model_id>")
def sheet(model_id: int):
    m = _model_or_404(model_id)
    return render_template("costing/sheet.html", model=m, specs=calc.INPUT_SPECS, acc=current_access(),
                           **queries.worked_sheet(m.inputs(), "Kost per traject volgens methode",
                                                  compare=m.preset == calc.PRESET_KEY))


@bp.get("/bron")
def preset():
    require_any()
    return render_template("costing/preset.html", specs=calc.INPUT_SPECS, sources=calc.PRESET_SOURCES,
                           name=calc.PRESET_NAME, acc=current_access(),
                           **queries.worked_sheet(calc.PRESET_INPUTS,
                                                  "Kost per traject volgens methode (gecorrigeerd)", compare=True))


# --------------------------------------------------------------------------- actuals


def _period_from_args(default_year: int):
    year = arg_int("jaar", default_year, min=2000, max=2100)
    return queries.period_of(year, arg_date("van", None), arg_date("tot", None))


@bp.get("/werkelijk")
def actuals():
    acc = require_any()
    team_id = arg_id("team")
    if team_id is not None and not acc.can_see_team(team_id):
        abort(404)
    period = _period_from_args(date.today().year)
    ctx = queries.actuals_page(acc, period, team_id, arg_id("model"), page_number())
    audit.record_read("costing_actuals", None, detail=f"periode {format_date(period.start)} - {format_date(period.end)}")
    return render_template("costing/actuals.html", period=period, team_id=team_id, acc=acc,
                           args={k: v for k, v in request.args.items() if k != "pagina"}, **ctx)


@bp.get("/<int:model_id>/export.xlsx")
def export(model_id: int):
    m = _model_or_404(model_id, finance=True)
    period = _period_from_args(m.year)
    team_id = arg_id("team")
    scope_team = db.session.get(Team, team_id) if team_id else None
    if team_id and scope_team is None:
        abort(404)
    team_ids = {team_id} if team_id else None
    result, work = queries.actual_costs(period, m.inputs(), team_ids)
    if work.failed:
        flash("Export niet gemaakt: de module(s) " + ", ".join(work.failed) + " konden hun cijfers niet leveren. "
              "Probeer later opnieuw of meld het aan de beheerder.", "error")
        return redirect(url_for("costing.actuals", model=m.id, van=period.start.isoformat(),
                                tot=period.end.isoformat()))
    buf = io.BytesIO()
    rows = write_workbook(buf, model_name=m.name, year=m.year, team_name=m.team.name, inputs=m.inputs(),
                          sources=m.sources or {}, units=stream_units(work, m.inputs(), result.activity_kinds, team_ids),
                          activity_kinds=result.activity_kinds, period_start=period.start, period_end=period.end,
                          actuals_scope=scope_team.name if scope_team else "alle teams")
    audit.record("export", "costing_cost_model", m.id, detail=f"xlsx; {rows} rijen")
    db.session.commit()
    return send_xlsx(buf.getvalue(), f"kostprijs-{m.year}-{m.id}.xlsx")


# --------------------------------------------------------------------------- roles (admins)


@bp.route("/teamrollen", methods=["GET", "POST"])
@admin_required
def roles():
    if request.method == "POST":
        form = TeamRoleForm()
        if not form.validate():
            abort(400)
        try:
            operations.set_team_role(request.form.get("team_id", type=int), form.role.data, by=current_user)
        except Refused:  # a team without the plugin: only a tampered form sends one
            db.session.rollback()
            abort(400)
        db.session.commit()
        flash("Rol van het team opgeslagen.", "success")
        return redirect(url_for("costing.roles"))
    return render_template("costing/roles.html", rows=queries.team_roles(), labels=TEAM_ROLE_LABELS,
                           form=TeamRoleForm())


# --------------------------------------------------------------------------- dashboard tile


@bp.get("/tegel")
def widget():
    m = queries.latest_model(require_any())
    s = calc.summary(m.inputs()) if m else None
    return render(None, "costing/widget.html", title="Kostprijs van een traject", model=m, s=s)


bp.add_app_template_global(activity_label, "activity_label")
