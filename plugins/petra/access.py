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

from .models import Trajectory


def owns(t: Trajectory) -> bool:
    return bool(current_user.is_admin or t.team_id in current_user.team_ids())


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
