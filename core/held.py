"""The kit: small tables a server process holds between requests, safely across processes.

Some tables are read on (almost) every request and change a few times a year: which plugins a team switched
on, which team is the finance office. ``held(key, load)`` returns what ``load()`` returned, held by this
process for as long as the house's cache version is unchanged. The version (one random number in the table
``cache_version``) is read in the same query as the logged-in user (``core.security.load_user``), so a held
value costs no query at all; every flush that writes a model registered with ``changes_with`` gives the version
a new random value in the same transaction, so every process (gunicorn runs several) loads the value again at
its next request, and the process that made the change at once.

    from core.held import changes_with, held

    changes_with(CostingTeamRole)

    def team_roles() -> dict[int, str]:
        return held("costing.team_roles", lambda: dict(db.session.execute(select(...)).all()))

Only for small tables (the whole value lives in every process) whose every write goes through the ORM
session (a bulk ``update()`` or raw SQL does not change the version). Outside a request ``load()`` runs every
time. The version is random, never a counter, so a restored backup cannot meet a value held for another state.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from typing import TypeVar

from flask import current_app, g, has_request_context, request
from sqlalchemy import event, insert, select, update
from sqlalchemy.orm import Session

from .extensions import db
from .models import CacheVersion, Team

T = TypeVar("T")

VERSION_NAME = "held"
_WATCHED: set[type] = set()
_UNREAD = object()


def changes_with(*models: type) -> None:
    """Every flush that adds, changes or deletes an instance of ``models`` changes the cache version."""
    _WATCHED.update(models)


def version_subquery():
    """The cache version as a scalar subquery, to read with another query (``core.security.load_user``)."""
    return select(CacheVersion.version).where(CacheVersion.name == VERSION_NAME).scalar_subquery()


def remember_version(version) -> None:
    """Tell this request the cache version read with the user."""
    g._hvhk_cache_version = (request._get_current_object(), version)


def _request_version():
    """The version this request read (``g`` can outlive a request: tests push one app context for many)."""
    mine = g.get("_hvhk_cache_version")
    if mine is not None and mine[0] is request._get_current_object():
        return mine[1]
    return _UNREAD


def held(key: str, load: Callable[[], T]) -> T:
    """``load()``, held by this process while the cache version stays the same (see the module's text)."""
    if not has_request_context():
        return load()
    version = _request_version()
    if version is _UNREAD:  # nobody logged in, or the user was loaded otherwise: one small query per request
        version = db.session.scalar(select(CacheVersion.version).where(CacheVersion.name == VERSION_NAME))
        remember_version(version)
    store = current_app.extensions.setdefault("hvhk_held", {})
    found = store.get(key)
    if found is None or found[0] != version:
        found = store[key] = (version, load())
    return found[1]


@event.listens_for(Session, "before_flush")
def _new_version_on_change(session, _flush_context, _instances) -> None:
    watched = tuple(_WATCHED)
    changed = bool(watched) and any(isinstance(obj, watched)
                                    for obj in (*session.new, *session.dirty, *session.deleted))
    changed = changed or any(isinstance(obj, Team) for obj in session.deleted)  # its rows go with it
    if changed:
        renew(session)


def renew(session) -> None:
    """Give the cache version a new value in ``session``'s transaction: for writes to a watched table that
    bypass the ORM's flush (a bulk ``insert()``)."""
    token = secrets.randbits(62)
    table = CacheVersion.__table__
    conn = session.connection()
    if conn.execute(update(table).where(table.c.name == VERSION_NAME).values(version=token)).rowcount == 0:
        conn.execute(insert(table).values(name=VERSION_NAME, version=token))
    if has_request_context():
        remember_version(token)  # this request reads the new state from here on
        g.pop("_hvhk_kit", None)  # and forgets what it cached per request (core.plugins)
