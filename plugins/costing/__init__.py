"""Costing: the cost model of a trajectory, actual costs and the Excel cost sheet.

Reads the other plugins' work only through ``hvhk_billable_units`` and ``hvhk_billable_hours``
(``core.finance.billable_work``); see ``access.py`` for who sees what.
"""

from __future__ import annotations

from core.hookspecs import hookimpl
from core.ui import NavItem, Widget

# models: the tables known to SQLAlchemy and Alembic; freshness: logs the writes to billable work (the cached
# actual figures follow them)
from . import freshness, models  # noqa: F401


@hookimpl
def hvhk_plugin_info():
    return {"label": "Kostprijs", "description": "Kostprijsmodel, werkelijke kosten en export naar Excel."}


@hookimpl
def hvhk_blueprints():
    from .views import bp

    return [bp]


@hookimpl
def hvhk_nav_items(user):
    from .access import access_of

    if not access_of(user).any:
        return []
    return [NavItem("Kostprijs", "/kostprijs/", order=80)]


@hookimpl
def hvhk_dashboard_widgets(user):
    from .access import access_of

    if not access_of(user).any:
        return []
    return [Widget("Kostprijs van een traject", url="/kostprijs/tegel", order=70)]


@hookimpl
def hvhk_team_enabled(team):
    from .operations import ensure_team_role

    ensure_team_role(team)


@hookimpl
def hvhk_demo_data(session, scale):
    from .demo import seed

    seed(session, scale)


@hookimpl
def hvhk_report_access(user):
    """Finance sees the house's report (``/rapport``)."""
    from .access import access_for

    return access_for(user).finance


@hookimpl
def hvhk_audit_labels():
    """Dutch labels of the costing plugin's audit object types."""
    return {
        "costing_cost_model": "kostprijsmodel",
        "costing_team_role": "rol in de kostprijsberekening",
        "costing_actuals": "werkelijke kosten",
    }
