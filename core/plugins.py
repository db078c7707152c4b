"""The plugin host: discovery by entry points, availability, per-team enablement, team-filtered hook calls.

One ``PluginHost`` per app (``current_plugins()``), so tests can build apps with different plugin sets.
"""

from __future__ import annotations

import importlib.metadata
from dataclasses import dataclass

import pluggy
from flask import Flask, abort, current_app, g, request
from flask_login import current_user
from sqlalchemy import select

from . import hookspecs
from .extensions import db
from .models import Membership, PluginState, Team, TeamPlugin

ENTRY_POINT_GROUP = "hvhk.plugins"


@dataclass
class PluginInfo:
    name: str
    label: str
    description: str


class PluginHost:
    def __init__(self, load: str | None = "all", extra: list | None = None):
        self.pm = pluggy.PluginManager("hvhk")
        self.pm.add_hookspecs(hookspecs)
        self.blueprint_owner: dict[str, str] = {}
        wanted = _parse_plugin_setting(load)
        for ep in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP):
            if wanted is None or ep.name in wanted:
                if self.pm.get_plugin(ep.name) is None:
                    self.pm.register(ep.load(), name=ep.name)
        for name, obj in extra or []:  # plugins handed in directly (tests, embedding)
            self.pm.register(obj, name=name)

    # ------------------------------------------------------------------ what is installed
    @property
    def names(self) -> list[str]:
        return sorted(n for n, _ in self.pm.list_name_plugin())

    def info(self, name: str) -> PluginInfo:
        plugin = self.pm.get_plugin(name)
        data = {}
        impl = getattr(plugin, "hvhk_plugin_info", None)
        if impl is not None:
            data = impl() or {}
        return PluginInfo(name=name, label=data.get("label", name), description=data.get("description", ""))

    def all_info(self) -> list[PluginInfo]:
        return [self.info(n) for n in self.names]

    # ------------------------------------------------------------------ state in the database
    def available_names(self) -> set[str]:
        """Installed plugins the admins did not switch off (no row means available)."""
        off = set(db.session.scalars(select(PluginState.name).where(PluginState.available.is_(False))))
        return {n for n in self.names if n not in off}

    def enabled_for_team(self, team_id: int) -> set[str]:
        rows = db.session.scalars(
            select(TeamPlugin.plugin).where(TeamPlugin.team_id == team_id, TeamPlugin.enabled.is_(True))
        )
        return set(rows) & self.available_names()

    def enabled_for_user(self, user) -> set[str]:
        """Plugins ``user`` may use: enabled for one of their teams (admins: every available plugin)."""
        if user is None or not getattr(user, "is_authenticated", False):
            return set()
        if user.is_admin:
            return self.available_names()
        rows = db.session.scalars(
            select(TeamPlugin.plugin)
            .join(Membership, Membership.team_id == TeamPlugin.team_id)
            .where(Membership.user_id == user.id, TeamPlugin.enabled.is_(True))
        )
        return set(rows) & self.available_names()

    def teams_with(self, plugin: str) -> list[Team]:
        return list(
            db.session.scalars(
                select(Team).join(TeamPlugin, TeamPlugin.team_id == Team.id)
                .where(TeamPlugin.plugin == plugin, TeamPlugin.enabled.is_(True)).order_by(Team.name)
            )
        )

    # ------------------------------------------------------------------ hook calls
    def hook_for(self, user, name: str):
        """The hook ``name`` restricted to the plugins enabled for ``user`` (pluggy's subset_hook_caller)."""
        enabled = self.enabled_for_user(user)
        remove = [p for n, p in self.pm.list_name_plugin() if n not in enabled]
        return self.pm.subset_hook_caller(name, remove_plugins=remove)

    def hook_available(self, name: str):
        """The hook ``name`` on every available plugin (data rights, finance, demo data)."""
        available = self.available_names()
        remove = [p for n, p in self.pm.list_name_plugin() if n not in available]
        return self.pm.subset_hook_caller(name, remove_plugins=remove)

    def call_each(self, name: str, **kwargs) -> dict:
        """Call hook ``name`` on every available plugin separately: ``{plugin name: its result}``."""
        available = self.available_names()
        results = {}
        for impl in getattr(self.pm.hook, name).get_hookimpls():
            if impl.plugin_name in available:
                results[impl.plugin_name] = impl.function(**{a: kwargs[a] for a in impl.argnames})
        return results

    def hook_of(self, plugin_name: str, name: str):
        """The hook ``name`` on one plugin only (the enable/disable callbacks)."""
        remove = [p for n, p in self.pm.list_name_plugin() if n != plugin_name]
        return self.pm.subset_hook_caller(name, remove_plugins=remove)

    def set_team_enabled(self, team: Team, plugin: str, enabled: bool, user) -> None:
        if plugin not in self.available_names():
            abort(404)
        row = db.session.scalar(select(TeamPlugin).where(TeamPlugin.team_id == team.id, TeamPlugin.plugin == plugin))
        if row is None:
            row = TeamPlugin(team_id=team.id, plugin=plugin, enabled=False)
            db.session.add(row)
        if row.enabled == enabled:
            return
        row.enabled = enabled
        row.changed_by_id = getattr(user, "id", None)
        from .audit import record
        from .models import utcnow

        row.changed_at = utcnow()
        record("plugin_on" if enabled else "plugin_off", "team", team.id, detail=plugin)
        db.session.flush()
        hook = self.hook_of(plugin, "hvhk_team_enabled" if enabled else "hvhk_team_disabled")
        hook(team=team)

    # ------------------------------------------------------------------ app wiring
    def register_blueprints(self, app: Flask) -> None:
        for impl in self.pm.hook.hvhk_blueprints.get_hookimpls():
            for bp in impl.function() or []:
                app.register_blueprint(bp)
                self.blueprint_owner[bp.name] = impl.plugin_name

    def migration_dirs(self) -> list[str]:
        return [d for d in self.pm.hook.hvhk_migrations() if d]


def _parse_plugin_setting(value: str | None) -> set[str] | None:
    """``HVHK_PLUGINS``: unset or 'all' loads every installed plugin; '' or 'none' loads none."""
    if value is None or value.strip().lower() == "all":
        return None
    if value.strip().lower() in ("", "none"):
        return set()
    return {v.strip() for v in value.split(",") if v.strip()}


def current_plugins() -> PluginHost:
    return current_app.extensions["hvhk_plugins"]


def user_hook(name: str):
    """Shortcut for views: the hook ``name`` for the logged-in user, cached per request."""
    cache = g.setdefault("_hvhk_hooks", {})
    if name not in cache:
        cache[name] = current_plugins().hook_for(current_user, name)
    return cache[name]


def guard_plugin_blueprints() -> None:
    """before_request: a plugin's pages answer 404 to users none of whose teams enabled the plugin."""
    bp = request.blueprint
    if not bp:
        return None
    host = current_plugins()
    owner = host.blueprint_owner.get(bp.split(".")[0])
    if owner is None:
        return None
    if not current_user.is_authenticated:
        return current_app.login_manager.unauthorized()
    view = current_app.view_functions.get(request.endpoint or "")
    if current_user.is_partner:
        if getattr(view, "_hvhk_partner_view", False) and owner in host.available_names():
            return None
        abort(404)
    if owner not in host.enabled_for_user(current_user):
        abort(404)
    return None
