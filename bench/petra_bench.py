"""Benchmark of the PeTra plugin: demo data at a scale, then timings and query counts of the main pages.

Prints figures; never passes or fails on time.

    HVHK_PLUGINS=petra python bench/petra_bench.py --scale 33 [--database-url postgresql+psycopg://...]
"""

from __future__ import annotations

import time
from datetime import date

from common import load_plugin_demo, login_client, page_table, plugin_bench
from sqlalchemy import select


def main() -> None:
    app, args = plugin_bench("petra")

    from core.extensions import db
    from core.ui import Period
    from plugins.petra import hvhk_billable_hours, hvhk_billable_units
    from plugins.petra.demo import load_demo
    from plugins.petra.models import Contact, Fee, PlanGoal, Roundtable, SdqResult, Trajectory

    with app.app_context():
        load_plugin_demo("petra", load_demo, args.scale, (Trajectory, Contact, Roundtable, PlanGoal, SdqResult, Fee))
        tid = db.session.scalar(select(Trajectory.id).where(Trajectory.status == "ongoing").order_by(Trajectory.id.desc()))
        with app.test_request_context():
            today = date.today()
            t3 = time.perf_counter()
            period = Period(date(today.year - 1, 1, 1), date(today.year - 1, 12, 31))
            units = db.session.execute(hvhk_billable_units(period)).all()
            hours = db.session.execute(hvhk_billable_hours(period)).all()
            t4 = time.perf_counter()
        print(f"hvhk_billable_units + hvhk_billable_hours (last calendar year): {len(units)} trajectories, "
              f"{len(hours)} hour rows in {1000 * (t4 - t3):.0f} ms")
        db.session.remove()

    page_table(app, login_client(app, "worker"), [
        "/petra/", "/petra/wachtlijst", "/petra/bijdragen", "/petra/teamoverleg", f"/petra/traject/{tid}",
        f"/petra/traject/{tid}/sdq", f"/petra/traject/{tid}/plan", "/petra/widget/caseload", "/zoeken?q=PT-20"],
        args.repeat, warmup=True, audit=True)


if __name__ == "__main__":
    main()
