"""Throughput of the family page through gunicorn against PostgreSQL, beside a trivial route of the same app.

    python3 bench/throughput.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/bench \
        [--families 100000] [--workers 4] [--clients 16] [--seconds 20]

The ratio says what our page costs above the framework's floor (same app, same process set, same run).
Bounded in time; only talks to 127.0.0.1.
"""

from __future__ import annotations

import argparse
import threading
import time

from common import analyze, fresh_app, gunicorn, load_demo_families, percentiles, report
from http_client import Client


def hammer(base: str, path: str, clients: list[Client], seconds: float) -> dict:
    samples: list[float] = []
    errors = [0]
    lock = threading.Lock()
    stop = time.time() + seconds

    def run(c: Client):
        while time.time() < stop:
            status, _, ms = c.request(path)
            with lock:
                samples.append(ms)
                if status != 200:
                    errors[0] += 1

    threads = [threading.Thread(target=run, args=(c,)) for c in clients]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return {"path": path, "requests": len(samples), "rps": round(len(samples) / seconds, 1), "errors": errors[0],
            **percentiles(samples)}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--database-url", required=True)
    ap.add_argument("--families", type=int, default=100_000)
    ap.add_argument("--workers", type=int, default=4)
    ap.add_argument("--clients", type=int, default=16)
    ap.add_argument("--seconds", type=float, default=20)
    ap.add_argument("--port", type=int, default=8765)
    args = ap.parse_args()

    app = fresh_app(args.database_url)
    from sqlalchemy import select

    from core.extensions import db
    from core.models import Involvement, Team

    with app.app_context():
        load_demo_families(args.families)
        analyze()
        petra = db.session.scalar(select(Team.id).where(Team.name == "PeTra"))
        family_id = db.session.scalar(select(Involvement.family_id).where(Involvement.team_id == petra).limit(1))
    with gunicorn(args.database_url, args.workers, args.port) as base:
        clients = []
        for _ in range(args.clients):
            c = Client(base)
            c.login("worker")
            clients.append(c)
        rows = [hammer(base, "/healthz", clients, args.seconds),
                hammer(base, f"/gezinnen/{family_id}", clients, args.seconds)]
    ratio = round(rows[0]["rps"] / rows[1]["rps"], 2) if rows[1]["rps"] else None
    report("throughput", rows, {"workers": args.workers, "clients": args.clients, "seconds": args.seconds,
                                "floor_to_page_ratio": ratio, "families": args.families})
    print(f"family page costs {ratio}x the framework floor (/healthz: one SELECT 1)")


if __name__ == "__main__":
    main()
