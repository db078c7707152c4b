"""Retention at scale: demo data for N families through every plugin, then a share of it made old, then
the retention report (what the admin page and ``hvhk retention --dry-run`` compute) and the apply, per rule.

    python3 bench/retention.py [--families 100000] [--old-share 50] [--database-url ...]

Every ``--old-share``-th family is archived six years ago, and the same share of closed trajectories,
referrals, change records and programmes is moved six years back, so every rule finds work. Prints the
time and SQL query count of the report and, per rule, of the apply (records per second). Never passes or
fails on time.
"""

from __future__ import annotations

import argparse
import time

from common import counting_queries, fresh_app, load_demo_timed, report


def age_data(db, share: int) -> dict:
    """Move a deterministic share of the records six years into the past (dialect-neutral SQL)."""
    from datetime import date, datetime, timedelta

    from sqlalchemy import inspect, text

    old_dt = datetime.now() - timedelta(days=6 * 365 + 10)
    old_d = date.today() - timedelta(days=6 * 365 + 10)
    tables = set(inspect(db.engine).get_table_names())
    statements = [
        ("archived families", "family", "UPDATE family SET archived = :t, updated_at = :dt WHERE id % :s = 0"),
        ("involvements ended", "family", "DELETE FROM involvement WHERE family_id % :s = 0"),
        ("change records", "change_record", "UPDATE change_record SET at = :dt WHERE id % :s = 0"),
        ("closed trajectories", "petra_trajectory",
         "UPDATE petra_trajectory SET closed_on = :d WHERE closed_on IS NOT NULL AND id % :s = 1"),
        ("referrals", "network_referral", "UPDATE network_referral SET referred_on = :d WHERE id % :s = 1"),
        ("group sessions", "groups_session", "UPDATE groups_session SET starts_at = :dt, ends_at = :dt "
                                             "WHERE programme_id IN (SELECT id FROM groups_programme WHERE id % :s = 1)"),
        ("group enrolments", "groups_enrolment",
         "UPDATE groups_enrolment SET created_at = :dt, updated_at = :dt, waiting_since = NULL, enrolled_at = :dt "
         "WHERE programme_id IN (SELECT id FROM groups_programme WHERE id % :s = 1)"),
    ]
    moved = {}
    with db.engine.begin() as conn:
        for name, table, sql in statements:
            if table in tables:
                moved[name] = conn.execute(
                    text(sql), {"t": True, "dt": old_dt, "d": old_d, "s": share}).rowcount
    return moved


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--families", type=int, default=100_000)
    ap.add_argument("--old-share", type=int, default=50, help="every n-th record is made six years old")
    ap.add_argument("--database-url", default=None)
    args = ap.parse_args()
    scale = max(1, round(args.families / 300))
    app = fresh_app(args.database_url)
    from core.extensions import db
    from core.rights import apply_retention, retention_report

    rows = []
    with app.app_context():
        generated_s = sum(r["seconds"] for r in load_demo_timed(scale) if r["seconds"] != "")
        moved = age_data(db, args.old_share)
        with app.test_request_context():
            for attempt in ("cold", "warm"):
                with counting_queries(db.engine) as q:
                    t = time.perf_counter()
                    statuses = retention_report()
                    ms = (time.perf_counter() - t) * 1000
                rows.append({"step": f"report, all rules ({attempt})", "records": sum(s.due for s in statuses),
                             "ms": round(ms, 1), "queries": q["n"], "per_second": ""})
            for st in statuses:
                with counting_queries(db.engine) as q:
                    t = time.perf_counter()
                    n = apply_retention(st.rule)
                    db.session.commit()
                    s = time.perf_counter() - t
                rows.append({"step": f"apply {st.rule.key}", "records": n, "ms": round(s * 1000, 1),
                             "queries": q["n"], "per_second": round(n / s) if n and s else ""})
            with counting_queries(db.engine) as q:
                t = time.perf_counter()
                left = sum(s.due for s in retention_report())
                ms = (time.perf_counter() - t) * 1000
            rows.append({"step": "report after apply", "records": left, "ms": round(ms, 1), "queries": q["n"],
                         "per_second": ""})
    report("retention", rows, {"families": args.families, "scale": scale, "generated_s": generated_s,
                               "aged": moved, "database": app.config["SQLALCHEMY_DATABASE_URI"].split(":")[0]})


if __name__ == "__main__":
    main()
