"""Every SQL statement one page runs, each with ``EXPLAIN (ANALYZE, BUFFERS)``: time in the database, buffers
touched, and the plan of the slow ones (or of all with ``--full``).

    DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/hvhk_perf_100k_copy \\
        python3 bench/explain_page.py /petra/teamoverleg [--user admin] [--full] [--sql]

``{newest}`` in the path stands for the newest trajectory (``/petra/traject/{newest}``). The page is requested
once to warm the caches and once measured, through the test client logged in as ``--user``; a read page writes
its audit rows, so run it on a copy, never on a shared read-only database. Only SELECTs are explained (in
autocommit, a statement timeout of 30 s). Figures only: nothing here passes or fails.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("path")
    parser.add_argument("--user", default="admin")
    parser.add_argument("--full", action="store_true", help="print every plan (default: those above 1 ms)")
    parser.add_argument("--sql", action="store_true", help="print each statement and its parameters")
    args = parser.parse_args()

    import psycopg
    from bench_login import login_as
    from sqlalchemy import event, select, text

    from core import create_app
    from core.extensions import db
    from core.models import User

    url = os.environ["DATABASE_URL"]
    app = create_app({"TESTING": False, "SECRET_KEY": "bench-secret-key-0123456789abcdef",
                      "SQLALCHEMY_DATABASE_URI": url, "INSTANCE_PATH": "/tmp/hvhk-bench-instance"})
    client = app.test_client()
    path = args.path
    with app.app_context():
        if "{newest}" in path:
            newest = db.session.execute(text("SELECT id FROM petra_trajectory ORDER BY id DESC LIMIT 1")).scalar()
            path = path.replace("{newest}", str(newest))
        login_as(client, app, db.session.scalar(select(User.id).where(User.username == args.user)))
        engine = db.engine
    client.get(path)
    statements = []

    def grab(conn, cursor, statement, parameters, context, executemany):
        statements.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", grab)
    status = client.get(path).status_code
    event.remove(engine, "before_cursor_execute", grab)
    print(f"{path}: status {status}, {len(statements)} queries, load average "
          + " ".join(f"{x:.2f}" for x in os.getloadavg()))
    conn = psycopg.connect(url.replace("postgresql+psycopg", "postgresql"), autocommit=True,
                           options="-c statement_timeout=30000")
    total = 0.0
    for i, (statement, params) in enumerate(statements, 1):
        one_line = " ".join(statement.split())
        if not one_line.upper().startswith(("SELECT", "WITH")):
            print(f"Q{i}: (not explained) {one_line[:140]}")
            continue
        if args.sql:
            print(f"Q{i} SQL: {statement}\n{params}")
        try:
            plan = [row[0] for row in conn.execute("EXPLAIN (ANALYZE, BUFFERS) " + statement, params)]
        except psycopg.Error as exc:
            print(f"Q{i}: FAILED {type(exc).__name__} {str(exc)[:100]} :: {one_line[:140]}")
            continue
        ms = float(re.search(r"([\d.]+) ms", next(p for p in plan if "Execution Time" in p)).group(1))
        total += ms
        buffers = next((p.strip() for p in plan if "Buffers" in p), "")
        print(f"Q{i}: {ms:.2f} ms {buffers} :: {one_line[:140]}")
        if args.full or ms > 1.0:
            print("\n".join("      " + p for p in plan))
    print(f"total execution {total:.2f} ms")


if __name__ == "__main__":
    main()
