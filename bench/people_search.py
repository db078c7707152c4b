"""``core.people.search`` (the person pickers of PeTra and groups, the core person search) on an existing,
loaded database: wall time per call, queries per call, and EXPLAIN (ANALYZE, BUFFERS) of the search statement.

    hvhk init && hvhk demo --scale 333          # 100,000 families; VACUUM ANALYZE on PostgreSQL
    python3 bench/people_search.py --database-url postgresql+psycopg://... [--repeat 200] [--explain]

Searches as a worker of the first team (some households with details, most without); nothing is written (the
audit entries of a call are kept for the end of a request that never ends). Figures only.
"""

from __future__ import annotations

import argparse

from common import counting_queries, percentiles, report, timed

SEARCHES = [
    ("family name 'peeters'", "peeters", {}),
    ("family name 'peeters' page 20", "peeters", {"page": 20}),
    ("given name 'lotte'", "lotte", {}),
    ("given name prefix 'el' (5 given names)", "el", {}),
    ("parents 'nadia'", "nadia", {"roles": ("ouder",)}),
    ("'lotte peet' (given + family)", "lotte peet", {}),
    ("'peeters lotte' (family + given)", "peeters lotte", {}),
    ("'lotte' born 2015", "lotte", {"birth_year": 2015}),
    ("'ozturk' (finds 'Öztürk')", "ozturk", {}),
]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--database-url", required=True)
    ap.add_argument("--repeat", type=int, default=200)
    ap.add_argument("--explain", action="store_true", help="print EXPLAIN (ANALYZE, BUFFERS) of each search's "
                                                           "statements (PostgreSQL) or the query plan (SQLite)")
    args = ap.parse_args()

    from sqlalchemy import event, func, select

    from core import create_app, people
    from core.extensions import db
    from core.models import Family, Membership, User

    app = create_app({"SECRET_KEY": "bench-secret-key-0123456789abcdef", "SQLALCHEMY_DATABASE_URI": args.database_url,
                      "HVHK_PLUGINS": "none"})
    rows = []
    with app.app_context():
        worker = db.session.scalar(select(User).join(Membership, Membership.user_id == User.id)
                                   .where(User.is_admin.is_(False)).order_by(User.id).limit(1))
        n_fam = db.session.scalar(select(func.count(Family.id)))
        postgresql = db.engine.dialect.name == "postgresql"
        for label, query, kwargs in SEARCHES:
            with app.test_request_context():
                seen: list = []

                def keep(conn, cursor, statement, parameters, context, executemany, seen=seen):
                    seen.append((statement, parameters))

                event.listen(db.engine, "before_cursor_execute", keep)
                try:
                    found = people.search(worker, query, **kwargs)
                finally:
                    event.remove(db.engine, "before_cursor_execute", keep)
                samples = timed(lambda q=query, kw=kwargs: people.search(worker, q, **kw), args.repeat)
                with counting_queries(db.engine) as c:
                    people.search(worker, query, **kwargs)
                db.session.rollback()
            rows.append({"what": label, **percentiles(samples), "queries": c["n"], "cards": len(found.items),
                         "first": found.items[0].full_name if found.items else ""})
            if args.explain:
                statement, params = max(seen, key=lambda s: len(s[0]))  # the search statement (the longest)
                prefix = "EXPLAIN (ANALYZE, BUFFERS) " if postgresql else "EXPLAIN QUERY PLAN "
                with db.engine.connect() as conn:
                    plan = conn.exec_driver_sql(prefix + statement, params).all()
                print(f"--- {label}\n" + "\n".join(" | ".join(str(v) for v in r) for r in plan))
    report("people_search", rows, {"families": n_fam, "database": args.database_url.split(":")[0],
                                   "repeat": args.repeat})


if __name__ == "__main__":
    main()
