"""Database connection settings: timeouts so that a stalled or dead database never hangs a request, and the
health check's own short probe.

Every value is read from the environment (or the app config, which wins); see README "Production use" and
docs/deployment.md. PostgreSQL only, except the pool settings; SQLite keeps its busy timeout (core/__init__.py).
"""

from __future__ import annotations

import asyncio
import os
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
}


def settings_from_env() -> dict:
    """The timeout settings from the environment (numbers of seconds; 0 switches a server timeout off)."""
    out = {}
    for name, default in TIMEOUTS.items():
        raw = os.environ.get(name)
        out[name] = float(raw) if raw not in (None, "") else default
    return out


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
    options = {"pool_pre_ping": True}
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
    """Does the database answer ``SELECT 1`` within ``timeout`` seconds? A fresh connection outside the pool,
    so a pooled connection stuck in a stalled network cannot hold the health check up."""
    if engine.url.get_backend_name() != "postgresql":
        with engine.connect() as conn:
            conn.exec_driver_sql("SELECT 1")
        return True
    import psycopg

    _args, kwargs = engine.dialect.create_connect_args(engine.url)
    kwargs.update(connect_args)
    kwargs["connect_timeout"] = max(1, int(round(timeout)))

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

    try:
        asyncio.get_running_loop()
    except RuntimeError:  # the usual case: no event loop in this thread
        return asyncio.run(bounded())
    with ThreadPoolExecutor(1) as pool:  # called from inside an event loop: probe from a thread of its own
        return pool.submit(lambda: asyncio.run(bounded())).result()
