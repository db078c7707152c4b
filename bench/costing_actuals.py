"""Benchmark: the costing actual-cost page and its xlsx export on a demo database (PostgreSQL at scale).

Loads ``hvhk demo --scale N`` into ``DATABASE_URL`` first when asked (``--load``), then, logged in as the demo's
finance user through the test client, times the actual-cost page (median of ``--repeat``) and the export, each
export in a fresh process so its peak RSS is its own. Prints figures only (a JSON line and a table); never a
pass/fail on time. Runs against any checkout (``--root``), so the same script measures before and after.

    DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/hvhk_money \\
        /work/venvs/money/bin/python bench/costing_actuals.py --load --scale 10
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

HERE = Path(__file__).resolve().parent.parent


def _app(root: Path):
    sys.path.insert(0, str(root))
    os.environ.setdefault("SECRET_KEY", "bench-" + "x" * 40)
    from core import create_app

    app = create_app()
    app.config["WTF_CSRF_ENABLED"] = False
    return app


def _client(app):
    c = app.test_client()
    r = c.post("/login", data={"username": "finance", "password": "huisvanhetkind"})
    assert r.status_code in (302, 303), r.status_code
    return c


def child(root: Path, what: str, year: int) -> None:
    """One measurement in this process: print seconds, peak RSS (MiB) and the answer's size as JSON."""
    app = _app(root)
    with app.app_context():
        c = _client(app)
        if what == "export":
            from sqlalchemy import select

            from core.extensions import db
            from plugins.costing.models import CostModel

            model_id = db.session.scalar(select(CostModel.id).order_by(CostModel.id))
            url = f"/kostprijs/{model_id}/export.xlsx?van={year}-01-01&tot={year}-12-31"
        else:
            url = f"/kostprijs/werkelijk?jaar={year}"
        c.get("/")  # warm: templates, plugin caches
        rss0 = _status("VmRSS")
        _reset_peak()
        t = time.perf_counter()
        resp = c.get(url)
        seconds = time.perf_counter() - t
        body = resp.get_data()
        print(json.dumps({"status": resp.status_code, "seconds": round(seconds, 3), "bytes": len(body),
                          "rss_before_mib": round(rss0 / 1024, 1), "peak_rss_mib": round(_status("VmHWM") / 1024, 1),
                          "max_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)}))


def _status(key: str) -> int:
    """A figure of /proc/self/status in KiB (Linux)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1])
    return 0


def _reset_peak() -> None:
    """Reset the peak RSS (VmHWM) so it measures the request only (Linux, clear_refs 5)."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        pass


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--root", default=str(HERE), help="the checkout to measure (default: this one)")
    ap.add_argument("--scale", type=int, default=10)
    ap.add_argument("--load", action="store_true", help="reset the database and load the demo at --scale first")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--year", type=int, default=date.today().year)
    ap.add_argument("--child", choices=("page", "export"))
    args = ap.parse_args()
    root = Path(args.root)
    if args.child:
        child(root, args.child, args.year)
        return
    env = dict(os.environ, PYTHONPATH=str(root), SECRET_KEY=os.environ.get("SECRET_KEY", "bench-" + "x" * 40))
    hvhk = [sys.executable, "-c", "from core.cli import main; main()"]
    load_s = None
    if args.load:
        url = os.environ.get("DATABASE_URL", "")
        if not url.startswith("postgresql"):
            sys.exit("--load empties the database: give a PostgreSQL DATABASE_URL of your own")
        from sqlalchemy import create_engine, text

        with create_engine(url).begin() as conn:  # an empty schema for a fresh demo
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        t = time.perf_counter()
        subprocess.run(hvhk + ["init"], env=env, check=True, capture_output=True, cwd=root)
        subprocess.run(hvhk + ["demo", "--scale", str(args.scale)], env=env, check=True, capture_output=True,
                       cwd=root)
        load_s = round(time.perf_counter() - t, 1)

    def run(what):
        out = subprocess.run([sys.executable, __file__, "--root", str(root), "--child", what, "--year",
                              str(args.year)], env=env, check=True, capture_output=True, text=True, cwd=root)
        return json.loads(out.stdout.strip().splitlines()[-1])

    pages = [run("page") for _ in range(args.repeat)]
    exports = [run("export") for _ in range(max(1, args.repeat // 2))]
    out = {"bench": "costing_actuals", "root": str(root), "scale": args.scale, "year": args.year, "load_s": load_s,
           "page_s_median": statistics.median(p["seconds"] for p in pages),
           "page_peak_rss_mib": max(p["peak_rss_mib"] for p in pages), "page_status": pages[0]["status"],
           "page_rss_before_mib": pages[0]["rss_before_mib"],
           "export_s_median": statistics.median(e["seconds"] for e in exports),
           "export_peak_rss_mib": max(e["peak_rss_mib"] for e in exports),
           "export_rss_before_mib": exports[0]["rss_before_mib"], "export_bytes": exports[0]["bytes"],
           "export_status": exports[0]["status"], "loadavg_1m": round(os.getloadavg()[0], 2),
           "database": os.environ.get("DATABASE_URL", "sqlite (instance)").split("@")[-1]}
    print(json.dumps(out))
    print()
    print(f"Costing actuals, demo scale {args.scale}, year {args.year} ({out['database']})")
    print(f"  actual-cost page   {out['page_s_median']:8.3f} s median of {len(pages)}, peak RSS during the request "
          f"{out['page_peak_rss_mib']:.0f} MiB (before it: {out['page_rss_before_mib']:.0f} MiB)")
    print(f"  xlsx export        {out['export_s_median']:8.3f} s, peak RSS during the request "
          f"{out['export_peak_rss_mib']:.0f} MiB (before it: {out['export_rss_before_mib']:.0f} MiB), "
          f"{out['export_bytes'] / 2**20:.2f} MiB file")
    print(f"  load average {out['loadavg_1m']} (other processes slow the figures)")


if __name__ == "__main__":
    main()
