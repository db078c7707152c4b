"""Benchmark of the groups plugin: demo data at a scale, then timings and query counts of the main pages.

Prints figures; never passes or fails on time.

    HVHK_PLUGINS=groups python bench/groups_bench.py --scale 33 [--database-url postgresql+psycopg://...]
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time

from sqlalchemy import event, func, select, text


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", type=int, default=10)
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL"))
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    os.environ.setdefault("HVHK_PLUGINS", "groups")
    url = args.database_url or f"sqlite:///{tempfile.mkdtemp()}/bench.sqlite3"

    from core import create_app
    from core.cli import upgrade_all
    from core.demo_data import load_core_demo
    from core.extensions import db
    from plugins.groups.demo import load_demo
    from plugins.groups.models import Attendance, Enrolment, GroupSession, Programme

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench-" + "x" * 32, "TESTING": True,
                      "WTF_CSRF_ENABLED": False})
    with app.app_context():
        if url.startswith("postgresql"):
            with db.engine.begin() as conn:
                conn.execute(text("DROP SCHEMA public CASCADE"))
                conn.execute(text("CREATE SCHEMA public"))
        upgrade_all()
        t0 = time.perf_counter()
        load_core_demo(db.session, args.scale)
        db.session.commit()
        t1 = time.perf_counter()
        stats = load_demo(db.session, args.scale)
        db.session.commit()
        t2 = time.perf_counter()
        print(f"database: {url.split('://')[0]}, scale {args.scale}")
        print(f"core demo: {t1 - t0:.1f} s; groups demo: {t2 - t1:.2f} s -> {stats}")
        print("rows:", {m.__tablename__: db.session.scalar(select(func.count()).select_from(m))
                        for m in (Programme, GroupSession, Enrolment, Attendance)})
        pid = db.session.scalar(select(Programme.id).order_by(Programme.id.desc()).where(
            Programme.name.like("PeTra-groep lager%")))
        sid = db.session.scalar(select(GroupSession.id).where(GroupSession.programme_id == pid,
                                                              GroupSession.kind == "session").order_by(GroupSession.starts_at))
        db.session.remove()

    client = app.test_client()
    client.post("/login", data={"username": "worker", "password": "huisvanhetkind"})
    pages = [f"/groepen/{pid}", "/groepen/", "/groepen/?team=alle", "/groepen/kalender", "/groepen/kalender?team=alle",
             "/groepen/kalender/week", f"/groepen/sessies/{sid}/aanwezigheden", f"/groepen/{pid}/agenda.ics",
             f"/groepen/{pid}/aanwezigheidslijst.xlsx", "/groepen/widget/deze-week", "/zoeken?q=petra"]
    with app.app_context():
        engine = db.engine
    count = {"n": 0}

    def before(*_a, **_k):
        count["n"] += 1

    event.listen(engine, "before_cursor_execute", before)
    print(f"{'page':55} {'status':>6} {'queries':>7} {'median ms':>9}")
    for page in pages:
        times = []
        for _ in range(args.repeat):
            count["n"] = 0
            t = time.perf_counter()
            resp = client.get(page)
            times.append((time.perf_counter() - t) * 1000)
        print(f"{page:55} {resp.status_code:>6} {count['n']:>7} {statistics.median(times):>9.1f}")
    event.remove(engine, "before_cursor_execute", before)


if __name__ == "__main__":
    main()
