"""Helpers for the bench scripts: build an app on a fresh database, time calls, count queries, print figures.

Bench scripts print figures (a JSON line and a readable table); they never pass or fail on time.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def machine() -> dict:
    return {"python": platform.python_version(), "cpus": os.cpu_count(), "platform": platform.platform()}


def fresh_app(database_url: str | None = None, **config):
    """An app on an empty, migrated database (SQLite in a temp dir unless ``database_url``)."""
    from sqlalchemy import text

    from core import create_app
    from core.cli import upgrade_all
    from core.extensions import db

    tmp = tempfile.mkdtemp(prefix="hvhk-bench-")
    url = database_url or f"sqlite:///{tmp}/bench.sqlite3"
    app = create_app({"TESTING": True, "SECRET_KEY": "bench-secret-key-0123456789abcdef",
                      "SQLALCHEMY_DATABASE_URI": url, "INSTANCE_PATH": tmp, **config})
    with app.app_context():
        if url.startswith("postgresql"):
            with db.engine.begin() as conn:
                conn.execute(text("DROP SCHEMA public CASCADE"))
                conn.execute(text("CREATE SCHEMA public"))
        upgrade_all()
    return app


def plugin_bench(plugin: str):
    """The start of a plugin's bench: ``--scale``, ``--database-url`` (default ``DATABASE_URL``) and ``--repeat``;
    only ``plugin`` loaded (unless ``HVHK_PLUGINS`` says otherwise); an app on a fresh database with CSRF off (the
    bench posts the login form). Returns ``(app, args)``."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", type=int, default=10)
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL"))
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    os.environ.setdefault("HVHK_PLUGINS", plugin)
    return fresh_app(args.database_url, WTF_CSRF_ENABLED=False), args


def load_plugin_demo(plugin: str, load_demo, scale: int, models: tuple) -> None:
    """Inside an app context: the core's demo data, then the plugin's (``load_demo(session, scale)``), each timed
    and committed; prints the database, both times (and what the plugin's loader returned) and the row counts of
    ``models``."""
    from flask import current_app
    from sqlalchemy import func, select

    from core.demo_data import load_core_demo
    from core.extensions import db

    t0 = time.perf_counter()
    load_core_demo(db.session, scale)
    db.session.commit()
    t1 = time.perf_counter()
    stats = load_demo(db.session, scale)
    db.session.commit()
    t2 = time.perf_counter()
    print(f"database: {current_app.config['SQLALCHEMY_DATABASE_URI'].split('://')[0]}, scale {scale}")
    print(f"core demo: {t1 - t0:.1f} s; {plugin} demo: {t2 - t1:.2f} s" + (f" -> {stats}" if stats is not None else ""))
    print("rows:", {m.__tablename__: db.session.scalar(select(func.count()).select_from(m)) for m in models})


def login_client(app, username: str, password: str = "huisvanhetkind"):
    """A test client logged in through the login form (the demo users' password)."""
    client = app.test_client()
    client.post("/login", data={"username": username, "password": password})
    return client


def page_table(app, client, pages: list[str], repeat: int, *, warmup: bool = False, size: bool = False,
               audit: bool = False) -> None:
    """Print a table, a row a page: status, SQL queries (of the last request), median ms of ``repeat`` requests
    (after one not timed with ``warmup``); with ``size`` the page's KB, with ``audit`` the audit rows written per
    request."""
    from sqlalchemy import func, select

    from core.extensions import db
    from core.models import AuditEntry

    width = max(42, *(len(p) + 2 for p in pages))
    print(f"{'page':{width}} {'status':>6} {'queries':>7}" + (f" {'KB':>7}" if size else "") + f" {'median ms':>9}"
          + (f" {'audit rows':>10}" if audit else ""))
    with app.app_context():
        engine = db.engine
    for page in pages:
        if audit:
            with app.app_context():
                audit_before = db.session.scalar(select(func.count()).select_from(AuditEntry))
                db.session.remove()
        times = []
        with counting_queries(engine) as counter:
            for i in range(repeat + warmup):
                counter["n"] = 0
                t = time.perf_counter()
                resp = client.get(page)
                if i >= warmup:
                    times.append((time.perf_counter() - t) * 1000)
        line = f"{page:{width}} {resp.status_code:>6} {counter['n']:>7}"
        if size:
            line += f" {len(resp.data) / 1024:>7.0f}"
        line += f" {statistics.median(times):>9.1f}"
        if audit:
            with app.app_context():
                written = db.session.scalar(select(func.count()).select_from(AuditEntry)) - audit_before
                line += f" {written / (repeat + warmup):>10.0f}"
                db.session.remove()
        print(line)


def load_demo_families(families: int) -> float:
    """Inside an app context: every plugin's demo data for about ``families`` families (scale = families / 300);
    returns the seconds it took."""
    from core.demo import load_demo

    t = time.perf_counter()
    load_demo(scale=max(1, round(families / 300)))
    return time.perf_counter() - t


def analyze() -> None:
    """Inside an app context: ``ANALYZE`` on PostgreSQL (the planner's statistics after a bulk load); nothing on
    SQLite."""
    from core.extensions import db

    if db.engine.dialect.name == "postgresql":
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("ANALYZE")


def measure_page(app, client, url: str, repeat: int) -> dict:
    """After one warm-up request: the status and SQL query count of one request, then the percentiles of
    ``repeat`` more."""
    from core.extensions import db

    client.get(url)  # warm up
    with app.app_context(), counting_queries(db.engine) as c:
        status = client.get(url).status_code
    samples = timed(lambda: client.get(url), repeat)
    return {"status": status, **percentiles(samples), "queries": c["n"]}


@contextmanager
def gunicorn(database_url: str, workers: int, port: int):
    """The intranet on gunicorn (``workers`` processes) on 127.0.0.1:``port`` against ``database_url``, until it
    answers /healthz; yields its base URL and stops it at the end."""
    from http_client import Client

    env = dict(os.environ, DATABASE_URL=database_url, SECRET_KEY="bench-secret-key-0123456789abcdef")
    proc = subprocess.Popen([sys.executable, "-m", "gunicorn", "-w", str(workers), "-b",
                             f"127.0.0.1:{port}", "--log-level", "warning", "core:create_app()"], env=env)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            if Client(base).request("/healthz")[0] == 200:
                break
            time.sleep(0.3)
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def load_demo_timed(scale: int) -> list[dict]:
    """``core.demo.load_demo`` at ``scale`` (inside an app context): the real load, one transaction, with each
    part timed on the way (the core's families, each plugin's demo hook, the staff's work, the foreign-key check,
    the commit). Returns ``[{"part", "seconds", "cpu_s"}]``: wall time and this process's CPU (user + sys);
    on PostgreSQL a last row gives the server backend's CPU for the whole load (from /proc, same machine)."""
    import core.demo_data
    import core.demo_story
    import core.work_demo
    from core.demo import load_demo
    from core.extensions import db
    from core.plugins import current_plugins

    rows: list[dict] = []
    spent = [0.0, 0.0]  # wall, CPU of the parts timed (unrounded)

    def timed_part(name, fn):
        def run(*args, **kwargs):
            t, c = time.perf_counter(), time.process_time()
            try:
                return fn(*args, **kwargs)
            finally:
                spent[0] += time.perf_counter() - t
                spent[1] += time.process_time() - c
                rows.append({"part": name, "seconds": round(time.perf_counter() - t, 1),
                             "cpu_s": round(time.process_time() - c, 1)})
        return run

    patched = [(core.demo_data, "load_core_demo"), (core.work_demo, "demo_work"),
               (core.demo_story, "check_foreign_keys")]
    saved = [(m, n, getattr(m, n)) for m, n in patched]
    names = {"load_core_demo": "core (story, families, people)", "demo_work": "core: staff tasks and appointments",
             "check_foreign_keys": "foreign keys, checked once (PostgreSQL)"}
    for m, n, fn in saved:
        setattr(m, n, timed_part(names[n], fn))
    impls = current_plugins().pm.hook.hvhk_demo_data.get_hookimpls()
    impl_saved = [(impl, impl.function) for impl in impls]
    for impl in impls:
        impl.function = timed_part(f"plugin {impl.plugin_name}", impl.function)
    backend = None
    if db.session.get_bind().dialect.name == "postgresql":
        from sqlalchemy import text

        backend = db.session.execute(text("SELECT pg_backend_pid()")).scalar()
    server_cpu = _proc_cpu(backend)
    try:
        t, c = time.perf_counter(), time.process_time()
        load_demo(scale)
        rows.append({"part": "commit and the rest", "seconds": round(max(0.0, time.perf_counter() - t - spent[0]), 1),
                     "cpu_s": round(max(0.0, time.process_time() - c - spent[1]), 1)})
        if backend:
            rows.append({"part": "PostgreSQL server backend (CPU)", "seconds": "", "cpu_s": round(
                _proc_cpu(backend) - server_cpu, 1)})
    finally:
        for m, n, fn in saved:
            setattr(m, n, fn)
        for impl, fn in impl_saved:
            impl.function = fn
    return rows


def _proc_cpu(pid: int | None) -> float:
    """user + sys CPU seconds of a process on this machine (0 when unknown)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, TypeError):
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@contextmanager
def counting_queries(engine):
    from sqlalchemy import event

    counter = {"n": 0}

    def before(*_args):
        counter["n"] += 1

    event.listen(engine, "before_cursor_execute", before)
    try:
        yield counter
    finally:
        event.remove(engine, "before_cursor_execute", before)


def percentiles(samples_ms: list[float]) -> dict:
    s = sorted(samples_ms)
    q = statistics.quantiles(s, n=100, method="inclusive") if len(s) > 1 else [s[0]] * 99
    return {"p50_ms": round(statistics.median(s), 2), "p95_ms": round(q[94], 2), "max_ms": round(s[-1], 2), "n": len(s)}


def timed(fn, repeat: int) -> list[float]:
    out = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t) * 1000)
    return out


def report(name: str, rows: list[dict], extra: dict | None = None) -> None:
    """Print a JSON line (for machines) and a table (for people)."""
    print(json.dumps({"bench": name, "machine": machine(), "rows": rows, **(extra or {})}))
    if not rows:
        return
    cols = list(rows[0].keys())
    widths = {c: max(len(c), *(len(str(r.get(c, ""))) for r in rows)) for c in cols}
    print("  ".join(c.ljust(widths[c]) for c in cols))
    for r in rows:
        print("  ".join(str(r.get(c, "")).ljust(widths[c]) for c in cols))
