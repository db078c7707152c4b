"""Profile one page per request in this process: cProfile (CPU time) over N requests through the Flask test client,
logged in as a demo user, on a database that holds demo data; prints the function calls per request, the SQL
statements of one request, the top entries, and optionally EXPLAIN (ANALYZE, BUFFERS) of each SELECT.

    python3 bench/profile_page.py --db postgresql+psycopg://postgres@127.0.0.1:5432/hvhk_perf_100k_copy \
        --path '/gezinnen/{family}' [--path '/gezinnen/?q=peeters' ...] [--user admin] [-n 200] [--htmx] [--explain]

``{family}`` in a path becomes the family of the first active involvement (the bench's family page). Figures only:
call counts are repeatable, times are not on a shared machine. The requests write audit entries: use a copy.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

SECRET = "bench-secret-key-0123456789abcdef0123"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--db", required=True)
    ap.add_argument("--path", action="append", required=True)
    ap.add_argument("--user", default="admin")
    ap.add_argument("-n", type=int, default=200)
    ap.add_argument("--htmx", action="store_true", help="send HX-Request (a panel as a fragment)")
    ap.add_argument("--explain", action="store_true")
    ap.add_argument("--top", type=int, default=15)
    args = ap.parse_args()

    from sqlalchemy import event, text

    from core import create_app
    from core.extensions import db

    app = create_app({"SECRET_KEY": SECRET, "SQLALCHEMY_DATABASE_URI": args.db, "WTF_CSRF_ENABLED": False})
    client = app.test_client()
    resp = client.post("/login", data={"username": args.user, "password": "huisvanhetkind"})
    assert resp.status_code in (302, 303), f"login failed: {resp.status_code}"
    with app.app_context():
        family = db.session.scalar(text("SELECT family_id FROM involvement WHERE ended_at IS NULL ORDER BY id LIMIT 1"))
        engine = db.engine
    headers = {"HX-Request": "true"} if args.htmx else {}
    print(f"load average {os.getloadavg()}")
    for raw in args.path:
        path = raw.replace("{family}", str(family))
        for _ in range(3):  # warm: what a worker caches per process
            assert client.get(path, headers=headers).status_code == 200, path
        seen = []

        def keep(conn, cursor, statement, parameters, context, executemany, seen=seen):
            seen.append((statement, parameters))

        event.listen(engine, "before_cursor_execute", keep)
        body = client.get(path, headers=headers).data
        event.remove(engine, "before_cursor_execute", keep)
        profile = cProfile.Profile(time.process_time)
        profile.enable()
        for _ in range(args.n):
            client.get(path, headers=headers)
        profile.disable()
        stats = pstats.Stats(profile)
        print(f"\n== {path}: {len(seen)} statements, {len(body)} bytes, {stats.total_calls // args.n} function calls "
              f"per request, CPU {stats.total_tt / args.n * 1000:.2f} ms per request (profiled)")
        for statement, _ in seen:
            print("   ", " ".join(statement.split())[:150])
        out = io.StringIO()
        stats.stream = out
        stats.sort_stats("tottime").print_stats(args.top)
        print(out.getvalue().split("\n\n", 1)[-1].strip())
        if args.explain and engine.dialect.name == "postgresql":
            raw_conn = engine.raw_connection()
            try:
                cur = raw_conn.cursor()
                for i, (statement, parameters) in enumerate(seen):
                    if statement.lstrip().upper().startswith(("SELECT", "WITH")):
                        cur.execute("EXPLAIN (ANALYZE, BUFFERS) " + statement, parameters)
                        print(f"\n-- statement {i}\n" + "\n".join(r[0] for r in cur.fetchall()))
            finally:
                raw_conn.close()


if __name__ == "__main__":
    main()
