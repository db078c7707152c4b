"""The plugin host: discovery by entry points, availability, per-team enablement, team-filtered hook calls.

One ``PluginHost`` per app (``current_plugins()``), so tests can build apps with different plugin sets.

The kit for plugins (see docs/plugins.md, "The kit"): ``plugin_name()`` tells a plugin its own name from
the module that asks (as pretix's ``get_defining_app``), ``teams_for()``/``team_ids_for()`` give the user's
teams that switched that plugin on, ``plugin_teams()`` every team that did, and ``enabled_plugins()`` the
plugins a user may use; all of it is cached per request.
"""

from __future__ import annotations

import importlib.metadata
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass
from types import ModuleType
from typing import TypeVar

import pluggy
from flask import Flask, abort, current_app, g, has_request_context, request
from flask_login import current_user
from sqlalchemy import select

from . import hookspecs
from .extensions import db
from .held import changes_with, held
from .models import PluginState, Team, TeamPlugin

T = TypeVar("T")

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
        self._subset_callers: dict[tuple, object] = {}
        self._packages: list[tuple[str, str]] | None = None
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
    def _switch_state(self) -> tuple[frozenset[str], dict[int, frozenset[str]]]:
        """(plugins the admins switched off, {team id: plugins the team switched on}): two small tables this
        process holds between requests (``core.held``), so a logged-in request pays no query for them."""
        cache = _request_cache()
        if cache is None:
            return _read_switch_state()
        if "switch_state" not in cache:
            cache["switch_state"] = held("core.plugin_switches", _read_switch_state)
        return cache["switch_state"]

    def available_names(self) -> set[str]:
        """Installed plugins the admins did not switch off (no row means available)."""
        off, _switches = self._switch_state()
        return {n for n in self.names if n not in off}

    def enabled_for_team(self, team_id: int) -> set[str]:
        return set(self._switch_state()[1].get(team_id, ())) & self.available_names()

    def enabled_for_user(self, user) -> set[str]:
        """Plugins ``user`` may use: enabled for one of their teams (admins: every available plugin).

        Cached per request (``enabled_plugins()`` is the kit's name for it)."""
        if user is None or not getattr(user, "is_authenticated", False):
            return set()
        if user.is_admin:
            return self.available_names()
        installed = set(self.names)
        return {p for _team, p, available in self._user_switches(user) if available and p in installed}

    def _user_switches(self, user) -> frozenset[tuple[int, str, bool]]:
        """``(team id, plugin, available)`` for every plugin switched on in one of ``user``'s teams (their
        memberships come with the user: no query)."""
        off, switches = self._switch_state()
        return frozenset((m.team_id, plugin, plugin not in off)
                         for m in user.memberships for plugin in switches.get(m.team_id, ()))

    def user_team_ids_with(self, user, plugin: str) -> set[int]:
        """Ids of ``user``'s teams that switched ``plugin`` on (a non-admin; see ``team_ids_for``)."""
        return {team_id for team_id, p, _available in self._user_switches(user) if p == plugin}

    def team_ids_with(self, plugin: str) -> set[int]:
        """Ids of the teams that switched ``plugin`` on."""
        return {team_id for team_id, plugins in self._switch_state()[1].items() if plugin in plugins}

    def teams_with(self, plugin: str) -> list[Team]:
        """Every team that switched ``plugin`` on, ordered by name (plugins: ``plugin_teams()``)."""
        return _teams(self.team_ids_with(plugin))

    # ------------------------------------------------------------------ hook calls
    def hook_for(self, user, name: str):
        """The hook ``name`` restricted to the plugins enabled for ``user`` (pluggy's subset_hook_caller)."""
        return self._subset(name, frozenset(self.enabled_for_user(user)))

    def hook_available(self, name: str):
        """The hook ``name`` on every available plugin (data rights, finance, demo data)."""
        return self._subset(name, frozenset(self.available_names()))

    def _subset(self, name: str, keep: frozenset[str]):
        """pluggy's subset caller of ``name`` for the plugins ``keep``, made once per process and set of plugins
        (it reads the registered implementations at each call, so it never goes stale)."""
        key = (name, keep, len(self.pm.get_plugins()))  # a plugin registered later makes a new one
        caller = self._subset_callers.get(key)
        if caller is None:
            remove = [p for n, p in self.pm.list_name_plugin() if n not in keep]
            caller = self._subset_callers[key] = self.pm.subset_hook_caller(name, remove_plugins=remove)
        return caller

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
        forget_request_cache()
        from .audit import record
        from .models import utcnow

        row.changed_at = utcnow()
        record("plugin_on" if enabled else "plugin_off", "team", team.id, detail=f"{team.name}: {self.info(plugin).label}")
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
        """Each plugin's Alembic folder: what its ``hvhk_migrations`` returns, else the ``migrations`` folder
        next to its package's ``__init__.py`` when there is one (the convention ``hvhk new-plugin`` draws)."""
        dirs = []
        for _name, plugin in self.pm.list_name_plugin():
            impl = getattr(plugin, "hvhk_migrations", None)
            if impl is not None:
                found = impl()
            else:
                here = getattr(plugin, "__file__", None)
                found = os.path.join(os.path.dirname(here), "migrations") if here else None
                found = found if found and os.path.isdir(found) else None
            if found:
                dirs.append(str(found))
        return dirs

    # ------------------------------------------------------------------ which plugin a module belongs to
    def plugin_of_module(self, module: str) -> str | None:
        """The registered plugin whose package is ``module`` or contains it (the longest such package wins),
        as pretix's ``get_defining_app`` does: ``plugins.petra.views`` belongs to the plugin registered as the
        module ``plugins.petra``."""
        if self._packages is None:
            self._packages = sorted(((_package_of(obj), name) for name, obj in self.pm.list_name_plugin()),
                                    key=lambda pair: -len(pair[0]))
        for package, name in self._packages:
            if package and (module == package or module.startswith(package + ".")):
                return name
        return None


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
    cache = _request_cache()
    if cache is None:
        return current_plugins().hook_for(current_user, name)
    key = ("hook", name)
    if key not in cache:
        cache[key] = current_plugins().hook_for(current_user, name)
    return cache[key]


# --------------------------------------------------------------------------- the kit: identity and teams


def _package_of(obj) -> str:
    """The package a registered plugin object lives in: a package itself, or the package of its module."""
    if isinstance(obj, ModuleType):
        if hasattr(obj, "__path__"):  # a package: plugins.petra
            return obj.__name__
        return obj.__package__ or obj.__name__  # a module: its package (or itself at the top level)
    module = getattr(obj, "__module__", None) or type(obj).__module__
    mod = sys.modules.get(module)
    return (getattr(mod, "__package__", None) or module) if mod is not None else module


def _read_switch_state() -> tuple[frozenset[str], dict[int, frozenset[str]]]:
    off = frozenset(db.session.scalars(select(PluginState.name).where(PluginState.available.is_(False))))
    switches: dict[int, set[str]] = {}
    for team_id, name in db.session.execute(
            select(TeamPlugin.team_id, TeamPlugin.plugin).where(TeamPlugin.enabled.is_(True))):
        switches.setdefault(team_id, set()).add(name)
    return off, {team_id: frozenset(names) for team_id, names in switches.items()}


changes_with(PluginState, TeamPlugin)


def _request_cache() -> dict | None:
    """A dict that lives as long as the current request (None outside a request)."""
    if not has_request_context():
        return None
    req = request._get_current_object()
    holder = g.get("_hvhk_kit")
    if holder is None or holder[0] is not req:
        holder = (req, {})
        g._hvhk_kit = holder
    return holder[1]


def once_per_request(key, load: Callable[[], T]) -> T:
    """``load()`` once per request: later calls with the same ``key`` in the request get the first answer;
    outside a request ``load()`` runs every time. For a fact several hooks of one page ask (the user's own
    trajectories for both "what is due" and "my cases"); the answer is dropped when a write in the request
    renews the held values (``core.held.renew``) or calls ``forget_request_cache()``. Keys are tuples starting
    with the plugin's name: ``("petra.my_trajectories", user_id, teams)``."""
    cache = _request_cache()
    if cache is None:
        return load()
    if key not in cache:
        cache[key] = load()
    return cache[key]


def forget_request_cache() -> None:
    """Drop what this request cached about plugins and teams (after switching a plugin on or off)."""
    cache = _request_cache()
    if cache is not None:
        cache.clear()


def _caller_module(depth: int) -> str:
    return sys._getframe(depth + 1).f_globals.get("__name__", "")


def plugin_name(module: str | None = None) -> str:
    """The name the calling plugin is registered under (``"petra"``), taken from the module that asks.

    ``module`` names another module to look up instead (``plugin_name(__name__)`` is the same as no
    argument). Raises ``LookupError`` when the module belongs to no loaded plugin (for example the core)."""
    module = module or _caller_module(1)
    name = current_plugins().plugin_of_module(module)
    if name is None:
        raise LookupError(f"{module!r} belongs to no loaded plugin: pass plugin= explicitly")
    return name


def enabled_plugins(user=None) -> set[str]:
    """The plugins ``user`` (default: the logged-in user) may use: switched on for one of their teams
    (admins: every available plugin). Cached per request."""
    return current_plugins().enabled_for_user(current_user if user is None else user)


def team_ids_for(user=None, plugin: str | None = None, *, manager: bool = False) -> set[int]:
    """Ids of ``user``'s teams that switched ``plugin`` on; ``manager=True``: only teams they manage.

    ``user`` defaults to the logged-in user, ``plugin`` to the plugin of the calling module. An admin gets
    every team with the plugin on; an anonymous or partner user gets none."""
    plugin = plugin or plugin_name(_caller_module(1))
    user = current_user if user is None else user
    if not getattr(user, "is_authenticated", False) or user.is_partner:
        return set()
    host = current_plugins()
    if user.is_admin:
        return host.team_ids_with(plugin)
    with_plugin = host.user_team_ids_with(user, plugin)
    return with_plugin & user.managed_team_ids() if manager else with_plugin


def teams_for(user=None, plugin: str | None = None, *, manager: bool = False) -> list[Team]:
    """``team_ids_for`` as ``Team`` rows ordered by name (for a choice of owning team)."""
    return _teams(team_ids_for(user, plugin or plugin_name(_caller_module(1)), manager=manager))


def plugin_teams(plugin: str | None = None) -> list[Team]:
    """Every team that switched ``plugin`` (default: the calling module's plugin) on, ordered by name."""
    return current_plugins().teams_with(plugin or plugin_name(_caller_module(1)))


def _teams(ids: set[int]) -> list[Team]:
    if not ids:
        return []
    return list(db.session.scalars(select(Team).where(Team.id.in_(ids)).order_by(Team.name)))


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
