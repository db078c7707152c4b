"""Benchmark of the PeTra plugin: demo data at a scale, then timings and query counts of the main pages.

Prints figures; never passes or fails on time.

    HVHK_PLUGINS=petra python bench/petra_bench.py --scale 33 [--database-url postgresql+psycopg://...]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import event, func, select, text

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", type=int, default=10)
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL"))
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    os.environ.setdefault("HVHK_PLUGINS", "petra")
    url = args.database_url or f"sqlite:///{tempfile.mkdtemp()}/bench.sqlite3"

    from core import create_app
    from core.cli import upgrade_all
    from core.demo_data import load_core_demo
    from core.extensions import db
    from core.ui import Period
    from plugins.petra import hvhk_billable_hours, hvhk_billable_units
    from plugins.petra.demo import load_demo
    from plugins.petra.models import Contact, Fee, PlanGoal, Roundtable, SdqResult, Trajectory

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
        load_demo(db.session, args.scale)
        db.session.commit()
        t2 = time.perf_counter()
        print(f"database: {url.split('://')[0]}, scale {args.scale}")
        print(f"core demo: {t1 - t0:.1f} s; petra demo: {t2 - t1:.2f} s")
        print("rows:", {m.__tablename__: db.session.scalar(select(func.count()).select_from(m))
                        for m in (Trajectory, Contact, Roundtable, PlanGoal, SdqResult, Fee)})
        tid = db.session.scalar(select(Trajectory.id).where(Trajectory.status == "ongoing").order_by(Trajectory.id.desc()))
        with app.test_request_context():
            from datetime import date

            today = date.today()
            t3 = time.perf_counter()
            period = Period(date(today.year - 1, 1, 1), date(today.year - 1, 12, 31))
            units = db.session.execute(hvhk_billable_units(period)).all()
            hours = db.session.execute(hvhk_billable_hours(period)).all()
            t4 = time.perf_counter()
        print(f"hvhk_billable_units + hvhk_billable_hours (last calendar year): {len(units)} trajectories, "
              f"{len(hours)} hour rows in {1000 * (t4 - t3):.0f} ms")
        db.session.remove()

    client = app.test_client()
    client.post("/login", data={"username": "worker", "password": "huisvanhetkind"})
    pages = ["/petra/", "/petra/wachtlijst", "/petra/bijdragen", "/petra/teamoverleg", f"/petra/traject/{tid}",
             f"/petra/traject/{tid}/sdq", f"/petra/traject/{tid}/plan", "/petra/widget/caseload",
             "/zoeken?q=PT-20"]
    from core.models import AuditEntry

    print(f"{'page':42} {'status':>6} {'queries':>8} {'median ms':>10} {'audit rows':>10}")
    for page in pages:
        with app.app_context():
            counter = {"n": 0}

            def count(*_a, counter=counter, **_k):
                counter["n"] += 1

            event.listen(db.engine, "before_cursor_execute", count)
            times, status = [], None
            audit_before = db.session.scalar(select(func.count()).select_from(AuditEntry))
            db.session.remove()
            for i in range(args.repeat + 1):
                counter["n"] = 0
                s = time.perf_counter()
                resp = client.get(page)
                if i:
                    times.append(1000 * (time.perf_counter() - s))
                status = resp.status_code
            event.remove(db.engine, "before_cursor_execute", count)
            audit_rows = (db.session.scalar(select(func.count()).select_from(AuditEntry)) - audit_before) \
                / (args.repeat + 1)
            db.session.remove()
        print(f"{page:42} {status:>6} {counter['n']:>8} {statistics.median(times):>10.1f} {audit_rows:>10.0f}")


if __name__ == "__main__":
    main()
