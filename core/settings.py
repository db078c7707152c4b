"""One settings store for plugins: defaults declared in code, changed values in ``plugin_setting``.

A plugin declares its settings once, at module level (the idea of Indico's settings proxy and FlaskBB's
plugin store)::

    # plugins/hello/settings.py
    from wtforms import IntegerField
    from wtforms.validators import InputRequired, NumberRange

    from core.forms import Form
    from core.settings import PluginSettings


    class HelloSettingsForm(Form):
        greeting_days = IntegerField("Groeten na (dagen)", validators=[InputRequired(), NumberRange(1, 30)])


    SETTINGS = PluginSettings(defaults={"greeting_days": 7}, form=HelloSettingsForm)

and reads them anywhere with ``SETTINGS.get("greeting_days")`` or ``SETTINGS.all()``. The plugin is found
from the module that creates the store (the plugin whose package holds it), so the plugin never spells its
own name; pass ``plugin=`` only for an object that lives outside its package.

- Values are kept as JSON, so an int stays an int; a value read back is coerced to the type of its default
  (``Decimal``, ``date``, ``bool``, ``int``), and an unreadable stored value falls back on the default.
- A default may be a function without arguments, called when the value is read (to fall back on app config).
- Only values that differ from the default are stored: setting a value back to its default deletes the row,
  so a better default in a new release reaches everyone who never changed it.
- The stored values of a plugin are read once per request (one query) and cached in the request's ``g``.
- ``save`` (and ``set``) add the rows and one audit entry to the current transaction; the caller commits.
- ``view(...)`` is the whole settings page: the form filled with the current values, WTForms validation with
  Dutch messages next to the fields and the typed input kept, saving, a flash and a redirect. Only admins and
  managers of a team that enabled the plugin may open it (403 otherwise).
"""

from __future__ import annotations

import importlib.metadata
import json
import sys
from collections.abc import Callable, Iterable, Mapping
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from flask import abort, flash, g, has_request_context, redirect, render_template, request
from flask_login import current_user
from sqlalchemy import delete, select

from . import audit
from .extensions import db
from .models import PluginSetting, utcnow

ENTRY_POINT_GROUP = "hvhk.plugins"
_CACHE = "_hvhk_plugin_settings"


def plugin_of_module(module_name: str) -> str:
    """The name of the plugin whose package holds ``module_name``: one registered in the current app (also one
    handed in through ``HVHK_EXTRA_PLUGINS``), else one installed through the entry points."""
    from flask import has_app_context

    candidates: list[tuple[str, str]] = []
    if has_app_context():
        from .plugins import current_plugins

        for name, obj in current_plugins().pm.list_name_plugin():
            candidates.append((name, getattr(obj, "__name__", None) or type(obj).__module__))
    candidates += [(ep.name, ep.value.split(":")[0]) for ep in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP)]
    for name, package in candidates:
        if module_name == package or module_name.startswith(package + "."):
            return name
    raise LookupError(f"{module_name} belongs to no installed plugin; pass plugin= to PluginSettings")


def _coerce(default: Any, raw: Any) -> Any:
    """``raw`` (decoded JSON) as the type of ``default``; raises ValueError/TypeError when it cannot be."""
    if isinstance(default, bool):
        if not isinstance(raw, bool):
            raise TypeError(raw)
        return raw
    if isinstance(default, int):
        if isinstance(raw, bool):
            raise TypeError(raw)
        return int(raw)
    if isinstance(default, Decimal):
        try:
            return Decimal(str(raw))
        except InvalidOperation as e:
            raise ValueError(raw) from e
    if isinstance(default, datetime):
        return datetime.fromisoformat(raw)
    if isinstance(default, date):
        return date.fromisoformat(raw)
    if isinstance(default, str):
        if not isinstance(raw, str):
            raise TypeError(raw)
    return raw


def _encode(value: Any) -> str:
    if isinstance(value, date | datetime):
        value = value.isoformat()
    return json.dumps(value, default=str, ensure_ascii=False)


class PluginSettings:
    """The settings of one plugin: ``defaults`` (key -> default value or a function giving it) and the WTForms
    ``form`` class of its settings page (field names = keys; ``core.forms.Form`` gives Dutch messages)."""

    def __init__(self, defaults: Mapping[str, Any], form: type | None = None, *, plugin: str | None = None,
                 _module: str | None = None):
        self.defaults = dict(defaults)
        self.form = form
        self._plugin = plugin
        self._module = _module or sys._getframe(1).f_globals.get("__name__", "")

    def __repr__(self) -> str:
        return f"<PluginSettings {self._plugin or self._module}: {', '.join(self.defaults)}>"

    # ------------------------------------------------------------------ identity
    @property
    def plugin(self) -> str:
        if self._plugin is None:
            self._plugin = plugin_of_module(self._module)
        return self._plugin

    # ------------------------------------------------------------------ reading
    def default(self, key: str) -> Any:
        value = self.defaults[key]
        return value() if callable(value) else value

    def _stored(self) -> dict[str, Any]:
        """Every stored value of this plugin, decoded (one query per request)."""
        cache = g.setdefault(_CACHE, {}) if has_request_context() else {}
        if self.plugin not in cache:
            rows = db.session.execute(select(PluginSetting.key, PluginSetting.value)
                                      .where(PluginSetting.plugin == self.plugin))
            stored = {}
            for key, text in rows:
                try:
                    stored[key] = json.loads(text)
                except ValueError:
                    continue
            cache[self.plugin] = stored
        return cache[self.plugin]

    def get(self, key: str) -> Any:
        """The current value of ``key`` (KeyError for a key the plugin did not declare)."""
        if key not in self.defaults:
            raise KeyError(key)
        default = self.default(key)
        stored = self._stored()
        if key not in stored:
            return default
        try:
            return _coerce(default, stored[key])
        except (TypeError, ValueError):
            return default

    def all(self) -> dict[str, Any]:
        """Every declared key with its current value."""
        return {key: self.get(key) for key in self.defaults}

    def is_default(self, key: str) -> bool:
        return key not in self._stored() or self.get(key) == self.default(key)

    # ------------------------------------------------------------------ writing
    def save(self, values: Mapping[str, Any], user=None) -> list[str]:
        """Store ``values`` (only declared keys), audit the change, return the keys that changed. No commit."""
        unknown = set(values) - set(self.defaults)
        if unknown:
            raise KeyError(", ".join(sorted(unknown)))
        current = self.all()
        changed = [k for k, v in values.items() if v != current[k]]
        if not changed:
            return []
        user_id = getattr(user, "id", None) if user is not None else (
            current_user.id if has_request_context() and getattr(current_user, "is_authenticated", False) else None)
        stored = self._stored()
        for key in changed:
            value = values[key]
            db.session.execute(delete(PluginSetting).where(PluginSetting.plugin == self.plugin,
                                                           PluginSetting.key == key))
            if value == self.default(key):
                stored.pop(key, None)
                continue
            db.session.add(PluginSetting(plugin=self.plugin, key=key, value=_encode(value), changed_at=utcnow(),
                                         changed_by_id=user_id))
            stored[key] = json.loads(_encode(value))
        db.session.flush()
        audit.record("update", "plugin_setting", None, detail=f"{self.plugin}: {', '.join(changed)}",
                     user_id=user_id)
        return changed

    def set(self, key: str, value: Any, user=None) -> bool:
        """Store one value; True when it changed. No commit."""
        return bool(self.save({key: value}, user))

    def reset(self, keys: Iterable[str] | None = None, user=None) -> list[str]:
        """Put ``keys`` (default: all) back to their defaults."""
        return self.save({k: self.default(k) for k in (keys or self.defaults)}, user)

    # ------------------------------------------------------------------ the settings page
    def may_edit(self, user) -> bool:
        """Admins, and managers of a team that enabled this plugin."""
        if user is None or not getattr(user, "is_authenticated", False):
            return False
        if user.is_admin:
            return True
        from .plugins import current_plugins

        managed = user.managed_team_ids()
        return bool(managed) and any(t.id in managed for t in current_plugins().teams_with(self.plugin))

    def make_form(self, **kwargs):
        """The settings form: the current values, or on a POST what the user typed."""
        if self.form is None:
            raise TypeError(f"{self!r} has no form")
        return self.form(data=self.all(), **kwargs)

    def save_form(self, form, user=None) -> list[str]:
        """Store the form's values for the declared keys it has (strings stripped); the changed keys."""
        values = {}
        for key in self.defaults:
            if key in form:
                value = form[key].data
                values[key] = value.strip() if isinstance(value, str) else value
        return self.save(values, user)

    def view(self, *, title: str, template: str = "core/plugin_settings.html", next_url: str | None = None,
             may_edit: bool | Callable[[], bool] | None = None, message: str = "Instellingen opgeslagen.",
             save: Callable[[Any], Any] | None = None, **context):
        """The whole settings page of the plugin (GET and POST); ``template`` may extend
        ``core/plugin_settings.html`` (blocks ``settings_top``, ``settings_help``). ``save(form)`` stores the
        valid form (default ``save_form``; a plugin passes its operation): a ``core.operations.Refused`` it
        raises shows next to its field (422)."""
        from .forms import conflict_safe

        allowed = may_edit() if callable(may_edit) else may_edit
        if not (self.may_edit(current_user) if allowed is None else allowed):
            abort(403)
        form = self.make_form()
        saving = conflict_safe(form)
        if form.validate_on_submit():
            with saving:
                (save or self.save_form)(form)
            if saving.saved:
                flash(message, "success")
                return redirect(next_url or request.path)
        return render_template(template, form=form, title=title, settings=self, **context), saving.status
