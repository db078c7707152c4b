"""Benchmark: what hostile or broken import files cost the partner import (issue 13, defect 5).

Each case runs in its own process: a fresh app on an empty SQLite database, then one call of
``plugins.network.importer.import_file`` with the file. Printed per case: wall time of that call, the growth
of the process's peak memory during it (ru_maxrss after minus before, so lxml's and zlib's memory count too)
and the first words of the outcome. Never passes or fails on time.

    python bench/xlsx_import.py                       # this tree
    git worktree add /tmp/before a531e4c              # the code before core.xlsx
    python bench/xlsx_import.py --tree /tmp/before    # the same files against that tree
    python bench/xlsx_import.py --case declared       # one case; --timeout 300 (seconds per case)
"""

from __future__ import annotations

import argparse
import io
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests"))
from hostile_xlsx import with_sheet  # noqa: E402  (the tests' hostile workbooks)

NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
ROW = ["Naam", "Sector", "Gemeenten"]






def _rows_xml(rows, start: int = 1) -> bytes:
    parts = []
    for n, row in enumerate(rows, start=start):
        cells = "".join(f'<c r="{chr(65 + i)}{n}" t="inlineStr"><is><t>{v}</t></is></c>' for i, v in enumerate(row))
        parts.append(f'<row r="{n}">{cells}</row>')
    return "".join(parts).encode()


def _sheet(body_chunks, dimension: str | None = None):
    yield f'<?xml version="1.0" encoding="UTF-8"?><worksheet {NS}>'.encode()
    if dimension:
        yield f'<dimension ref="{dimension}"/>'.encode()
    yield b"<sheetData>"
    yield from body_chunks
    yield b"</sheetData></worksheet>"


def build(case: str) -> tuple[bytes, str]:
    """The file of a case and its upload name."""
    if case == "normal_5000":
        rows = [ROW] + [[f"Organisatie {n}", "welzijn", "Genk"] for n in range(5000)]
        return with_sheet(_sheet([_rows_xml(rows)], f"A1:C{len(rows)}")), "partners.xlsx"
    if case == "declared":  # 1.5 KB, declares A1:XFD4000 and has a cell there
        body = [_rows_xml([ROW, ["Huiswerkklas", "onderwijs", "Genk"]]), b'<row r="4000"><c r="XFD4000"/></row>']
        return with_sheet(_sheet(body, "A1:XFD4000")), "partners.xlsx"
    if case == "rows_20000":
        rows = [ROW] + [[f"Organisatie {n}", "welzijn", "Genk"] for n in range(20_000)]
        return with_sheet(_sheet([_rows_xml(rows)], "A1:XFD20001")), "partners.xlsx"
    if case == "deflate_bomb":  # about 300 KB packed, 300 MB of blanks unpacked
        return with_sheet(_sheet([_rows_xml([ROW])] + [b" " * (1024 * 1024)] * 300)), "partners.xlsx"
    if case == "csv_field_200k":
        return ("Naam;Sector;Gemeenten\nGewoon;welzijn;Genk\n" + "A" * 200_000 + ";welzijn;Genk\n").encode(), "p.csv"
    if case == "csv_open_quote":
        return ('Naam;Sector;Gemeenten\n"Open;welzijn;Genk\n' + "Rij;welzijn;Genk\n" * 5000).encode(), "p.csv"
    if case == "csv_nul":
        return b"Naam;Sector;Gemeenten\nNul\x00Teken;welzijn;Genk\nStart\x01Teken;welzijn;As\n", "p.csv"
    raise SystemExit(f"unknown case {case}")


CASES = ["normal_5000", "declared", "rows_20000", "deflate_bomb", "csv_field_200k", "csv_open_quote", "csv_nul"]


def run_case(case: str, tree: str) -> None:
    """In the child process: import the tree's app, build the file, time one import."""
    import resource

    sys.path.insert(0, tree)
    os.environ.setdefault("HVHK_PLUGINS", "network")
    from werkzeug.datastructures import FileStorage

    from core import create_app
    from core.cli import upgrade_all
    from core.extensions import db

    data, name = build(case)
    tmp = tempfile.mkdtemp(prefix="hvhk-bench-")
    app = create_app({"TESTING": True, "SECRET_KEY": "bench-secret-key-0123456789abcdef",
                      "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp}/bench.sqlite3", "INSTANCE_PATH": tmp})
    with app.app_context():
        upgrade_all()
        from plugins.network import importer

        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        t0 = time.perf_counter()
        try:
            report = importer.import_file(FileStorage(io.BytesIO(data), filename=name))
            outcome = report.fatal or f"{report.created} nieuw, {len(report.rejected)} geweigerd"
        except Exception as e:  # the old code answered 500 here
            outcome = f"500: {type(e).__name__}: {e}"
        seconds = time.perf_counter() - t0
        after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        db.session.rollback()
    print(json.dumps({"case": case, "file_bytes": len(data), "seconds": round(seconds, 3),
                      "peak_growth_mib": round((after - before) / 1024, 1), "outcome": outcome[:90]}))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tree", default=str(HERE.parent), help="source tree to import (default: this one)")
    parser.add_argument("--case", action="append", choices=CASES)
    parser.add_argument("--timeout", type=int, default=300)
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        run_case(args.child, args.tree)
        return
    results = []
    for case in args.case or CASES:
        try:
            proc = subprocess.run([sys.executable, __file__, "--child", case, "--tree", args.tree],
                                  capture_output=True, text=True, timeout=args.timeout)
            lines = [line for line in proc.stdout.splitlines() if line.startswith("{")]
            result = json.loads(lines[-1]) if lines else {"case": case, "outcome": "crashed: " + proc.stderr[-200:]}
        except subprocess.TimeoutExpired:
            result = {"case": case, "seconds": None, "outcome": f"stopped after {args.timeout} s"}
        results.append(result)
        print(json.dumps(result), flush=True)
    print(f"\nimport_file on {args.tree} ({os.cpu_count()} CPUs, load {os.getloadavg()[0]:.1f})")
    print(f"  {'case':16} {'file':>10} {'time':>9} {'peak +MiB':>10}  outcome")
    for r in results:
        secs = f"{r['seconds']:.2f} s" if r.get("seconds") is not None else "-"
        size = f"{r['file_bytes'] / 1024:.0f} KB" if "file_bytes" in r else "-"
        peak = f"{r['peak_growth_mib']:.0f}" if "peak_growth_mib" in r else "-"
        print(f"  {r['case']:16} {size:>10} {secs:>9} {peak:>10}  {r['outcome']}")


if __name__ == "__main__":
    main()
