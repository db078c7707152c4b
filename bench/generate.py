"""Data generation through every plugin's demo-data hook at a scale parameter, timed per part.

    python3 bench/generate.py [--families 100000] [--database-url ...]

scale = families / 300 (scale 1 is one house of about 300 families).
"""

from __future__ import annotations

import argparse
import time

from common import fresh_app, report


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--families", type=int, default=100_000)
    ap.add_argument("--database-url", default=None)
    args = ap.parse_args()
    scale = max(1, round(args.families / 300))
    app = fresh_app(args.database_url)
    from sqlalchemy import func, inspect, select

    from core.demo_data import load_core_demo
    from core.extensions import db
    from core.plugins import current_plugins

    rows = []
    with app.app_context():
        total = time.perf_counter()
        t = time.perf_counter()
        load_core_demo(db.session, scale)
        db.session.commit()
        rows.append({"part": "core (families, people)", "seconds": round(time.perf_counter() - t, 1)})
        for name, _ in current_plugins().call_each("hvhk_plugin_info").items():
            hook = current_plugins().hook_of(name, "hvhk_demo_data")
            t = time.perf_counter()
            hook(session=db.session, scale=scale)
            db.session.commit()
            rows.append({"part": f"plugin {name}", "seconds": round(time.perf_counter() - t, 1)})
        elapsed = time.perf_counter() - total
        counts = {}
        for table in sorted(inspect(db.engine).get_table_names()):
            if table == "alembic_version":
                continue
            from sqlalchemy import table as tbl

            counts[table] = db.session.scalar(select(func.count()).select_from(tbl(table)))
    rows.append({"part": "total", "seconds": round(elapsed, 1)})
    report("generate", rows, {"scale": scale, "rows_per_table": counts,
                              "database": app.config["SQLALCHEMY_DATABASE_URI"].split(":")[0]})
    for table, n in counts.items():
        if n:
            print(f"  {table}: {n:,}")


if __name__ == "__main__":
    main()
