"""Data generation through every plugin's demo-data hook at a scale parameter, timed per part.

    python3 bench/generate.py [--families 100000] [--database-url ...]

scale = families / 300 (scale 1 is one house of about 300 families).
"""

from __future__ import annotations

import argparse
import os
import time

from common import fresh_app, load_demo_timed, report


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--families", type=int, default=100_000)
    ap.add_argument("--database-url", default=None)
    args = ap.parse_args()
    scale = max(1, round(args.families / 300))
    app = fresh_app(args.database_url)
    from sqlalchemy import func, inspect, select

    from core.extensions import db

    with app.app_context():
        total, cpu = time.perf_counter(), time.process_time()
        rows = load_demo_timed(scale)
        elapsed, cpu = time.perf_counter() - total, time.process_time() - cpu
        counts = {}
        for table in sorted(inspect(db.engine).get_table_names()):
            if table == "alembic_version":
                continue
            from sqlalchemy import table as tbl

            counts[table] = db.session.scalar(select(func.count()).select_from(tbl(table)))
    rows.append({"part": "total (this process)", "seconds": round(elapsed, 1), "cpu_s": round(cpu, 1)})
    report("generate", rows, {"scale": scale, "rows_per_table": counts,
                              "database": app.config["SQLALCHEMY_DATABASE_URI"].split(":")[0],
                              "load_average": os.getloadavg()})
    for table, n in counts.items():
        if n:
            print(f"  {table}: {n:,}")


if __name__ == "__main__":
    main()
