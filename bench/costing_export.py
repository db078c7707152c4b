"""Benchmark: export the Excel cost sheet for N synthetic trajectories (default 20,000).

Measures wall time and peak Python memory (tracemalloc, in a separate run so tracing does not slow the
timed one), the file size, and, when pandas is importable, pandas' ``to_excel`` of the same rows for
comparison (pandas is not a dependency of the project). Prints one JSON line, then a readable table.

    /tmp/venv/bin/python bench/costing_export.py [--rows 20000] [--repeat 3]
    PYTHONPATH=/some/dir/with/pandas /tmp/venv/bin/python bench/costing_export.py   # adds the pandas column
"""

from __future__ import annotations

import argparse
import gc
import io
import json
import os
import random
import resource
import sys
import time
import tracemalloc
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from core.ui import Period  # noqa: E402
from plugins.costing import actuals  # noqa: E402
from plugins.costing.calculation import PRESET_INPUTS, PRESET_SOURCES  # noqa: E402
from plugins.costing.export import write_workbook  # noqa: E402

KINDS = ["rondetafel", "sessie_kind", "gesprek_ouders", "schoolcontact", "groepsbijeenkomst", "groepsdag",
         "groepsweekend", "ouder_kind"]


def synthetic_rows(n: int, seed: int = 2025) -> list[dict]:
    rng = random.Random(seed)
    rows = []
    for k in range(n):
        start = date(2025, 1, 1) + timedelta(days=rng.randrange(365))
        closed = rng.random() < 0.4
        age = rng.choice(["lager", "secundair"])
        vt = rng.random() < 0.5
        waived = rng.random() < 0.05
        hours = {kind: round(rng.uniform(0, 20) * 2) / 2 for kind in KINDS if rng.random() < 0.7}
        fee = Decimal("25") if vt else Decimal("50")
        rows.append({
            "kind": "trajectory" if k % 20 else "group_programme", "ref": f"PT-2025-{k:05d}", "team_id": 1 + k % 3,
            "team": ["PeTra", "Opvoedingswinkel", "Onthaal"][k % 3], "start": start,
            "end": start + timedelta(days=rng.randrange(30, 180)) if closed else None,
            "status": "closed" if closed else "ongoing", "status_label": "Afgesloten" if closed else "Lopend", "age_group": age, "hours": hours,
            "fee_due": Decimal(0) if waived else fee, "fee_paid": None if waived else fee, "fee_waived": waived,
            "fee_paid_on": None if waived else start + timedelta(days=rng.randrange(0, 30)),
        })
    return rows


class _Result:
    """The units of ``rows`` as the cost sheet writes them (what ``actuals.stream_units`` yields from SQL)."""

    def __init__(self, rows: list[dict], period: Period):
        from plugins.costing.calculation import method2, money

        m2 = method2(PRESET_INPUTS)
        kinds: set[str] = set()
        self.units = []
        for r in rows:
            hours = {k: Decimal(str(v)) for k, v in r["hours"].items()}
            kinds.update(hours)
            total = sum(hours.values(), Decimal(0))
            model = {"lager": m2.under_12, "secundair": m2.over_12}.get(r["age_group"]) if r["kind"] == "trajectory" else None
            status = None if r["fee_due"] is None else "waived" if r["fee_waived"] else "paid" if r["fee_paid_on"] else "open"
            self.units.append(actuals.UnitActual(
                r["kind"], r["ref"], r["team_id"], r["team"], r["start"], r["end"], r["status_label"], r["age_group"],
                hours, total, money(total * PRESET_INPUTS.hourly_rate), r["fee_due"], r["fee_paid"], r["fee_waived"],
                r["fee_paid_on"], r["kind"] == "trajectory" and period.contains(r["start"]), model, r["start"], status))
        self.activity_kinds = [k for k in KINDS if k in kinds]


def export(result, period) -> int:
    buf = io.BytesIO()
    write_workbook(buf, model_name="Bench", year=2025, team_name="Alle teams", inputs=PRESET_INPUTS,
                   sources=PRESET_SOURCES, units=result.units,
                   activity_kinds=result.activity_kinds, period_start=period.start, period_end=period.end)
    return buf.tell()


def pandas_export(result):
    try:
        import pandas as pd
    except ImportError:
        return None
    records = [{"Referentie": u.ref, "Soort": u.kind_label, "Team": u.team, "Start": u.start, "Einde": u.end,
                "Status": u.status, **{k: float(u.hours.get(k, 0)) for k in result.activity_kinds},
                "Uren": float(u.hours_total), "Kost": float(u.cost),
                "Verschuldigd": float(u.fee_due or 0), "Betaald": float(u.fee_paid or 0)} for u in result.units]
    def run():
        buf = io.BytesIO()
        pd.DataFrame.from_records(records).to_excel(buf, sheet_name="Werkelijk", index=False, engine="openpyxl")
        return buf.tell()

    t = time.perf_counter()
    size = run()
    seconds = time.perf_counter() - t
    gc.collect()
    tracemalloc.start()
    run()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return seconds, size, peak


def _lxml() -> bool:
    import openpyxl

    return bool(openpyxl.LXML)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=20_000)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    period = Period(date(2025, 1, 1), date(2025, 12, 31))
    rows = synthetic_rows(args.rows)
    t = time.perf_counter()
    result = _Result(rows, period)
    aggregate_s = time.perf_counter() - t

    times = []
    size = 0
    for _ in range(args.repeat):
        gc.collect()
        t = time.perf_counter()
        size = export(result, period)
        times.append(time.perf_counter() - t)

    gc.collect()
    tracemalloc.start()
    export(result, period)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()

    pd = pandas_export(result)
    out = {
        "bench": "costing_export", "rows": args.rows, "repeat": args.repeat,
        "aggregate_s": round(aggregate_s, 3),
        "export_s_best": round(min(times), 3), "export_s_median": round(sorted(times)[len(times) // 2], 3),
        "rows_per_s": round(args.rows / min(times)),
        "peak_traced_mib": round(peak / 2**20, 1),
        "max_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "xlsx_bytes": size,
        "pandas_to_excel_s": round(pd[0], 3) if pd else None,
        "pandas_xlsx_bytes": pd[1] if pd else None,
        "pandas_peak_traced_mib": round(pd[2] / 2**20, 1) if pd else None,
        "pandas_note": None if pd else "pandas not importable: column skipped (not a project dependency)",
        "python": sys.version.split()[0], "cpus": os.cpu_count(), "openpyxl_lxml": _lxml(),
        "loadavg_1m": round(os.getloadavg()[0], 2),
    }
    print(json.dumps(out))
    print()
    print(f"Excel cost sheet export, {args.rows:,} trajectories (best of {args.repeat})")
    print(f"  aggregate billable work      {aggregate_s:8.3f} s")
    print(f"  export (write-only openpyxl) {min(times):8.3f} s   ({out['rows_per_s']:,} rows/s)")
    print(f"  peak Python memory (traced)  {out['peak_traced_mib']:8.1f} MiB")
    print(f"  max RSS of the process       {out['max_rss_mib']:8.1f} MiB")
    print(f"  file size                    {size / 2**20:8.2f} MiB")
    print(f"  machine: {out['cpus']} CPUs, load average {out['loadavg_1m']} (other processes slow the figures)")
    if pd:
        print(f"  pandas to_excel, same rows   {pd[0]:8.3f} s   ({pd[1] / 2**20:.2f} MiB, values only, no formulas,"
              f" peak traced {pd[2] / 2**20:.1f} MiB)")
    else:
        print(f"  pandas to_excel              skipped: {out['pandas_note']}")


if __name__ == "__main__":
    main()
