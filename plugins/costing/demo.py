"""Demo data: team roles, the preset "PeTra 2025 (bron)" and a fictional 2026 model, owned by PeTra."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import insert, select

from core.demo_data import enable_for_teams
from core.held import renew
from core.models import Team

from .calculation import PRESET_INPUTS, PRESET_KEY, PRESET_NAME, PRESET_SOURCES, PRESET_YEAR
from .models import ROLE_FINANCE, ROLE_TEAM, CostingTeamRole, CostModel

FINANCE_TEAM = "Financiële dienst"
OWNER_TEAM = "PeTra"


def model_2026_inputs():
    """A fictional 2026 estimate: staff cost indexed by 2 %, a 10-hour group day (10.00-20.00), 40 % VT."""
    return PRESET_INPUTS.with_(
        staff_cost=Decimal("314582.63"),
        operating_cost=Decimal("5200.00"),
        vt_share_pct=Decimal("40"),
        hourly_rate=Decimal("42.00"),
        group_day_hours=Decimal("10"),
    )


def seed(session, scale: int) -> None:
    enable_for_teams(session, [OWNER_TEAM, FINANCE_TEAM])
    teams = {t.name: t.id for t in session.scalars(select(Team).where(Team.name.in_([FINANCE_TEAM, OWNER_TEAM])))}
    have = set(session.scalars(select(CostingTeamRole.team_id)))
    roles = [{"team_id": tid, "role": ROLE_FINANCE if name == FINANCE_TEAM else ROLE_TEAM}
             for name, tid in teams.items() if tid not in have]
    if roles:
        session.execute(insert(CostingTeamRole), roles)
        renew(session)  # a bulk insert: the processes' held roles (core.held) are renewed by hand
    owner = teams.get(OWNER_TEAM)
    if owner is None:
        return
    estimate = "Fictieve raming 2026 (demo): loonkost +2 %, groepsdag 10 uur (10.00-20.00), 40 % VT"
    rows = [
        dict(PRESET_INPUTS.as_dict(), team_id=owner, year=PRESET_YEAR, name=PRESET_NAME, preset=PRESET_KEY,
             sources=PRESET_SOURCES, notes="De invoer uit de praktijkbeschrijving 2025 (§4.4).", version=1),
        dict(model_2026_inputs().as_dict(), team_id=owner, year=2026, name="PeTra 2026 (raming)", preset=None,
             sources={**PRESET_SOURCES, "staff_cost": estimate, "operating_cost": estimate,
                      "vt_share_pct": estimate, "hourly_rate": estimate, "group_day_hours": estimate},
             notes="Fictieve raming voor de demo.", version=1),
    ]
    session.execute(insert(CostModel), rows)
    session.flush()  # the core commits the whole demo once (core.demo.load_demo)
