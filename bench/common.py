"""Helpers for the bench scripts: build an app on a fresh database, time calls, count queries, print figures.

Bench scripts print figures (a JSON line and a readable table); they never pass or fail on time.
"""

from __future__ import annotations

import json
import os
import platform
import statistics
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
