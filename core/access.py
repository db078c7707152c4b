"""Who may see what. The rules every view and plugin uses; see DESIGN.md "Accounts, roles, access".

Secure by default: ``core.security.require_login`` refuses every endpoint to anonymous users unless it
is marked ``public_view``, and to partner users unless it is marked ``partner_view``.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from functools import wraps

from flask import abort
from flask_login import current_user
from sqlalchemy import exists, select

from . import audit
from .extensions import db
from .models import Consent, Family, Involvement, Membership, Organisation, Team, utcnow


def public_view(view):
    """Mark a view as reachable without logging in (login page, health check)."""
    view._hvhk_public = True
    return view


def partner_view(view):
    """Mark a view as meant for partner users too; the view itself checks the organisation."""
    view._hvhk_partner_view = True
    return view


def partner_organisation() -> Organisation:
    """The current partner user's own organisation (not archived); 404 for anyone else. Every partner view
    starts here and shows only what belongs to, or was shared with, this organisation."""
    if not current_user.is_partner or current_user.organisation_id is None:
        abort(404)
    org = db.session.get(Organisation, current_user.organisation_id)
    if org is None or org.archived:
        abort(404)
    return org


def admin_required(view):
    @wraps(view)
    def wrapper(*args, **kwargs):
        if not current_user.is_authenticated or not current_user.is_admin:
            abort(403)
        return view(*args, **kwargs)

    return wrapper


def is_manager_of(user, team_id: int) -> bool:
    if user.is_admin:
        return True
    return db.session.scalar(
        select(exists().where(Membership.user_id == user.id, Membership.team_id == team_id,
                              Membership.role == "manager"))
    )


# --------------------------------------------------------------------------- families: need-to-know


def involved_team_ids(family_id: int) -> set[int]:
    return set(db.session.scalars(
        select(Involvement.team_id).where(Involvement.family_id == family_id, Involvement.ended_at.is_(None))
    ))


def can_see_family(user, family_id: int, *, involved: set[int] | None = None) -> bool:
    """Staff see details when one of their teams is involved; admins always; partners never.

    ``involved``: the ids of the teams actively involved, when the caller loaded them already (no query)."""
    if not getattr(user, "is_authenticated", False) or user.is_partner:
        return False
    if user.is_admin:
        return True
    if involved is not None:
        return bool(involved & user.team_ids())
    return db.session.scalar(
        select(exists().where(
            Involvement.family_id == family_id,
            Involvement.ended_at.is_(None),
            Involvement.team_id.in_(select(Membership.team_id).where(Membership.user_id == user.id)),
        ))
    )


def require_family(family_id: int, object_type: str = "family", object_id: int | None = None) -> Family:
    """Return the family when the current user may see its details; log and refuse (403) otherwise."""
    family = db.session.get(Family, family_id)
    if family is None:
        abort(404)
    if not can_see_family(current_user, family_id):
        audit.record_denied(object_type, object_id or family_id, family_id=family_id)
        abort(403)
    return family


def register_involvement(family: Family, team: Team | int, reason: str, *, source: str = "manueel",
                         user_id: int | None = None) -> Involvement:
    """Register (or return the existing) active involvement of ``team`` with ``family``. Does not commit.

    Plugins call this when they attach work to a family (a trajectory, an enrolment).
    """
    team_id = team if isinstance(team, int) else team.id
    existing = db.session.scalar(
        select(Involvement).where(Involvement.family_id == family.id, Involvement.team_id == team_id,
                                  Involvement.ended_at.is_(None))
    )
    if existing:
        return existing
    inv = Involvement(family_id=family.id, team_id=team_id, reason=reason[:300], source=source,
                      created_by_id=user_id if user_id is not None else getattr(current_user, "id", None))
    db.session.add(inv)
    db.session.flush()
    audit.record("involve", "involvement", inv.id, family_id=family.id, detail=_involve_detail(team_id, source))
    return inv


def end_involvement(inv: Involvement) -> None:
    inv.ended_at = utcnow()
    audit.record("uninvolve", "involvement", inv.id, family_id=inv.family_id)


# --------------------------------------------------------------------------- consent


def consent_covers(family_id: int, organisation_id: int, kinds: str | Iterable[str], on: date | None = None) -> bool:
    """True when an active consent of the family shares every one of ``kinds`` with the organisation.

    Plugins must ask this right before they show or send anything to a partner; withdrawing a consent
    makes it False at once.
    """
    wanted = {kinds} if isinstance(kinds, str) else set(kinds)
    day = on or date.today()
    consents = db.session.scalars(
        select(Consent).where(Consent.family_id == family_id, Consent.organisation_id == organisation_id,
                              Consent.withdrawn_at.is_(None))
    )
    covered: set[str] = set()
    for c in consents:
        if c.is_active_on(day):
            covered |= set(c.kinds)
    return bool(wanted) and wanted <= covered


def consented_family_ids(organisation_id: int, kind: str, on: date | None = None) -> set[int]:
    """Families whose active consent shares ``kind`` with the organisation."""
    day = on or date.today()
    rows = db.session.scalars(
        select(Consent).where(Consent.organisation_id == organisation_id, Consent.withdrawn_at.is_(None))
    )
    return {c.family_id for c in rows if kind in c.kinds and c.is_active_on(day)}


def _involve_detail(team_id: int, source: str | None) -> str:
    """The audit detail of a new involvement in words: the team's name (the source stays on the involvement)."""
    team = db.session.get(Team, team_id)
    return team.name if team is not None else "team"
