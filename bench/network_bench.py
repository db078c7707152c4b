"""Benchmark of the network plugin: demo data at a scale (1,000 organisations from scale 7 up), then timings,
query counts and sizes of the directory, the network map (HTML and JSON) and the partner portal.

Prints figures; never passes or fails on time.

    HVHK_PLUGINS=network python bench/network_bench.py --scale 10 [--database-url postgresql+psycopg://...]
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
    os.environ.setdefault("HVHK_PLUGINS", "network")
    url = args.database_url or f"sqlite:///{tempfile.mkdtemp()}/bench.sqlite3"

    from core import create_app
    from core.cli import upgrade_all
    from core.demo_data import load_core_demo
    from core.extensions import db
    from core.models import Organisation
    from plugins.network.demo import load_demo
    from plugins.network.models import Contact, EcoTie, Referral, Relation, Service

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
        print(f"core demo: {t1 - t0:.1f} s; network demo: {t2 - t1:.2f} s -> {stats}")
        print("rows:", {m.__tablename__: db.session.scalar(select(func.count()).select_from(m))
                        for m in (Organisation, Contact, Service, Relation, Referral, EcoTie)})
        clb = db.session.scalar(select(Organisation.id).where(Organisation.name == "CLB Genk"))
        fam = db.session.scalar(select(Referral.family_id).order_by(Referral.id))
        engine = db.engine
        db.session.remove()

    count = {"n": 0}

    def before(*_a, **_k):
        count["n"] += 1

    event.listen(engine, "before_cursor_execute", before)

    def run(client, pages):
        print(f"{'page':52} {'status':>6} {'queries':>7} {'KB':>7} {'median ms':>9}")
        for page in pages:
            times = []
            for _ in range(args.repeat):
                count["n"] = 0
                t = time.perf_counter()
                resp = client.get(page)
                times.append((time.perf_counter() - t) * 1000)
            print(f"{page:52} {resp.status_code:>6} {count['n']:>7} {len(resp.data) / 1024:>7.0f} "
                  f"{statistics.median(times):>9.1f}")

    staff = app.test_client()
    staff.post("/login", data={"username": "worker", "password": "huisvanhetkind"})
    run(staff, ["/netwerk/", "/netwerk/?pagina=20", "/netwerk/?sector=gezondheid&gemeente=Genk",
                "/netwerk/?aanbod=logopedie", "/netwerk/?verouderd=1", f"/netwerk/organisatie/{clb}",
                "/netwerk/kaart.json", "/netwerk/kaart", "/netwerk/kaart?soort=samenwerkingsakkoord",
                "/netwerk/relaties", "/netwerk/verwijzingen", f"/netwerk/gezin/{fam}/verwijzingen",
                f"/netwerk/gezin/{fam}/ecomap", "/netwerk/export.xlsx", "/zoeken?q=clb"])
    partner = app.test_client()
    partner.post("/login", data={"username": "partner", "password": "huisvanhetkind"})
    run(partner, ["/netwerk/portaal/", "/netwerk/portaal/mijn-organisatie", "/netwerk/portaal/afspraken",
                  "/netwerk/portaal/verwijzingen"])


if __name__ == "__main__":
    main()
