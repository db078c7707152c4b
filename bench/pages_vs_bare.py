"""What a request costs above the framework's floor: the pages a worker uses most, through gunicorn on PostgreSQL,
each beside a bare Flask "hello" route on gunicorn with the same workers, interleaved, in rounds, medians.

    python3 bench/pages_vs_bare.py \
        --db 1k=postgresql+psycopg://postgres@127.0.0.1:5432/hvhk_perf_1k \
        --db 10k=postgresql+psycopg://postgres@127.0.0.1:5432/hvhk_perf_10k \
        --db 100k=postgresql+psycopg://postgres@127.0.0.1:5432/hvhk_perf_100k \
        [--seconds 5] [--rounds 3] [--workers 2] [--threads 2] [--connections 8] [--pages healthz,login,...]
        [--code before=/path/to/an/older/checkout --code after=.]

With ``--code`` (repeated) the same pages are served by each code tree (a checkout of another commit, e.g.
``git worktree add --detach /tmp/before <commit>``) on its own gunicorn, all against the same database, and each
page run of every tree follows the same bare run: a before/after table from one run on one machine load.

Each database must hold demo data already (``hvhk demo --scale N``: scale 1 is about 300 families, so 3, 33
and 333 for 1k, 10k and 100k families); the script runs no migration and generates nothing.

Load generator: wrk (``apt-get install wrk``; ``-t2 -c8`` by default, keep-alive) when it is on the PATH, else
a small Python one (threads, one keep-alive ``http.client`` connection each); the output says which. For each
data set, page after page and round after round, the bare route and the page are loaded for ``--seconds`` each,
one right after the other, so both see the same machine load. The cost of a page is the bare route's requests
per second divided by the page's (lower is better; 1.0 is the floor). Printed per page: the median cost over the
rounds, the median requests/s, wrk's median latency under load, the single-user p50/p95 (sequential requests on
one connection), the SQL queries one request runs (counted in this process through the app with a SQLAlchemy
event listener, logged in as the same user, and as a PeTra worker: "admin/worker"), and at the end the RSS of the intranet's gunicorn workers (now and
peak). The load average is printed at the start, at each round and at the end.

Figures only: nothing here passes or fails on time. Only talks to 127.0.0.1. Pages are requested as the demo
``admin`` (who may open every page); the login page and /healthz without a session.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
CODE = Path(sys.argv[sys.argv.index("--tree") + 1]).resolve() if "--tree" in sys.argv else HERE.parent
sys.path.insert(0, str(CODE))
sys.path.insert(0, str(HERE))

SECRET = "bench-secret-key-0123456789abcdef"

# key, label, endpoint, SQL for the URL's id (or None), the URL argument, extra query args, logged in?
PAGES = [
    ("healthz", "/healthz", "core.healthz", None, None, {}, False),
    ("login", "login page", "auth.login", None, None, {}, False),
    ("dashboard", "dashboard", "core.index", None, None, {}, True),
    ("search", "family search, common name", "families.directory", None, None, {"q": "peeters"}, True),
    ("family", "family page", "families.show",
     "SELECT family_id FROM involvement WHERE ended_at IS NULL ORDER BY id LIMIT 1", "family_id", {}, True),
    ("ecomap", "ecomap panel", "network.family_ecomap",
     "SELECT family_id FROM involvement WHERE ended_at IS NULL ORDER BY id LIMIT 1", "family_id", {}, True),
    ("trajectory", "PeTra trajectory page", "petra.show",
     "SELECT id FROM petra_trajectory ORDER BY id DESC LIMIT 1", "trajectory_id", {}, True),
    ("attendance", "attendance", "groups.attendance",
     "SELECT id FROM groups_session ORDER BY id LIMIT 1", "session_id", {}, True),
    ("mapjson", "network map json", "network.network_map_json", None, None, {}, True),
    ("costsheet", "cost model sheet", "costing.sheet",
     "SELECT id FROM costing_cost_model ORDER BY id LIMIT 1", "model_id", {}, True),
    ("meeting", "PeTra team meeting", "petra.meeting", None, None, {}, True),
    ("actuals", "costing actuals", "costing.actuals", None, None, {}, True),
]


def loadavg() -> str:
    return "load average {:.2f} {:.2f} {:.2f}".format(*os.getloadavg())


# --------------------------------------------------------------------------- servers


def start_gunicorn(target: str, port: int, workers: int, env: dict, chdir: Path | None = None) -> subprocess.Popen:
    cmd = [sys.executable, "-m", "gunicorn", "-w", str(workers), "-k", "sync", "-b", f"127.0.0.1:{port}",
           "--log-level", "warning", "--timeout", "120"]
    if chdir:
        cmd += ["--chdir", str(chdir)]
    proc = subprocess.Popen(cmd + [target], env=env, start_new_session=True)
    for _ in range(200):
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", "/healthz" if "core" in target else "/")
            if conn.getresponse().status == 200:
                return proc
        except OSError:
            pass
        time.sleep(0.2)
    stop(proc)
    raise SystemExit(f"gunicorn {target} did not start on port {port}")


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)


def worker_memory(master_pid: int) -> list[dict]:
    out = []
    for pid in Path("/proc").iterdir():
        if not pid.name.isdigit():
            continue
        try:
            status = (pid / "status").read_text()
        except OSError:
            continue
        if re.search(rf"^PPid:\s+{master_pid}$", status, re.M):
            rss = int(re.search(r"^VmRSS:\s+(\d+)", status, re.M).group(1)) // 1024
            hwm = int(re.search(r"^VmHWM:\s+(\d+)", status, re.M).group(1)) // 1024
            out.append({"pid": int(pid.name), "rss_mb": rss, "peak_mb": hwm})
    return out


# --------------------------------------------------------------------------- load generators


def _unit_ms(value: str) -> float:
    m = re.match(r"([\d.]+)(us|ms|s|m)", value)
    n, unit = float(m.group(1)), m.group(2)
    return n * {"us": 0.001, "ms": 1, "s": 1000, "m": 60000}[unit]


def wrk(url: str, cookie: str | None, seconds: float, threads: int, connections: int) -> dict:
    cmd = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{max(1, round(seconds))}s", "--timeout", "60s", "--latency"]
    if cookie:
        cmd += ["-H", f"Cookie: {cookie}"]
    out = subprocess.run(cmd + [url], capture_output=True, text=True, timeout=seconds + 120).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    done = int(re.search(r"(\d+) requests in", out).group(1))
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    p50 = re.search(r"^\s+50%\s+(\S+)", out, re.M)
    return {"rps": rps, "requests": done, "errors": int(bad.group(1)) if bad else 0,
            "p50_ms": _unit_ms(p50.group(1)) if p50 and done else None}


def python_load(url: str, cookie: str | None, seconds: float, threads: int, connections: int) -> dict:
    """Fallback without wrk: ``connections`` threads, each one keep-alive connection, for ``seconds``."""
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    samples: list[float] = []
    errors = [0]
    lock = threading.Lock()
    stop_at = time.perf_counter() + seconds

    def run():
        conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
        headers = {"Cookie": cookie} if cookie else {}
        while time.perf_counter() < stop_at:
            t = time.perf_counter()
            try:
                conn.request("GET", path, headers=headers)
                resp = conn.getresponse()
                resp.read()
                ok = resp.status < 400
            except OSError:
                conn.close()
                conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
                ok = False
            with lock:
                samples.append((time.perf_counter() - t) * 1000)
                errors[0] += not ok

    started = time.perf_counter()
    pool = [threading.Thread(target=run) for _ in range(connections)]
    for th in pool:
        th.start()
    for th in pool:
        th.join()
    elapsed = time.perf_counter() - started
    return {"rps": len(samples) / elapsed, "requests": len(samples), "errors": errors[0],
            "p50_ms": statistics.median(samples) if samples else None}


def single_user(url: str, cookie: str | None, budget_s: float, most: int = 40) -> dict:
    """Sequential requests on one keep-alive connection: at least 3, at most ``most``, within ``budget_s``."""
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=120)
    headers = {"Cookie": cookie} if cookie else {}
    samples, status, size = [], None, 0
    t0 = time.perf_counter()
    while len(samples) < min(3, most) or (len(samples) < most and time.perf_counter() - t0 < budget_s):
        t = time.perf_counter()
        try:
            conn.request("GET", path, headers=headers)
            resp = conn.getresponse()
            body = resp.read()
        except OSError:  # no answer within the client's timeout: counted as that long, never a crash
            samples.append((time.perf_counter() - t) * 1000)
            status, size = "timeout", 0
            break
        samples.append((time.perf_counter() - t) * 1000)
        status, size = resp.status, len(body)
    s = sorted(samples)
    p95 = s[min(len(s) - 1, round(0.95 * (len(s) - 1)))]
    return {"status": status, "kb": round(size / 1024, 1), "p50_ms": round(statistics.median(s), 1),
            "p95_ms": round(p95, 1)}


# --------------------------------------------------------------------------- the app in this process


def resolve_and_count(url: str, wanted: list[tuple], count_as: str,
                      urls: list | None = None) -> tuple[list[tuple], dict[str, str]]:
    """The URL of every page on this database, and the SQL queries one request of each runs: as the admin, and
    as ``count_as`` ("-" where that user may not open the page). With ``urls`` only the counting is done."""
    from bench_login import login_as
    from flask import url_for
    from sqlalchemy import event, select, text

    from core import create_app
    from core.extensions import db
    from core.models import User

    app = create_app({"TESTING": False, "SECRET_KEY": SECRET, "SQLALCHEMY_DATABASE_URI": url,
                      "INSTANCE_PATH": "/tmp/hvhk-bench-instance"})
    counts = {}
    given, urls = urls is not None, urls or []
    with app.app_context():
        if not given:
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.exec_driver_sql("ANALYZE")
        admin_id = db.session.scalar(select(User.id).where(User.username == "admin"))
        for key, label, endpoint, sql, arg, extra, logged_in in ([] if given else wanted):
            if endpoint not in app.view_functions:
                urls.append((key, label, None, logged_in))
                continue
            values = dict(extra)
            if sql:
                found = db.session.execute(text(sql)).scalar()
                if found is None:
                    urls.append((key, label, None, logged_in))
                    continue
                values[arg] = found
            with app.test_request_context():
                urls.append((key, label, url_for(endpoint, **values), logged_in))
        db.session.remove()
    client = app.test_client()
    anon = app.test_client()
    worker = app.test_client()
    with app.app_context():
        login_as(client, app, admin_id)
        worker_id = db.session.scalar(select(User.id).where(User.username == count_as))
        if worker_id is not None:
            login_as(worker, app, worker_id)
    n = {"n": 0}

    def count(*_a):
        n["n"] += 1

    with app.app_context():
        engine = db.engine
    for key, _label, path, logged_in in urls:
        if path is None:
            continue
        found = []
        for c in ([client, worker] if logged_in and worker_id is not None else [client if logged_in else anon]):
            c.get(path)  # warm: per-process caches filled as in a running worker
            event.listen(engine, "before_cursor_execute", count)
            n["n"] = 0
            status = c.get(path).status_code
            event.remove(engine, "before_cursor_execute", count)
            found.append(str(n["n"]) if status < 400 else "-")
        counts[key] = "/".join(found)
    engine.dispose()
    return urls, counts


def counts_of_tree(tree: Path, url: str, urls: list[tuple], count_as: str) -> dict[str, str]:
    """The query counts of ``tree``'s code (imported in a child process, which puts that tree first on its path)."""
    out = subprocess.run([sys.executable, str(Path(__file__).resolve()), "--count-only", json.dumps(urls),
                          "--tree", str(tree), "--db", f"x={url}", "--count-as", count_as],
                         capture_output=True, text=True, timeout=600)
    try:
        return json.loads(out.stdout.strip().splitlines()[-1])
    except (IndexError, ValueError):
        print(out.stderr[-2000:], file=sys.stderr)
        return {}


def login_cookie(base: str) -> str:
    from http_client import Client

    c = Client(base)
    if not c.login("admin"):
        raise SystemExit("could not log in as admin (is this a demo database?)")
    return "; ".join(f"{k.name}={k.value}" for k in c.jar)


# --------------------------------------------------------------------------- one data set


def run_dataset(name: str, url: str, args, load) -> dict:
    print(f"\n=== {name}: {url.rsplit('/', 1)[-1]}  ({loadavg()})", flush=True)
    wanted = [p for p in PAGES if not args.pages or p[0] in args.pages]
    urls, main_counts = resolve_and_count(url, wanted, args.count_as)
    counts = {code: (main_counts if tree == HERE.parent else counts_of_tree(tree, url, urls, args.count_as))
              for code, tree in args.code}
    env = dict(os.environ, DATABASE_URL=url, SECRET_KEY=SECRET, HVHK_IDLE_MINUTES="1440")
    env.pop("HVHK_TESTING", None)
    bare = start_gunicorn("bare_app:app", args.port + 1, args.workers, env, chdir=HERE)
    servers = {code: start_gunicorn("core:create_app()", args.port + 2 + i, args.workers, env, chdir=tree)
               for i, (code, tree) in enumerate(args.code)}
    bases = {code: f"http://127.0.0.1:{args.port + 2 + i}" for i, (code, _tree) in enumerate(args.code)}
    bare_url = f"http://127.0.0.1:{args.port + 1}/"
    results: dict[str, dict] = {code: {} for code in servers}
    memory: dict[str, list] = {}
    try:
        cookie = login_cookie(bases[args.code[0][0]])  # one server-side session: every tree accepts the cookie
        for base in bases.values():
            for _key, _label, path, logged_in in urls:  # warm every worker: first-request costs are not the page's
                if path:
                    for _ in range(2 * args.workers):
                        single_user(base + path, cookie if logged_in else None, 0, most=1)
        rounds: dict[tuple, list] = {(code, k): [] for code in servers for k, *_ in urls}
        for r in range(args.rounds):
            print(f"  round {r + 1}/{args.rounds}  ({loadavg()})", flush=True)
            for key, label, path, logged_in in urls:
                if path is None:
                    continue
                floor = load(bare_url, None, args.seconds, args.threads, args.connections)
                line = f"    {label:<28} bare {floor['rps']:8.0f}/s"
                for code, base in bases.items():
                    page = load(base + path, cookie if logged_in else None, args.seconds, args.threads,
                                args.connections)
                    if page["requests"] < 10:  # slower than the window allows: its rate from sequential time
                        one = single_user(base + path, cookie if logged_in else None, 0, most=3)
                        page = dict(page, rps=args.workers * 1000 / one["p50_ms"], estimated=True)
                    rounds[(code, key)].append((floor, page))
                    cost = floor["rps"] / page["rps"] if page["rps"] else float("inf")
                    line += f"  {code + ' ' if code else ''}page {page['rps']:8.1f}/s cost {cost:7.1f}" \
                            f" errors {page['errors']}"
                print(line, flush=True)
        for code, base in bases.items():
            for key, label, path, logged_in in urls:
                if path is None:
                    results[code][key] = {"page": label, "url": "n/a"}
                    continue
                pairs = rounds[(code, key)]
                costs = [f["rps"] / p["rps"] if p["rps"] else float("inf") for f, p in pairs]
                one = single_user(base + path, cookie if logged_in else None, args.single_budget)
                p50s = [p["p50_ms"] for _, p in pairs if p["p50_ms"] is not None and not p.get("estimated")]
                results[code][key] = {
                    "page": label, "url": path, "status": one["status"], "kb": one["kb"],
                    "cost": round(statistics.median(costs), 1),
                    "estimated": any(p.get("estimated") for _, p in pairs),
                    "bare_rps": round(statistics.median(f["rps"] for f, _ in pairs)),
                    "page_rps": round(statistics.median(p["rps"] for _, p in pairs), 1),
                    "load_p50_ms": round(statistics.median(p50s), 1) if p50s else None,
                    "single_p50_ms": one["p50_ms"], "single_p95_ms": one["p95_ms"],
                    "errors": sum(p["errors"] for _, p in pairs),
                    "queries": counts[code].get(key),
                }
            memory[code] = worker_memory(servers[code].pid)
        bare_memory = worker_memory(bare.pid)
    finally:
        for server in servers.values():
            stop(server)
        stop(bare)
    print(f"  done ({loadavg()})")
    for code, mem in memory.items():
        print(f"  intranet{' ' + code if code else ''} workers: {mem}")
    print(f"  bare workers:     {bare_memory}")
    return {"name": name, "codes": results, "workers_memory": memory, "bare_memory": bare_memory,
            "loadavg_end": os.getloadavg()}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--db", action="append", required=True, metavar="NAME=URL",
                    help="a data set: a name (the column) and its database URL; repeat for more")
    ap.add_argument("--seconds", type=float, default=5, help="load time of each bare run and each page run")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--connections", type=int, default=8)
    ap.add_argument("--single-budget", type=float, default=3, help="seconds of sequential single-user requests")
    ap.add_argument("--port", type=int, default=8790)
    ap.add_argument("--pages", default="", help="comma-separated keys: " + ",".join(p[0] for p in PAGES))
    ap.add_argument("--python-load", action="store_true", help="use the Python load generator even if wrk is here")
    ap.add_argument("--count-as", default="worker", help="second user whose queries are counted (admin/this user)")
    ap.add_argument("--json", help="also write the figures to this file")
    ap.add_argument("--code", action="append", default=[], metavar="NAME=PATH",
                    help="a code tree to serve the pages (repeat for a before/after table); default: this checkout")
    ap.add_argument("--tree", help=argparse.SUPPRESS)  # the counting child process: whose code to import
    ap.add_argument("--count-only", help=argparse.SUPPRESS)  # the counting child process: the URLs (JSON)
    args = ap.parse_args()
    if args.count_only:
        _url = args.db[0].partition("=")[2]
        print(json.dumps(resolve_and_count(_url, [], args.count_as, urls=json.loads(args.count_only))[1]))
        return
    args.code = [(name, Path(path).resolve()) for name, _, path in (c.partition("=") for c in args.code)] \
        or [("", HERE.parent)]
    args.pages = [p for p in args.pages.split(",") if p]
    use_wrk = shutil.which("wrk") and not args.python_load
    load = wrk if use_wrk else python_load
    print(f"load generator: {'wrk' if use_wrk else 'Python (threads, http.client keep-alive)'} "
          f"-t{args.threads} -c{args.connections}, {args.seconds:g} s per run, {args.rounds} rounds, "
          f"gunicorn {args.workers} sync workers; cpus {os.cpu_count()}; {loadavg()}", flush=True)
    sets = []
    for spec in args.db:
        name, _, url = spec.partition("=")
        sets.append(run_dataset(name, url, args, load))

    keys = [p[0] for p in PAGES if not args.pages or p[0] in args.pages]
    columns = [(s, code) for s in sets for code, _tree in args.code]
    heads = [f"{s['name']} {code}".strip() for s, code in columns]
    last = columns[-len(args.code):]  # the last data set, every tree
    print("\nCost of a request as a multiple of the bare route's (median of the rounds; lower is better; ~: the page"
          " was too slow for the load window, its rate taken as workers / single-user p50). Queries per column"
          " (admin/" + args.count_as + ", '-': not allowed), separated by ' · '")
    print("| page | " + " | ".join(heads) + f" | queries (admin/{args.count_as}) | single-user p50/p95 ms ("
          + ", ".join(f"{s['name']} {code}".strip() for s, code in last) + ") |")
    print("|---|" + "---|" * len(heads) + "---|---|")
    for key in keys:
        cells, label, queries, lats = [], key, [], []
        for s, code in columns:
            row = s["codes"][code].get(key, {})
            label = row.get("page", key)
            cells.append("n/a" if "cost" not in row else f"{row['cost']:g}" + ("~" if row.get("estimated") else ""))
            queries.append(row.get("queries") or "")
        for s, code in last:
            row = s["codes"][code].get(key, {})
            lats.append(f"{row.get('single_p50_ms')}/{row.get('single_p95_ms')}" if "cost" in row else "")
        print(f"| {label} | " + " | ".join(cells) + f" | {' · '.join(queries)} | {' · '.join(lats)} |")
    print("bare route req/s (median over all runs): "
          + ", ".join(f"{s['name']} {statistics.median(r['bare_rps'] for c in s['codes'].values() for r in c.values() if 'bare_rps' in r):.0f}"
                      for s in sets))
    for s in sets:
        for code, mem in s["workers_memory"].items():
            print(f"{s['name']} {code}: intranet worker RSS {[m['rss_mb'] for m in mem]} MB "
                  f"(peak {[m['peak_mb'] for m in mem]})")
        print(f"{s['name']}: bare worker RSS {[m['rss_mb'] for m in s['bare_memory']]} MB")
    print(loadavg())
    if args.json:
        Path(args.json).write_text(json.dumps({"sets": sets, "args": vars(args)}, indent=1, default=str))


if __name__ == "__main__":
    main()
