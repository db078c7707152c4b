"""Server time (p50/p95) and SQL query count of "Mijn werk", the agenda, the task list and the calendar feed,
for the demo worker who leads the most PeTra trajectories.

    python3 bench/mywork.py [--families 3000] [--database-url postgresql+psycopg://...] [--repeat 20]
"""

from __future__ import annotations

import argparse

from bench_login import login_as
from common import fresh_app, load_demo_families, measure_page, report


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--families", type=int, default=3000)
    ap.add_argument("--database-url", default=None)
    ap.add_argument("--repeat", type=int, default=20)
    args = ap.parse_args()
    app = fresh_app(args.database_url)
    from sqlalchemy import text

    from core.calendar_feed import new_feed
    from core.extensions import db
    from core.models import User

    with app.app_context():
        generation = load_demo_families(args.families)
        worker_id, n_led = db.session.execute(text(
            "SELECT lead_worker_id, count(*) FROM petra_trajectory WHERE status IN ('clarifying', 'ongoing') "
            "GROUP BY lead_worker_id ORDER BY count(*) DESC LIMIT 1")).one()
        with app.test_request_context():
            token = new_feed(db.session.get(User, worker_id))
        db.session.commit()
    client = app.test_client()
    with app.app_context():
        login_as(client, app, worker_id)
    rows = [{"page": label, **measure_page(app, client, url, args.repeat)}
            for label, url in (("Mijn werk", "/"), ("agenda week", "/agenda/"), ("team tasks", "/taken/?wie=team"),
                               ("calendar feed", f"/agenda/feed/{token}.ics"))]
    report("mywork", rows, {"families": args.families, "generation_s": round(generation, 1),
                            "worker_active_trajectories": n_led,
                            "database": app.config["SQLALCHEMY_DATABASE_URI"].split(":")[0]})


if __name__ == "__main__":
    main()
