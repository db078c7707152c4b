"""Server time (p50/p95) and SQL query count of "Mijn werk", the agenda, the task list and the calendar feed,
for the demo worker who leads the most PeTra trajectories.

    python3 bench/mywork.py [--families 3000] [--database-url postgresql+psycopg://...] [--repeat 20]
"""

from __future__ import annotations

import argparse
import time

from bench_login import login_as
from common import counting_queries, fresh_app, percentiles, report, timed


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--families", type=int, default=3000)
    ap.add_argument("--database-url", default=None)
    ap.add_argument("--repeat", type=int, default=20)
    args = ap.parse_args()
    app = fresh_app(args.database_url)
    from sqlalchemy import text

    from core.calendar_feed import new_feed
    from core.demo import load_demo
    from core.extensions import db
    from core.models import User

    with app.app_context():
        t = time.perf_counter()
        load_demo(scale=max(1, round(args.families / 300)))
        generation = time.perf_counter() - t
        worker_id, n_led = db.session.execute(text(
            "SELECT lead_worker_id, count(*) FROM petra_trajectory WHERE status IN ('clarifying', 'ongoing') "
            "GROUP BY lead_worker_id ORDER BY count(*) DESC LIMIT 1")).one()
        with app.test_request_context():
            token = new_feed(db.session.get(User, worker_id))
        db.session.commit()
    client = app.test_client()
    with app.app_context():
        login_as(client, app, worker_id)
    rows = []
    for label, url in (("Mijn werk", "/"), ("agenda week", "/agenda/"), ("team tasks", "/taken/?wie=team"),
                       ("calendar feed", f"/agenda/feed/{token}.ics")):
        client.get(url)
        with app.app_context(), counting_queries(db.engine) as c:
            status = client.get(url).status_code
        samples = timed(lambda u=url: client.get(u), args.repeat)
        rows.append({"page": label, "status": status, **percentiles(samples), "queries": c["n"]})
    report("mywork", rows, {"families": args.families, "generation_s": round(generation, 1),
                            "worker_active_trajectories": n_led,
                            "database": app.config["SQLALCHEMY_DATABASE_URI"].split(":")[0]})


if __name__ == "__main__":
    main()
