"""Every state change of the costing plugin, one function each: check, write, audit.

Operations never commit and never read the request or the logged-in user: the caller passes the acting user
(``by``) and commits (a view through ``core.forms.conflict_safe``). A change that breaks a rule raises
``core.operations.Refused`` with a Dutch message and the form field it belongs to. Cost models hold no
family data, so their audit entries name no family.
"""

from __future__ import annotations

from decimal import Decimal

from core import audit
from core.extensions import db
from core.models import Team, User, utcnow
from core.operations import Refused, require

from .calculation import INPUT_NAMES, PRESET_KEY, SPEC_BY_NAME, validate
from .models import ROLE_TEAM, TEAM_ROLE_LABELS, CostingTeamRole, CostModel
from .queries import costing_team_ids, name_taken

TEAM_REFUSED = "Kies een team dat de kostprijsmodule gebruikt."
NAME_TAKEN = "Dit team heeft al een model met deze naam voor dit jaar: kies een andere naam."


def _checked_inputs(values: dict) -> dict:
    """The 18 inputs as stored (counts as int), or ``Refused`` naming the first bad input."""
    problems = validate(values)
    for name in INPUT_NAMES:
        if name in problems:
            raise Refused(problems[name], field=name)
    return {n: int(Decimal(str(values[n]))) if SPEC_BY_NAME[n].kind == "count" else Decimal(str(values[n]))
            for n in INPUT_NAMES}


def _check_identity(team_id: int, year: int, name: str, *, other_than: int | None = None) -> str:
    """Check the owning team, the year and the name of a model; return the name without outer spaces."""
    name = (name or "").strip()
    require(name, "Geef het model een naam.", field="name")
    require(len(name) <= 120, "Hoogstens 120 tekens.", field="name")
    require(isinstance(year, int) and 2000 <= year <= 2100, "Een jaar tussen 2000 en 2100.", field="year")
    require(team_id in costing_team_ids(), TEAM_REFUSED, field="team_id")
    require(not name_taken(team_id, year, name, other_than=other_than), NAME_TAKEN, field="name")
    return name


def _clean_sources(sources: dict | None) -> dict:
    return {k: str(v).strip()[:300] for k, v in (sources or {}).items() if k in SPEC_BY_NAME and str(v).strip()}


def create_cost_model(*, team_id: int, year: int, name: str, inputs: dict, by: User,
                      sources: dict | None = None, notes: str | None = None,
                      preset: str | None = None) -> CostModel:
    """A new cost model of ``team_id`` for ``year``; ``preset`` names the preset its inputs came from."""
    require(preset in (None, PRESET_KEY), "Onbekende voorinstelling.")
    name = _check_identity(team_id, year, name)
    m = CostModel(team_id=team_id, year=year, name=name, preset=preset, sources=_clean_sources(sources),
                  notes=(notes or "").strip() or None, updated_by_id=by.id)
    m.set_inputs(_checked_inputs(inputs))
    db.session.add(m)
    db.session.flush()
    audit.record("create", "costing_cost_model", m.id, user_id=by.id,
                 detail="vanuit de voorinstelling van de bron" if preset else None)
    return m


def update_cost_model(m: CostModel, *, team_id: int, year: int, name: str, inputs: dict, by: User,
                      sources: dict | None = None, notes: str | None = None) -> None:
    """Change every input, source and the identity of ``m`` (the caller checks its version first)."""
    user_id = by.id  # read before the first change: loading an expired user would flush it half done
    name = _check_identity(team_id, year, name, other_than=m.id)
    values = _checked_inputs(inputs)
    m.name, m.year, m.team_id = name, year, team_id
    m.set_inputs(values)
    m.sources = _clean_sources(sources)
    m.notes = (notes or "").strip() or None
    m.updated_by_id, m.updated_at = user_id, utcnow()
    audit.record("update", "costing_cost_model", m.id, user_id=user_id)


def copy_cost_model(m: CostModel, *, by: User, year: int | None = None, name: str | None = None) -> CostModel:
    """A copy of ``m`` (inputs, sources, notes, team) for ``year`` (default: the same), named ``name``
    (default: "<name> (kopie)"); the copy remembers no preset, since its inputs are the copier's now."""
    year = m.year if year is None else year
    copy = create_cost_model(team_id=m.team_id, year=year, name=name or f"{m.name} (kopie)"[:120],
                             inputs=m.inputs().as_dict(), by=by, sources=m.sources, notes=m.notes)
    audit.record("copy", "costing_cost_model", m.id, user_id=by.id, detail=f"kopie: model {copy.id}")
    return copy


def delete_cost_model(m: CostModel, *, by: User) -> None:
    """Delete ``m``; nothing refers to a model. The audit keeps its year and team (never values)."""
    audit.record("delete", "costing_cost_model", m.id, user_id=by.id, detail=f"jaar {m.year}, team {m.team_id}")
    db.session.delete(m)
    db.session.flush()


def set_team_role(team_id: int, role: str, *, by: User) -> CostingTeamRole:
    """Give a team with the plugin on the role "team" or "finance" (who sees and edits what: ``access.py``)."""
    require(role in TEAM_ROLE_LABELS, "Kies een geldige rol.", field="role")
    require(team_id in costing_team_ids(), TEAM_REFUSED, field="team_id")
    user_id = by.id
    row = db.session.get(CostingTeamRole, team_id)
    if row is None:
        row = CostingTeamRole(team_id=team_id)
        db.session.add(row)
    row.role, row.changed_by_id, row.changed_at = role, user_id, utcnow()
    audit.record("update", "costing_team_role", team_id, user_id=user_id, detail=f"rol {TEAM_ROLE_LABELS[role]}")
    return row


def ensure_team_role(team: Team) -> None:
    """The plugin was switched on for ``team``: it gets the role "team" unless it has one (a team that was
    finance before keeps that role). The core audits the switch itself."""
    if db.session.get(CostingTeamRole, team.id) is None:
        db.session.add(CostingTeamRole(team_id=team.id, role=ROLE_TEAM))
        db.session.flush()
