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
from sqlalchemy import select

from core.extensions import db
from core.people import deny
from core.plugins import team_ids_for, teams_for

from .models import Enrolment, Programme


def owns(programme: Programme) -> bool:
    return bool(current_user.is_admin or programme.team_id in current_user.team_ids())


def require_owner(programme: Programme, object_type: str = "groups_programme", object_id: int | None = None,
                  family_ids=()) -> None:
    """403 for another team, logged: one refused entry per family whose data the page would have shown
    (``family_ids``), so the refusal is in each family's "who looked"; one without family otherwise."""
    if not owns(programme):
        deny(object_type, object_id or programme.id, family_ids, detail="niet het team van de groep")


def programme_family_ids(programme_id: int, statuses=("enrolled", "waiting")) -> list[int]:
    """The families with a child on the programme's list (for naming them in a refusal)."""
    return list(db.session.scalars(select(Enrolment.family_id).where(
        Enrolment.programme_id == programme_id, Enrolment.status.in_(statuses),
        Enrolment.family_id.is_not(None)).distinct()))


def get_programme(programme_id: int) -> Programme:
    programme = db.session.get(Programme, programme_id)
    if programme is None:
        abort(404)
    return programme


def owner_team_choices() -> list[tuple[int, str]]:
    """Teams the user may create programmes for: their own teams with the plugin on (admins: all such teams)."""
    return [(t.id, t.name) for t in teams_for()]


def may_create() -> bool:
    """Whether the user may create a programme for some team (``owner_team_choices`` not empty), without
    loading the teams."""
    return bool(team_ids_for())
