"""Team pages for managers: switch the team's plugins on and off (htmx toggles, audit-logged)."""

from __future__ import annotations

from flask import Blueprint, abort, flash, make_response, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from .access import is_manager_of
from .extensions import db
from .models import Membership, Team
from .plugins import current_plugins
from .ui import confirm_first, wants_fragment

bp = Blueprint("teams", __name__, url_prefix="/teams")


def _managed_teams() -> list[Team]:
    q = select(Team).order_by(Team.name)
    if not current_user.is_admin:
        q = q.join(Membership).where(Membership.user_id == current_user.id, Membership.role == "manager")
    return list(db.session.scalars(q))


@bp.get("/")
def index():
    teams = _managed_teams()
    if not teams:
        abort(403)
    return render_template("core/teams.html", teams=teams)


def _team_for_manager(team_id: int) -> Team:
    team = db.session.get(Team, team_id)
    if team is None:
        abort(404)
    if not is_manager_of(current_user, team_id):
        abort(403)
    return team


@bp.get("/<int:team_id>/modules")
def plugins(team_id: int):
    team = _team_for_manager(team_id)
    host = current_plugins()
    enabled = host.enabled_for_team(team.id)
    rows = [(info, info.name in enabled) for info in host.all_info() if info.name in host.available_names()]
    members = sorted(team.memberships, key=lambda m: m.user.display_name)
    return render_template("core/team_plugins.html", team=team, rows=rows, members=members)


@bp.post("/<int:team_id>/modules/<name>")
def toggle(team_id: int, name: str):
    team = _team_for_manager(team_id)
    host = current_plugins()
    if name not in host.available_names():
        abort(404)
    enable = request.form.get("enabled") == "1"
    info = host.info(name)
    if not enable and name in host.enabled_for_team(team.id):
        asked = confirm_first(
            title=f"{info.label} uitzetten", question=f"{info.label} uitzetten voor heel {team.name}?",
            explanation=(f"Niemand van {team.name} ziet dan nog de menu's, pagina's en tegels van {info.label}. "
                         "Er gaan geen gegevens verloren: zet de module weer aan en alles is terug."),
            confirm_label="Ja, uitzetten voor het hele team", warning=True,
            cancel_url=url_for("teams.plugins", team_id=team.id))
        if asked:
            return asked
    host.set_team_enabled(team, name, enable, current_user)
    db.session.commit()
    flash(f"{info.label} staat nu {'aan' if enable else 'uit'} voor {team.name}."
          + ("" if enable else " Het menu is aangepast; de gegevens blijven bewaard."), "success")
    if wants_fragment():
        # the whole page again: the menu (and the flash message) change with the module, not only this row
        resp = make_response(render_template("core/_plugin_row.html", team=team, info=info, on=enable))
        resp.headers["HX-Refresh"] = "true"
        return resp
    return redirect(url_for("teams.plugins", team_id=team.id))


def init_app(app) -> None:
    app.register_blueprint(bp)
