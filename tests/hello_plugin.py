"""A small plugin used by the core's tests: it exercises every user-facing hook."""

from flask import Blueprint
from flask_login import current_user

from core.access import partner_view
from core.hookspecs import hookimpl
from core.plugins import plugin_name, plugin_teams, team_ids_for, teams_for
from core.ui import NavItem, Panel, SearchResult, Widget

bp = Blueprint("hello", __name__, url_prefix="/hello")
CALLS: list[tuple[str, str]] = []


@bp.get("/")
def index():
    return "Hallo vanuit de testmodule"


@bp.post("/echo")
def echo():
    return "ok"


@bp.get("/partner")
@partner_view
def for_partners():
    return f"Partnerpagina voor organisatie {current_user.organisation_id}"


@bp.get("/panel/<int:family_id>")
def panel(family_id):
    return f"paneel {family_id}"


@bp.get("/teams")
def my_teams():
    """The kit's identity and teams as this plugin sees them: no plugin name is spelled here."""
    return {"plugin": plugin_name(), "mine": [t.name for t in teams_for()],
            "managed": sorted(team_ids_for(manager=True)), "all": [t.name for t in plugin_teams()]}


@hookimpl
def hvhk_plugin_info():
    return {"label": "Hallo", "description": "Testmodule"}


@hookimpl
def hvhk_audit_labels():
    return {"hello_thing": "hallo-ding"}


@hookimpl
def hvhk_blueprints():
    return [bp]


@hookimpl
def hvhk_nav_items(user):
    return [NavItem("Hallo-menu", "/hello/")]


@hookimpl
def hvhk_dashboard_widgets(user):
    return [Widget("Hallo-tegel", html="<p>tegel</p>")]


@hookimpl
def hvhk_search(query, user):
    return [SearchResult(label=f"Hallo-resultaat {query}", url="/hello/", kind="Hallo")]


@hookimpl
def hvhk_family_panels(family, user):
    return [Panel("hello-panel", "Hallo-paneel", f"/hello/panel/{family.id}")]


@hookimpl
def hvhk_partner_pages(organisation):
    return [NavItem("Hallo-partner", "/hello/partner")]


@hookimpl
def hvhk_team_enabled(team):
    CALLS.append(("enabled", team.name))


@hookimpl
def hvhk_team_disabled(team):
    CALLS.append(("disabled", team.name))
