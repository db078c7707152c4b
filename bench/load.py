"""A bounded load run: simulated staff against gunicorn (4 workers) and PostgreSQL, doing a realistic mix.

    python3 bench/load.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/bench \
        [--users 50] [--seconds 180] [--families 3000]

Each simulated worker loops: search a family, open a family page, log a PeTra contact (when the PeTra
plugin offers a quick-entry form), take attendance for a group session, and now and then export an
attendance list to Excel. Prints requests per second, p50/p95/p99 and the error count (5xx and
connection errors). Bounded in time and in users; only talks to 127.0.0.1.
"""

from __future__ import annotations

import argparse
import random
import re
import threading
import time
from datetime import date

from common import analyze, fresh_app, gunicorn, load_demo_families, percentiles, report
from http_client import Client

NAMES = ["peeters", "ozturk", "claes", "janssens", "el amrani", "van den", "yilmaz", "maes", "lemmens", "kaya"]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--database-url", required=True)
    ap.add_argument("--users", type=int, default=50)
    ap.add_argument("--seconds", type=float, default=180)
    ap.add_argument("--families", type=int, default=3000)
    ap.add_argument("--workers", type=int, default=4)
    ap.add_argument("--port", type=int, default=8766)
    args = ap.parse_args()

    app = fresh_app(args.database_url)
    from sqlalchemy import text

    from core.extensions import db

    with app.app_context():
        load_demo_families(args.families)
        analyze()
        petra_families = [r[0] for r in db.session.execute(text(
            "SELECT i.family_id FROM involvement i JOIN team t ON t.id = i.team_id WHERE t.name = 'PeTra' "
            "AND i.ended_at IS NULL ORDER BY i.family_id LIMIT 500"))]
        try:  # past group sessions with their enrolled children (attendance can be taken)
            attendance = [tuple(r) for r in db.session.execute(text(
                "SELECT s.id, e.id, s.programme_id FROM groups_session s JOIN groups_enrolment e "
                "ON e.programme_id = s.programme_id JOIN groups_programme p ON p.id = s.programme_id "
                "JOIN team t ON t.id = p.team_id WHERE t.name = 'PeTra' "
                "AND s.starts_at < :now AND e.status = 'enrolled' "
                "ORDER BY s.id DESC LIMIT 2000"), {"now": date.today()})]
        except Exception:
            db.session.rollback()
            attendance = []
        try:
            trajectories = [r[0] for r in db.session.execute(text(
                "SELECT t.id FROM petra_trajectory t JOIN team ON team.id = t.team_id WHERE team.name = 'PeTra' "
                "AND t.closed_on IS NULL ORDER BY t.id DESC LIMIT 300"))]
        except Exception:
            db.session.rollback()
            trajectories = []

    samples: dict[str, list[float]] = {}
    statuses: dict[int, int] = {}
    lock = threading.Lock()

    def note(kind: str, status: int, ms: float):
        with lock:
            samples.setdefault(kind, []).append(ms)
            statuses[status] = statuses.get(status, 0) + 1

    def worker(base: str, n: int, stop: float):
        rng = random.Random(n)
        seen: dict[tuple[int, int], str] = {}  # attendance marks as this tablet last saw them
        c = Client(base)
        if not c.login("worker" if n % 2 else "manager"):
            note("login", 599, 0)
            return
        while time.time() < stop:
            s, _, ms = c.request(f"/gezinnen/?q={rng.choice(NAMES).replace(' ', '+')}")
            note("zoeken", s, ms)
            if petra_families:
                s, _, ms = c.request(f"/gezinnen/{rng.choice(petra_families)}")
                note("gezin openen", s, ms)
            if trajectories:
                tid = rng.choice(trajectories)
                s, body, ms = c.request(f"/petra/traject/{tid}")
                note("traject openen", s, ms)
                if s == 200 and f"/petra/traject/{tid}/contact" in body:
                    s, _, ms = c.post(f"/petra/traject/{tid}/contact", {
                        "on_date": date.today().isoformat(), "minutes": "45", "kind": "sessie_kind",
                        "place": "school", "parties": "kind", "note": "Belasting-test"}, htmx=True)
                    note("contact loggen", s, ms)
            if attendance:
                sid, eid, _ = rng.choice(attendance)
                s, body, ms = c.post(f"/groepen/sessies/{sid}/aanwezigheden/{eid}",
                                     {"status": rng.choice(["present", "absent", "excused"]),
                                      "vorige": seen.get((sid, eid), "")}, htmx=True)
                note("aanwezigheid", s, ms)
                if m := re.search(r'name="vorige" value="(\w*)"', body or ""):  # the stored mark (also on a conflict)
                    seen[(sid, eid)] = m.group(1)
                if rng.random() < 0.05:
                    s, _, ms = c.request(f"/groepen/{rng.choice(attendance)[2]}/aanwezigheidslijst.xlsx")
                    note("export", s, ms)
            time.sleep(rng.uniform(0.2, 1.0))  # think time

    with gunicorn(args.database_url, args.workers, args.port) as base:
        stop = time.time() + args.seconds
        threads = [threading.Thread(target=worker, args=(base, i, stop)) for i in range(args.users)]
        t0 = time.time()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        elapsed = time.time() - t0
    everything = [ms for v in samples.values() for ms in v]
    import statistics

    p99 = statistics.quantiles(sorted(everything), n=100, method="inclusive")[98] if len(everything) > 1 else None
    rows = [{"action": k, **percentiles(v)} for k, v in sorted(samples.items())]
    errors = sum(n for s, n in statuses.items() if s >= 500)
    report("load", rows, {"users": args.users, "seconds": round(elapsed, 1), "requests": len(everything),
                          "rps": round(len(everything) / elapsed, 1), "p99_ms": round(p99, 1) if p99 else None,
                          "statuses": statuses, "errors_5xx": errors})
    print(f"{len(everything)} requests in {elapsed:.0f} s = {len(everything) / elapsed:.1f}/s; "
          f"overall {percentiles(everything)}; p99 {p99:.0f} ms; 5xx/connection errors: {errors}; statuses {statuses}")


if __name__ == "__main__":
    main()
