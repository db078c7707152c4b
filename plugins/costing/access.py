"""Who sees what in the costing plugin.

How "finance" is known: a row in ``costing_team_role`` per team. When a manager switches the plugin on
for a team (``hvhk_team_enabled``) the team gets the role "team"; an admin marks the finance team(s) as
"finance" on the page Kostprijs > Teamrollen. The demo marks "Financiële dienst" as finance.

- finance: every member (member or manager) of a team whose role is "finance" and that has the plugin
  switched on; admins count as finance. They see, edit and export every model and all actuals.
- manager: a manager of a team with the plugin switched on (role "team") sees the models and the actuals
  of their own team(s) only, read-only, without export.
- anyone else who passes the core guard (a plain member of a "team" team) gets 403.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from flask import abort
from flask_login import current_user
from sqlalchemy import select

from core.extensions import db
from core.held import held
from core.plugins import once_per_request, team_ids_for

from .models import ROLE_FINANCE, CostingTeamRole


@dataclass
class CostingAccess:
    finance: bool = False
    manager_team_ids: set[int] = field(default_factory=set)

    @property
    def any(self) -> bool:
        return self.finance or bool(self.manager_team_ids)

    def can_see_team(self, team_id: int | None) -> bool:
        return self.finance or (team_id is not None and team_id in self.manager_team_ids)


def team_roles() -> dict[int, str]:
    """{team id: role} of every team with a row (a few dozen): held by the process between requests."""
    return held("costing.team_roles", lambda: dict(db.session.execute(
        select(CostingTeamRole.team_id, CostingTeamRole.role)).all()))


def access_for(user) -> CostingAccess:
    """The user's teams with the plugin on (the kit's ``team_ids_for``), with each team's costing role."""
    if user is None or not getattr(user, "is_authenticated", False) or user.is_partner:
        return CostingAccess()
    if user.is_admin:
        return CostingAccess(finance=True)
    teams = team_ids_for(user)
    if not teams:
        return CostingAccess()
    roles = team_roles()
    acc = CostingAccess()
    for m in user.memberships:
        if m.team_id not in teams:
            continue
        if roles.get(m.team_id) == ROLE_FINANCE:
            acc.finance = True
        elif m.role == "manager":
            acc.manager_team_ids.add(m.team_id)
    return acc


def current_access() -> CostingAccess:
    return once_per_request(("costing.access", getattr(current_user, "id", None)), lambda: access_for(current_user))


def access_of(user) -> CostingAccess:
    """``access_for(user)``, asked once per request for the logged-in user (menu, tile and page ask it)."""
    if user is not None and getattr(user, "is_authenticated", False) and getattr(current_user, "id", None) == user.id:
        return current_access()
    return access_for(user)


def require_any() -> CostingAccess:
    acc = current_access()
    if not acc.any:
        abort(403)
    return acc


def require_finance() -> CostingAccess:
    acc = current_access()
    if not acc.finance:
        abort(403)
    return acc
