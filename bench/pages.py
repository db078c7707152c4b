"""Server time (p50/p95) and SQL query count of the pages a worker uses most, at volume.

    python3 bench/pages.py [--families 100000] [--database-url postgresql+psycopg://...] [--repeat 30]

Data is generated through every plugin's demo-data hook (scale = families / 300). Each page is requested
through the app (Flask test client, no network), logged in as the admin (who may open every page), so the
figures are the server's own time. Pages whose plugin is not installed are listed as "n/a".
"""

from __future__ import annotations

import argparse

from bench_login import login_as
from common import analyze, fresh_app, load_demo_families, measure_page, report

# label, endpoint, SQL returning the URL's id (or None), the URL argument name
PAGES = [
    ("dashboard", "core.index", None, None),
    ("family search 'peeters'", "families.directory", None, None),
    ("family page", "families.show", "SELECT family_id FROM involvement ORDER BY id LIMIT 1", "family_id"),
    ("trajectory page", "petra.show", "SELECT id FROM petra_trajectory ORDER BY id DESC LIMIT 1", "trajectory_id"),
    ("team meeting view", "petra.meeting", None, None),
    ("attendance entry", "groups.attendance", "SELECT id FROM groups_session ORDER BY id LIMIT 1", "session_id"),
    ("network map data", "network.network_map_json", None, None),
    ("partner directory", "network.directory", None, None),
    ("cost model sheet", "costing.sheet", "SELECT id FROM costing_cost_model ORDER BY id LIMIT 1", "model_id"),
]
QUERY_ARGS = {"families.directory": {"q": "peeters"}}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--families", type=int, default=100_000)
    ap.add_argument("--database-url", default=None)
    ap.add_argument("--repeat", type=int, default=30)
    args = ap.parse_args()
    app = fresh_app(args.database_url)
    from flask import url_for
    from sqlalchemy import select, text

    from core.extensions import db
    from core.models import User

    with app.app_context():
        generation = load_demo_families(args.families)
        analyze()
        admin_id = db.session.scalar(select(User.id).where(User.username == "admin"))
        urls = []
        for label, endpoint, sql, arg in PAGES:
            if endpoint not in app.view_functions:
                urls.append((label, None))
                continue
            values = dict(QUERY_ARGS.get(endpoint, {}))
            if sql:
                try:
                    found = db.session.execute(text(sql)).scalar()
                except Exception:
                    db.session.rollback()
                    found = None
                if found is None:
                    urls.append((label, None))
                    continue
                values[arg] = found
            with app.test_request_context():
                urls.append((label, url_for(endpoint, **values)))
    client = app.test_client()
    with app.app_context():
        login_as(client, app, admin_id)
    rows = []
    for label, url in urls:
        if url is None:
            rows.append({"page": label, "url": "n/a"})
            continue
        rows.append({"page": label, "url": url, **measure_page(app, client, url, args.repeat)})
    report("pages", rows, {"families": args.families, "generation_s": round(generation, 1),
                           "database": app.config["SQLALCHEMY_DATABASE_URI"].split(":")[0]})


if __name__ == "__main__":
    main()
