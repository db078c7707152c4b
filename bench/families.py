"""Family search and family page at volume: 100,000 families (about 250,000 people) by default.

    python3 bench/families.py [--families 100000] [--database-url postgresql+psycopg://...]

Prints, per search and page: p50/p95 server time and the number of SQL queries.
"""

from __future__ import annotations

import argparse
import time

from common import analyze, counting_queries, fresh_app, percentiles, report, timed


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--families", type=int, default=100_000)
    ap.add_argument("--database-url", default=None)
    ap.add_argument("--repeat", type=int, default=50)
    args = ap.parse_args()

    app = fresh_app(args.database_url, HVHK_PLUGINS="none")
    from sqlalchemy import func, select

    from core.demo_data import load_core_demo
    from core.extensions import db
    from core.families import search_families
    from core.models import Family, Person, User

    with app.app_context():
        t = time.perf_counter()
        load_core_demo(db.session, scale=max(1, args.families // 300))
        db.session.commit()
        gen_s = time.perf_counter() - t
        n_fam = db.session.scalar(select(func.count(Family.id)))
        n_person = db.session.scalar(select(func.count(Person.id)))
        analyze()
        # a family the worker may open, and one with a common name
        worker_fam = db.session.scalar(select(Family.id).order_by(Family.id).limit(1))
        admin_id = db.session.scalar(select(User.id).where(User.username == "admin"))
        rows = []
        for label, kwargs in [
            ("search 'ozturk' (accent-free)", {"q": "ozturk"}),
            ("search 'peeters' (common name)", {"q": "peeters"}),
            ("search 'peeters' page 20", {"q": "peeters", "page": 20}),
            ("search 'elif oz' (given + family)", {"q": "elif oz"}),
            ("search 'van den' (prefix)", {"q": "van den"}),
            ("filter municipality 'As'", {"municipality": "As"}),
        ]:
            with counting_queries(db.engine) as c:
                search_families(**kwargs)
            samples = timed(lambda kw=kwargs: search_families(**kw), args.repeat)
            rows.append({"what": label, **percentiles(samples), "queries": c["n"]})

    client = app.test_client()
    with app.app_context():
        from bench_login import login_as

        login_as(client, app, admin_id)
    for label, url in [("GET /gezinnen/?q=ozturk", "/gezinnen/?q=ozturk"),
                       ("GET /gezinnen/?q=peeters&pagina=20", "/gezinnen/?q=peeters&pagina=20"),
                       (f"GET /gezinnen/{worker_fam}", f"/gezinnen/{worker_fam}")]:
        client.get(url)
        with app.app_context(), counting_queries(db.engine) as c:
            status = client.get(url).status_code
        samples = timed(lambda u=url: client.get(u), args.repeat)
        rows.append({"what": label, **percentiles(samples), "queries": c["n"], "status": status})
    report("families", rows, {"families": n_fam, "persons": n_person, "generation_s": round(gen_s, 1),
                              "database": app.config["SQLALCHEMY_DATABASE_URI"].split(":")[0]})


if __name__ == "__main__":
    main()
