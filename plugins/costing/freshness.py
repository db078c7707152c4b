"""Whether the billable work changed: the actual figures (``actuals.compute``) are cached per process and
used while nothing they are computed from was written since.

Every transaction that writes (through the ORM: a flush, or an ``insert``/``update``/``delete`` run on the
session) to a table the other plugins' ``hvhk_billable_units``/``_hours`` selects read from (found in the
selects themselves, so costing needs no knowledge of those plugins) adds one row to
``costing_billable_change`` in the same transaction. The figures are cached under the state of that log
(``state()``: count, lowest and highest id, the newest row's random stamp), read in one small query per
request: a new contact changes the state the moment it is committed, in every process, and the next request
computes the figures again. Writes that bypass the session (raw SQL) are not seen; the house writes through
the ORM, and a restart empties the cache.

Rolled-back writes roll their log row back with them. The log is pruned as it grows (every
``PRUNE_EVERY``-th row removes the rows ``PRUNE_EVERY`` before it); a prune changes the lowest id, so it
is a change of state too, never a missed one.
"""

from __future__ import annotations

import logging
import secrets
from collections import OrderedDict
from collections.abc import Callable, Hashable
from datetime import date
from typing import Any
from weakref import WeakKeyDictionary

from flask import has_app_context
from sqlalchemy import Table, delete, event, func, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.util import find_tables

from core.extensions import db
from core.models import Team
from core.ui import Period

from .models import BillableChange

log = logging.getLogger("hvhk.costing")
PRUNE_EVERY = 1000
CACHE_SIZE = 64
_LOGGED = "costing_billable_logged"

_watched: WeakKeyDictionary = WeakKeyDictionary()  # plugin host -> the tables its billable selects read
_cache: OrderedDict[Hashable, Any] = OrderedDict()


def watched_tables() -> frozenset[str] | None:
    """The tables the billable selects of every installed plugin read (and the team names); None when they
    cannot be known here (no application context): then every write counts as a change."""
    if not has_app_context():
        return None
    from core.plugins import current_plugins

    host = current_plugins()
    if host not in _watched:
        sample = Period(date(2000, 1, 1), date(2000, 12, 31), "")
        found = {Team.__tablename__}
        try:
            for hook in ("hvhk_billable_units", "hvhk_billable_hours"):
                for impl in getattr(host.pm.hook, hook).get_hookimpls():
                    stmt = impl.function(period=sample)
                    if stmt is not None:
                        found.update(t.name for t in find_tables(stmt, include_aliases=True, include_joins=True,
                                                                 include_selects=True) if isinstance(t, Table))
        except Exception:  # a plugin whose select cannot be built: its tables are unknown, so every write counts
            log.warning("billable tables unknown; every write invalidates the actual figures", exc_info=True)
            found = None
        _watched[host] = None if found is None else frozenset(found)
    return _watched[host]


def _touches(table_names) -> bool:
    watched = watched_tables()
    names = {n for n in table_names if n and n != BillableChange.__tablename__}
    return bool(names) and (watched is None or not names.isdisjoint(watched))


def _log_change(session: Session) -> None:
    if not session.info.get(_LOGGED):
        row = BillableChange(stamp=secrets.randbits(62))
        session.info[_LOGGED] = row
        session.add(row)


@event.listens_for(Session, "before_flush")
def _before_flush(session, _ctx, _instances):
    objects = [*session.new, *session.deleted, *(o for o in session.dirty if session.is_modified(o))]
    if objects and _touches({getattr(o, "__tablename__", None) for o in objects}):
        _log_change(session)


@event.listens_for(Session, "do_orm_execute")
def _on_execute(state):
    if state.is_insert or state.is_update or state.is_delete:
        table = getattr(state.statement, "table", None)
        if _touches({getattr(table, "name", None)}):
            _log_change(state.session)


@event.listens_for(Session, "after_flush_postexec")
def _prune(session, _ctx):
    row = session.info.get(_LOGGED)
    if isinstance(row, BillableChange) and row.id is not None:
        session.info[_LOGGED] = True  # logged; nothing more to do in this transaction
        if row.id % PRUNE_EVERY == 0:
            session.execute(delete(BillableChange).where(BillableChange.id <= row.id - PRUNE_EVERY))


@event.listens_for(Session, "after_transaction_end")
def _transaction_end(session, _transaction):
    # any end (a savepoint's too): a write after it logs again, so a rolled-back log row is never relied on
    session.info.pop(_LOGGED, None)


def state() -> tuple:
    """The state of the log (one query): changes whenever a write to the billable work is committed."""
    c = BillableChange
    newest = select(c.stamp).order_by(c.id.desc()).limit(1).scalar_subquery()
    row = db.session.execute(select(func.count(c.id), func.min(c.id), func.max(c.id), newest)).one()
    return tuple(row)


def cached(key: Hashable, compute: Callable[[], Any]) -> Any:
    """``compute()`` once per ``key`` and state of the log (the database's URL is part of the key)."""
    full = (str(db.engine.url), state(), key)
    if full in _cache:
        _cache.move_to_end(full)
        return _cache[full]
    value = compute()
    _cache[full] = value
    while len(_cache) > CACHE_SIZE:
        _cache.popitem(last=False)
    return value


def clear() -> None:
    """Forget every cached figure (tests, a restore)."""
    _cache.clear()
