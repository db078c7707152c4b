"""Costing tables: cost models per year and team, and each team's role towards the costing plugin."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, BigInteger, DateTime, ForeignKey, Index, Integer, Numeric, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.extensions import db
from core.held import changes_with
from core.models import Team, utcnow

from .calculation import INPUT_NAMES, SPEC_BY_NAME, Inputs

ROLE_FINANCE = "finance"
ROLE_TEAM = "team"
TEAM_ROLES = [
    (ROLE_TEAM, "Team: de verantwoordelijken zien de werkelijke cijfers van hun eigen team"),
    (ROLE_FINANCE, "Financiële dienst: alle leden zien, wijzigen en exporteren alle modellen en cijfers"),
]
TEAM_ROLE_LABELS = {ROLE_TEAM: "Team", ROLE_FINANCE: "Financiële dienst"}


# The column of each input (``calculation.INPUT_SPECS``): counts are integers, the rest two decimals with
# room for the largest value each input allows.
_DIGITS = {"staff_cost": 14, "operating_cost": 14, "fixed_price": 14, "fee_full": 10, "fee_reduced": 10,
           "hourly_rate": 10, "overhead_pct": 6, "vt_share_pct": 6}


def _input_column(name: str):
    kind = Integer() if SPEC_BY_NAME[name].kind == "count" else Numeric(_DIGITS.get(name, 8), 2)
    if name == "group_children":  # added in costing_0002: existing models share the group's hours over 8
        return mapped_column(kind, nullable=False, server_default="8")
    return mapped_column(kind, nullable=False)


class _InputColumns:
    """One column per input of the cost model, declared from the specs (mixed into ``CostModel``)."""


for _name in INPUT_NAMES:
    setattr(_InputColumns, _name, _input_column(_name))


class CostModel(_InputColumns, db.Model):
    """The cost model of one trajectory for a year, owned by a team. Every input is editable; the inputs are
    columns named as in ``calculation.INPUT_SPECS`` (``staff_cost``, ``hourly_rate``, ...)."""

    __tablename__ = "costing_cost_model"
    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("team.id"), index=True)
    year: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(120))
    preset: Mapped[str | None] = mapped_column(String(40))  # the preset it was built from, e.g. petra_2025_bron

    sources: Mapped[dict | None] = mapped_column(JSON)  # {input name: where the figure comes from}
    notes: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    version: Mapped[int] = mapped_column(Integer, default=1)
    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (Index("ix_costing_cost_model_year_team", "year", "team_id"),)

    team: Mapped[Team] = relationship()

    def inputs(self) -> Inputs:
        return Inputs.from_object(self)

    def source_of(self, name: str) -> str:
        return (self.sources or {}).get(name, "")

    def set_inputs(self, values: dict) -> None:
        for name in INPUT_NAMES:
            if name in values:
                setattr(self, name, values[name])


class CostingTeamRole(db.Model):
    """How the costing plugin treats a team. Set to "team" when the plugin is switched on for a team
    (hvhk_team_enabled); an admin marks the finance team(s) as "finance". No row counts as "team"."""

    __tablename__ = "costing_team_role"
    team_id: Mapped[int] = mapped_column(ForeignKey("team.id"), primary_key=True)
    role: Mapped[str] = mapped_column(String(20), default=ROLE_TEAM)
    changed_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    changed_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))


changes_with(CostingTeamRole)  # every process holds the roles (access.team_roles): a change renews them


class BillableChange(db.Model):
    """One row per transaction that wrote to a table the other plugins' billable work is read from
    (``freshness.py``): the actual figures cached per process are valid while these rows stay the same.
    ``stamp`` is random, so a database emptied and filled again never repeats an earlier state."""

    __tablename__ = "costing_billable_change"
    id: Mapped[int] = mapped_column(primary_key=True)
    stamp: Mapped[int] = mapped_column(BigInteger)
