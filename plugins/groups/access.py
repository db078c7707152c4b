"""Record-level access of the groups plugin.

Rule (documented in the plugin docstring and tested): every staff member of a team with the plugin enabled
(the core guard) may *read* the planning of any programme: name, kind, period, sessions, room, leaders,
and the calendar and .ics file. That lets the house see who uses which room. Everything about children
(enrolments, waiting list, attendance, who must be told, printed and Excel lists) and every change is
for the owning team only (and admins); other teams get 403 and the refusal is audit-logged.
"""

from __future__ import annotations

from flask import abort
from flask_login import current_user

from core import audit
from core.extensions import db
from core.plugins import teams_for

from .models import Programme


def owns(programme: Programme) -> bool:
    return bool(current_user.is_admin or programme.team_id in current_user.team_ids())


def require_owner(programme: Programme, object_type: str = "groups_programme", object_id: int | None = None) -> None:
    if not owns(programme):
        audit.record_denied(object_type, object_id or programme.id, detail="niet het team van de groep")
        abort(403)


def get_programme(programme_id: int) -> Programme:
    programme = db.session.get(Programme, programme_id)
    if programme is None:
        abort(404)
    return programme


def owner_team_choices() -> list[tuple[int, str]]:
    """Teams the user may create programmes for: their own teams with the plugin on (admins: all such teams)."""
    return [(t.id, t.name) for t in teams_for()]
