"""Record-level access of the PeTra plugin.

Rule: a trajectory (and everything hanging under it: contacts, roundtables, plan, SDQ, fee) is visible to
the members of its owning team and to admins only. Anyone else gets 404 (the trajectory's existence is not
revealed) and the refusal lands in the family's audit log. Every view of a trajectory is audit-logged with
the family's id. The core guard already answers 404 to users none of whose teams enabled PeTra.
"""

from __future__ import annotations

from flask import abort
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from core import audit
from core.access import require_family
from core.extensions import db
from core.models import Membership, Team, User
from core.plugins import current_plugins

from .models import Trajectory


def user_team_ids() -> set[int]:
    return set(db.session.scalars(select(Membership.team_id).where(Membership.user_id == current_user.id)))


def petra_teams() -> list[Team]:
    """Teams the current user works for in PeTra: their teams with the plugin on (admins: all such teams)."""
    teams = current_plugins().teams_with("petra")
    if not current_user.is_admin:
        mine = user_team_ids()
        teams = [t for t in teams if t.id in mine]
    return teams


def visible_team_ids() -> set[int]:
    return {t.id for t in petra_teams()}


def owns(t: Trajectory) -> bool:
    return bool(current_user.is_admin or t.team_id in user_team_ids())


def is_petra_manager() -> bool:
    if current_user.is_admin:
        return True
    petra_ids = {t.id for t in current_plugins().teams_with("petra")}
    return bool(current_user.managed_team_ids() & petra_ids)


def get_trajectory(trajectory_id: int, *, read: bool = True, what: str = "traject") -> Trajectory:
    """Load a trajectory the current user may open; 404 otherwise (refusals are audit-logged)."""
    t = db.session.scalar(
        select(Trajectory).where(Trajectory.id == trajectory_id).options(
            joinedload(Trajectory.team), joinedload(Trajectory.family), joinedload(Trajectory.child),
            joinedload(Trajectory.school), joinedload(Trajectory.referrer_org), joinedload(Trajectory.lead_worker),
            joinedload(Trajectory.second_worker), joinedload(Trajectory.fee), joinedload(Trajectory.decision_org),
            joinedload(Trajectory.closure_org)))
    if t is None:
        abort(404)
    if not owns(t):
        audit.record_denied("petra_trajectory", t.id, family_id=t.family_id, detail="niet het team van het traject")
        abort(404)
    require_family(t.family_id, "petra_trajectory", t.id)
    if read:
        audit.record_read("petra_trajectory", t.id, family_id=t.family_id, detail=what)
    return t


def audit_listed(trajectories, what: str) -> None:
    """A list shows children's names: one 'view' entry per family, in one bulk insert, committed after the
    page rendered (like ``core.audit.record_read``)."""
    from flask import g, request
    from sqlalchemy import insert

    from core.models import AuditEntry

    seen: dict[int, int] = {}
    for t in trajectories:
        seen.setdefault(t.family_id, t.id)
    if not seen:
        return
    rows = [dict(action="view", object_type="petra_trajectory", object_id=tid, family_id=fid,
                 detail=f"lijst: {what}", user_id=current_user.id, address=request.remote_addr)
            for fid, tid in sorted(seen.items())]
    db.session.execute(insert(AuditEntry), rows)
    g._hvhk_reads_pending = True


def team_workers(team_id: int) -> list[User]:
    return list(db.session.scalars(
        select(User).join(Membership, Membership.user_id == User.id)
        .where(Membership.team_id == team_id, User.active.is_(True)).order_by(User.display_name)))
