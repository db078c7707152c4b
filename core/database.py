"""Database connection settings: timeouts so that a stalled or dead database never hangs a request, and the
health check's own short probe.

Every value is read from the environment (or the app config, which wins); see README "Production use" and
docs/deployment.md. PostgreSQL only, except the pool settings; SQLite keeps its busy timeout (core/__init__.py).
"""

from __future__ import annotations

import asyncio
import os
import select
import threading
import time
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy.engine import make_url

# setting (environment variable or app config) -> default, in seconds
TIMEOUTS = {
    "HVHK_DB_CONNECT_TIMEOUT": 5,  # libpq connect_timeout
    "HVHK_DB_STATEMENT_TIMEOUT": 20,  # server cancels a statement that runs longer
    "HVHK_DB_IDLE_IN_TRANSACTION_TIMEOUT": 60,  # server ends a session whose transaction waits (dead worker)
    "HVHK_DB_KEEPALIVES_IDLE": 5,  # TCP keepalive probes after this much silence ...
    "HVHK_DB_KEEPALIVES_INTERVAL": 2,  # ... every this many seconds ...
    "HVHK_DB_KEEPALIVES_COUNT": 3,  # ... and the connection is dead after this many unanswered probes
    "HVHK_DB_TCP_USER_TIMEOUT": 10,  # sent data unacknowledged this long: the connection is dead
    "HVHK_DB_POOL_TIMEOUT": 10,  # wait at most this long for a free connection from the pool
    "HVHK_HEALTH_TIMEOUT": 3,  # /healthz answers 503 when the database does not answer within this
    "HVHK_DB_PING_AFTER_IDLE": 1,  # a pooled connection idle longer than this is pinged before a request uses it
}


def settings_from_env() -> dict:
    """The timeout settings from the environment (numbers of seconds; 0 switches a server timeout off)."""
    out = {}
    for name, default in TIMEOUTS.items():
        raw = os.environ.get(name)
        out[name] = float(raw) if raw not in (None, "") else default
    return out


def ping_when_idle(app) -> None:
    """PostgreSQL: ping a pooled connection before a request uses it only when it lay idle in the pool for
    more than HVHK_DB_PING_AFTER_IDLE seconds. A database restart or a network break is found by the ping as with
    SQLAlchemy's ``pool_pre_ping`` (a dead connection is replaced before the request sees it), but a server
    under load, whose connections go from one request to the next, pays no extra round trip per request.
    A connection that died in the last second fails its request with the Dutch 503 page, and SQLAlchemy then
    replaces every connection of the pool. Given ``pool_pre_ping`` in SQLALCHEMY_ENGINE_OPTIONS: not used."""
    from sqlalchemy import event
    from sqlalchemy.exc import DisconnectionError

    from .extensions import db

    if app.config["SQLALCHEMY_ENGINE_OPTIONS"].get("pool_pre_ping"):
        return
    after = float(app.config["HVHK_DB_PING_AFTER_IDLE"])
    with app.app_context():
        engines = list(db.engines.values())
    for engine in engines:
        if engine.url.get_backend_name() != "postgresql":
            continue
        dialect = engine.dialect

        def checked_in(_dbapi_conn, record):
            record.info["hvhk_idle_since"] = time.monotonic()

        def checkout(dbapi_conn, record, _proxy, dialect=dialect):
            since = record.info.get("hvhk_idle_since")  # None: connected for this checkout
            if since is None or time.monotonic() - since <= after:
                return
            try:
                dialect.do_ping(dbapi_conn)
            except Exception as e:  # the pool drops this connection and checks out another
                raise DisconnectionError(f"pinged after {time.monotonic() - since:.1f} s idle: {e}") from e

        event.listen(engine.pool, "checkin", checked_in)
        event.listen(engine.pool, "checkout", checkout)


def _ms(seconds: float) -> int:
    return int(round(seconds * 1000))


def postgres_connect_args(config) -> dict:
    """psycopg connection parameters for the timeouts (libpq keywords)."""
    server_options = (f"-c statement_timeout={_ms(config['HVHK_DB_STATEMENT_TIMEOUT'])} "
                      f"-c idle_in_transaction_session_timeout={_ms(config['HVHK_DB_IDLE_IN_TRANSACTION_TIMEOUT'])}")
    return {
        "connect_timeout": max(1, int(round(config["HVHK_DB_CONNECT_TIMEOUT"]))),
        "keepalives": 1,
        "keepalives_idle": max(1, int(config["HVHK_DB_KEEPALIVES_IDLE"])),
        "keepalives_interval": max(1, int(config["HVHK_DB_KEEPALIVES_INTERVAL"])),
        "keepalives_count": max(1, int(config["HVHK_DB_KEEPALIVES_COUNT"])),
        "tcp_user_timeout": _ms(config["HVHK_DB_TCP_USER_TIMEOUT"]),
        "options": server_options,
    }


def engine_options(config, given: dict | None) -> dict:
    """SQLALCHEMY_ENGINE_OPTIONS: pre-ping and (PostgreSQL) the pool timeout and the connection timeouts. Options
    given explicitly in the app config win, key by key (``connect_args`` merged); so do parameters written in
    DATABASE_URL's query string."""
    given = dict(given or {})
    options = {}  # no pool_pre_ping: ping_when_idle pings only connections that were idle (a pool_pre_ping given wins)
    url = make_url(config["SQLALCHEMY_DATABASE_URI"])
    connect_args = {}
    if url.get_backend_name() == "postgresql":
        options["pool_timeout"] = config["HVHK_DB_POOL_TIMEOUT"]
        connect_args = {k: v for k, v in postgres_connect_args(config).items() if k not in url.query}
    connect_args.update(given.pop("connect_args", {}))
    options.update(given)
    if connect_args:
        options["connect_args"] = connect_args
    return options


def database_answers(engine, connect_args: dict, timeout: float) -> bool:
    """Does the database answer ``SELECT 1`` within ``timeout`` seconds? Asked on the process's own health
    connection, outside the pool, so a pooled connection stuck in a stalled network cannot hold the health check
    up; the wait for the answer is bounded. Opening a connection per check cost more than the rest of the request
    together, so the connection is kept; when it fails (the server restarted, the network broke) a fresh one is
    tried at once within the same time limit."""
    if engine.url.get_backend_name() != "postgresql":
        with engine.connect() as conn:
            conn.exec_driver_sql("SELECT 1")
        return True
    key = (engine.url.render_as_string(hide_password=False), repr(sorted(connect_args.items())))
    probe = _HEALTH_PROBES.get(key)
    if probe is None:
        probe = _HEALTH_PROBES.setdefault(key, _HealthProbe())
    return probe.answers(engine, connect_args, timeout)


class _HealthProbe:
    """One kept connection per process and database for /healthz (a second concurrent check in the same process
    uses a fresh connection, as every check did before)."""

    def __init__(self):
        self.lock = threading.Lock()
        self.conn = None
        self.pid = None

    def answers(self, engine, connect_args: dict, timeout: float) -> bool:
        if not self.lock.acquire(blocking=False):
            return _fresh_connection_answers(engine, connect_args, timeout)
        try:
            deadline = time.monotonic() + timeout
            if self.conn is not None and self.pid != os.getpid():
                self.conn = None  # inherited through a fork: the parent's socket, never ours to use or close
            if self.conn is not None:
                outcome = _select_one(self.conn.pgconn, deadline)
                if outcome is True:
                    return True
                self._drop()
                if outcome is None:  # no answer in time: the database (or the network to it) stalls
                    return False
            return self._connect(engine, connect_args, deadline)
        finally:
            self.lock.release()

    def _connect(self, engine, connect_args: dict, deadline: float) -> bool:
        left = deadline - time.monotonic()
        if left <= 0:
            return False
        conn = _run(_bounded_connect(engine, connect_args, left))
        if conn is None:
            return False
        self.conn, self.pid = conn, os.getpid()  # used through its libpq connection only, without an event loop
        if _select_one(conn.pgconn, deadline) is True:
            return True
        self._drop()
        return False

    def _drop(self) -> None:
        conn, self.conn = self.conn, None
        if conn is not None:
            try:
                conn.pgconn.finish()  # never waits for the server
            except Exception:
                pass


def _select_one(pgconn, deadline: float) -> bool | None:
    """``SELECT 1`` on a libpq connection without ever blocking past ``deadline``: True when answered, False on
    an error (closed connection, server gone), None when no answer came in time."""
    from psycopg import pq

    try:
        pgconn.nonblocking = 1
        pgconn.send_query(b"SELECT 1")
        while pgconn.flush() != 0:
            if not _wait(pgconn.socket, deadline, write=True):
                return None
        while True:
            pgconn.consume_input()
            if not pgconn.is_busy():
                break
            if not _wait(pgconn.socket, deadline):
                return None
        ok = False
        while (res := pgconn.get_result()) is not None:
            ok = ok or res.status == pq.ExecStatus.TUPLES_OK
        return ok
    except Exception:
        return False


def _wait(fd: int, deadline: float, write: bool = False) -> bool:
    left = deadline - time.monotonic()
    if left <= 0:
        return False
    r, w, x = select.select([] if write else [fd], [fd] if write else [], [fd], left)
    return bool(r or w or x)


_HEALTH_PROBES: dict[tuple, _HealthProbe] = {}


def close_health_connections() -> None:
    """Close this process's kept /healthz connections (a restore needs the database to itself)."""
    for probe in list(_HEALTH_PROBES.values()):
        with probe.lock:
            if probe.pid == os.getpid():
                probe._drop()
            else:
                probe.conn = None


def _connect_kwargs(engine, connect_args: dict, timeout: float) -> dict:
    _args, kwargs = engine.dialect.create_connect_args(engine.url)
    kwargs.update(connect_args)
    kwargs["connect_timeout"] = max(1, int(round(timeout)))
    return kwargs


async def _bounded_connect(engine, connect_args: dict, timeout: float):
    """A new autocommit connection within ``timeout`` seconds, or None."""
    import psycopg

    try:
        return await asyncio.wait_for(
            psycopg.AsyncConnection.connect(autocommit=True, **_connect_kwargs(engine, connect_args, timeout)), timeout)
    except (TimeoutError, psycopg.Error, OSError):
        return None


def _run(coroutine):
    try:
        asyncio.get_running_loop()
    except RuntimeError:  # the usual case: no event loop in this thread
        return asyncio.run(coroutine)
    with ThreadPoolExecutor(1) as pool:  # called from inside an event loop: run it in a thread of its own
        return pool.submit(lambda: asyncio.run(coroutine)).result()


def _fresh_connection_answers(engine, connect_args: dict, timeout: float) -> bool:
    """The check on a connection of its own, opened and closed here (bounded by ``timeout`` as a whole)."""
    import psycopg

    kwargs = _connect_kwargs(engine, connect_args, timeout)

    async def probe() -> None:
        conn = await psycopg.AsyncConnection.connect(autocommit=True, **kwargs)
        try:
            await conn.execute("SELECT 1")
        finally:
            await conn.close()

    async def bounded() -> bool:
        try:
            await asyncio.wait_for(probe(), timeout)
            return True
        except (TimeoutError, psycopg.Error, OSError):
            return False

    return _run(bounded())
