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
    """Demo data through the core and every plugin's hook at ``scale`` (inside an app context); returns
    ``[{"part": ..., "seconds": ...}]``."""
    from core.demo_data import load_core_demo
    from core.extensions import db
    from core.plugins import current_plugins

    rows = []
    t = time.perf_counter()
    load_core_demo(db.session, scale)
    db.session.commit()
    rows.append({"part": "core (families, people)", "seconds": round(time.perf_counter() - t, 1)})
    for name in current_plugins().call_each("hvhk_plugin_info"):
        t = time.perf_counter()
        current_plugins().hook_of(name, "hvhk_demo_data")(session=db.session, scale=scale)
        db.session.commit()
        rows.append({"part": f"plugin {name}", "seconds": round(time.perf_counter() - t, 1)})
    return rows


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
