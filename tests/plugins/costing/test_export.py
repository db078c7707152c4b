"""The Excel cost sheet, read back with openpyxl and its formulas evaluated with pycel."""

from __future__ import annotations

import io
import random
import shutil
import subprocess
from datetime import date, datetime
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from core.extensions import db
from core.finance import BillableWork
from core.models import AuditEntry
from core.ui import Period
from plugins.costing import actuals
from plugins.costing.calculation import INPUT_SPECS, PRESET_INPUTS, PRESET_SOURCES, Inputs, method1, method2
from plugins.costing.export import CELLS, INPUT_ROW, write_workbook

from .conftest import fakework

pycel = pytest.importorskip("pycel")

SHEETS = ["Invoer", "Methode 1", "Methode 2", "Werkelijk", "Samenvatting"]
EVIL = ['=HYPERLINK("http://evil.example","klik")', "+1+1", "-2+3", "@SUM(A1:A9)", "\tTAB", "\rCR",
        "=cmd|' /C calc'!A0"]


def evaluate(path, cell: str):
    compiler = pycel.ExcelCompiler(filename=str(path))
    return compiler.evaluate(cell.replace("'", ""))


def cents(v) -> Decimal:
    return Decimal(str(v)).quantize(Decimal("0.01"))


def app_numbers(i: Inputs) -> dict[str, Decimal]:
    out = {}
    for mode, group in (("corrected", "m1_corrected"), ("source", "m1_source")):
        m1 = method1(i, mode)
        for key in CELLS[group]:
            out[CELLS[group][key]] = getattr(m1, key)
    m2 = method2(i)
    for key, cell in CELLS["m2"].items():
        out[cell] = getattr(m2, key)
    m2s = method2(i, "source")
    for key, cell in CELLS["m2_source"].items():
        out[cell] = getattr(m2s, key)
    return out


def export_to(path, inputs: Inputs, rows=(), model_name="Test", sources=None):
    """Write the cost sheet of ``rows`` (old-style billable rows, loaded into the stand-in's tables) and return
    the figures (``actuals.compute``) and the units as the app computes them."""
    period = Period(date(2025, 1, 1), date(2025, 12, 31))
    work = BillableWork(period, None, None, [])
    if rows:
        fakework.load(list(rows))
        work = BillableWork(period, select(*fakework.units.c), select(*fakework.hours.c), [])
    try:
        result = actuals.compute(work, inputs)
        result.units = list(actuals.stream_units(work, inputs, result.activity_kinds))
        write_workbook(path, model_name=model_name, year=2025, team_name="PeTra", inputs=inputs,
                       sources=sources if sources is not None else PRESET_SOURCES,
                       units=actuals.stream_units(work, inputs, result.activity_kinds),
                       activity_kinds=result.activity_kinds, period_start=period.start, period_end=period.end)
    finally:
        if rows:
            fakework.drop()
    return result


def random_inputs(rng: random.Random) -> Inputs:
    def d(lo, hi, places=2):
        return Decimal(rng.randint(int(lo * 10**places), int(hi * 10**places))) / Decimal(10**places)

    return Inputs(staff_fte=d(1, 12), staff_cost=d(50_000, 900_000), operating_cost=d(0, 40_000),
                  overhead_pct=d(0, 40), trajectories_per_year=rng.randint(1, 400), fee_full=d(0, 80),
                  fee_reduced=d(0, 40), vt_share_pct=d(0, 100), hourly_rate=d(20, 90),
                  roundtable_count=d(0, 4, 0), roundtable_hours=d(0.5, 3, 1), talk_count=d(5, 40, 0),
                  talk_hours=d(0.5, 2.5, 2), wednesday_count=d(0, 12, 0), wednesday_hours=d(1, 4, 1),
                  group_day_hours=d(6, 12, 1), weekend_hours=d(20, 48, 1), fixed_price=d(2000, 8000))


def test_preset_workbook_formulas_equal_the_app(tmp_path):
    path = tmp_path / "preset.xlsx"
    export_to(path, PRESET_INPUTS)
    compiler = pycel.ExcelCompiler(filename=str(path))
    for cell, expected in app_numbers(PRESET_INPUTS).items():
        assert cents(compiler.evaluate(cell.replace("'", ""))) == expected, cell
    assert cents(compiler.evaluate("Methode 1!D8")) == Decimal("4771.76")
    assert cents(compiler.evaluate("Methode 1!D5")) == Decimal("313414.34")
    assert cents(compiler.evaluate("Methode 2!C9")) == Decimal("4366.50")


@pytest.mark.parametrize("seed", range(6))
def test_random_models_evaluate_to_the_same_cents(tmp_path, seed):
    inputs = random_inputs(random.Random(seed))
    path = tmp_path / f"r{seed}.xlsx"
    export_to(path, inputs)
    compiler = pycel.ExcelCompiler(filename=str(path))
    for cell, expected in app_numbers(inputs).items():
        assert cents(compiler.evaluate(cell.replace("'", ""))) == expected, (cell, inputs)


def test_inputs_are_values_and_results_are_formulas_and_follow_a_changed_input(tmp_path):
    path = tmp_path / "live.xlsx"
    export_to(path, PRESET_INPUTS)
    wb = load_workbook(path)
    inv = wb["Invoer"]
    for spec in INPUT_SPECS:
        c = inv.cell(row=INPUT_ROW[spec.name], column=2)
        assert c.data_type == "n", spec.name
        assert Decimal(str(c.value)) == Decimal(PRESET_INPUTS.as_dict()[spec.name])
        assert inv.cell(row=INPUT_ROW[spec.name], column=3).value == spec.unit
    for group in CELLS.values():
        for cell in group.values():
            sheet, coord = cell.replace("'", "").split("!")
            assert wb[sheet][coord].data_type == "f", cell
    # finance changes the overhead and the hourly rate in Excel: every result follows
    inv.cell(row=INPUT_ROW["overhead_pct"], column=2).value = 20
    inv.cell(row=INPUT_ROW["hourly_rate"], column=2).value = 45
    changed = tmp_path / "changed.xlsx"
    wb.save(changed)
    new_inputs = PRESET_INPUTS.with_(overhead_pct=Decimal(20), hourly_rate=Decimal(45))
    compiler = pycel.ExcelCompiler(filename=str(changed))
    for cell, expected in app_numbers(new_inputs).items():
        assert cents(compiler.evaluate(cell.replace("'", ""))) == expected, cell


def test_actuals_sheet_and_summary_evaluate_to_the_app_totals(tmp_path, app, world):
    from .conftest import work_rows

    rows = work_rows(world["petra"].id, world["ovw"].id)
    path = tmp_path / "act.xlsx"
    result = export_to(path, PRESET_INPUTS, rows)
    wb = load_workbook(path)
    ws = wb["Werkelijk"]
    header = [c.value for c in ws[1]]
    assert header[:8] == ["Referentie", "Soort", "Team", "Leeftijdsgroep", "Start", "Einde", "Status",
                          "Gestart in periode"]
    assert ws.max_row == len(rows) + 1
    col = {h: n for n, h in enumerate(header, start=1)}
    compiler = pycel.ExcelCompiler(filename=str(path))
    for r, unit in enumerate(result.units, start=2):
        assert ws.cell(r, 1).value == unit.ref
        start = ws.cell(r, col["Start"])
        assert start.is_date and start.value == datetime.combine(unit.start, datetime.min.time())
        assert start.number_format == "dd/mm/yyyy"
        cost = ws.cell(r, col["Kost aan uurtarief"])
        assert cost.data_type == "f" and "Invoer!$B$" in cost.value
        letter = cost.column_letter
        assert cents(compiler.evaluate(f"Werkelijk!{letter}{r}")) == unit.cost
        model = ws.cell(r, col["Model (methode 2)"])
        if unit.model_cost is None:
            assert model.value is None
        else:
            assert cents(compiler.evaluate(f"Werkelijk!{model.column_letter}{r}")) == unit.model_cost
    total = result.total
    s = {ws_row[0].value: ws_row[1] for ws_row in wb["Samenvatting"].iter_rows(min_row=2)}
    assert s["Werkelijk: kost aan uurtarief"].data_type == "f"
    summary_cells = {row[0].value: f"Samenvatting!B{row[0].row}" for row in wb["Samenvatting"].iter_rows(min_row=2)}
    ev = {k: compiler.evaluate(v) for k, v in summary_cells.items() if s[k].data_type == "f"}
    assert cents(ev["Werkelijk: kost aan uurtarief"]) == total.cost
    assert Decimal(str(ev["Werkelijk: uren"])) == total.hours_total
    assert cents(ev["Werkelijk: bijdragen betaald"]) == Decimal("125.00")
    assert int(ev["Werkelijk: trajecten gestart in de periode"]) == total.started == 3
    assert cents(ev["Opbrengst aan vaste prijs"]) == total.revenue
    assert cents(ev["Kost volgens model (methode 1)"]) == total.model_cost
    assert cents(ev["Vastgelegde prijs − methode 1"]) == Decimal("-995.98")
    expected_m2 = sum((u.model_cost for u in result.units if u.model_cost is not None), Decimal(0))
    # the group's hours shared over a group of 8: 1.850,13 under 12 and 1.998,75 from 12
    assert cents(ev["Kost volgens methode 2 (per leeftijdsgroep)"]) == expected_m2 == total.model_cost_m2 == (
        Decimal("1850.13") * 2 + Decimal("1998.75") * 2)
    fees = total.fees
    assert cents(ev["Werkelijk: bijdragen verschuldigd"]) == fees.due == Decimal("125.00")
    assert cents(ev["Werkelijk: bijdragen betaald"]) == fees.paid
    assert cents(ev["Werkelijk: bijdragen open"]) == fees.open == 0
    assert int(ev["Werkelijk: bijdragen kwijtgescholden (aantal)"]) == fees.waived_n == 0  # waived, but due in 2024
    assert cents(ev["Kost per traject, enkel overhead erbij (iedereen het volle deelnamegeld)"]) == Decimal("5483.48")


def test_layout_formats_frozen_headers_widths_print_setup(tmp_path):
    path = tmp_path / "layout.xlsx"
    export_to(path, PRESET_INPUTS, [])
    wb = load_workbook(path)
    assert wb.sheetnames == SHEETS
    for name in SHEETS:
        ws = wb[name]
        assert ws.freeze_panes == "A2", name
        assert ws.column_dimensions["A"].width >= 16, name
        assert ws.print_title_rows == "$1:$1", name
        assert ws.sheet_properties.pageSetUpPr.fitToPage, name
        assert ws["A1"].font.bold
    assert wb["Werkelijk"].page_setup.orientation == "landscape"
    assert "€" in wb["Methode 1"]["C8"].number_format
    assert "€" in wb["Invoer"].cell(row=INPUT_ROW["staff_cost"], column=2).number_format
    assert wb["Samenvatting"]["B5"].is_date


def test_formula_injection_is_neutralised(tmp_path, app, world):
    from .conftest import work_rows

    rows = work_rows(world["petra"].id, world["ovw"].id)
    for row, evil in zip(rows, EVIL, strict=False):
        row["ref"], row["team"], row["status"], row["status_label"] = evil, evil, evil, evil
    sources = {spec.name: EVIL[n % len(EVIL)] for n, spec in enumerate(INPUT_SPECS)}
    path = tmp_path / "evil.xlsx"
    export_to(path, PRESET_INPUTS, rows, model_name=EVIL[0], sources=sources)
    wb = load_workbook(path)
    formula_places = {"Invoer": set(), "Methode 1": {"C", "D"}, "Methode 2": {"B", "C", "D"}, "Samenvatting": {"B"}}
    ws = wb["Werkelijk"]
    header = [c.value for c in ws[1]]
    formula_places["Werkelijk"] = {ws.cell(1, header.index("Uren totaal") + 1).column_letter,
                                   ws.cell(1, header.index("Kost aan uurtarief") + 1).column_letter,
                                   ws.cell(1, header.index("Model (methode 2)") + 1).column_letter}
    seen_evil = 0
    for name in SHEETS:
        for row in wb[name].iter_rows():
            for c in row:
                if c.data_type == "f":
                    assert c.column_letter in formula_places[name], (name, c.coordinate, c.value)
                    assert "HYPERLINK" not in c.value and "cmd" not in c.value
                # a text cell holding exactly what was typed: no formula, no apostrophe in front
                if isinstance(c.value, str) and c.value in EVIL:
                    seen_evil += 1
                    assert c.data_type == "s", (name, c.coordinate)
    # the reference and the status come from the plugin; the team's name from the core's team table
    assert seen_evil == len(INPUT_SPECS) + 2 * len(rows) + 1
    assert wb["Samenvatting"]["B2"].value == EVIL[0] and wb["Samenvatting"]["B2"].data_type == "s"


def test_export_route_for_finance(work_app, login, world, make_model):
    m = make_model(world["petra"], name="=HYPERLINK(\"x\")")
    client = work_app.test_client()
    login(client, "finance")
    resp = client.get(f"/kostprijs/{m.id}/export.xlsx?jaar=2025")
    assert resp.status_code == 200
    assert resp.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert "attachment" in resp.headers["Content-Disposition"]
    assert resp.headers["Cache-Control"] == "no-store"
    wb = load_workbook(io.BytesIO(resp.data))
    assert wb.sheetnames == SHEETS
    assert wb["Werkelijk"].max_row == 6
    assert wb["Samenvatting"]["B2"].value == "=HYPERLINK(\"x\")" and wb["Samenvatting"]["B2"].data_type == "s"
    assert not any("Lotte" in str(c.value) for ws in wb for row in ws.iter_rows() for c in row)
    assert wb["Samenvatting"]["C4"].value == "Werkelijke cijfers: alle teams"
    resp = client.get(f"/kostprijs/{m.id}/export.xlsx?jaar=2025&team={world['petra'].id}")
    wb = load_workbook(io.BytesIO(resp.data))
    assert wb["Werkelijk"].max_row == 5  # the Opvoedingswinkel's trajectory is left out
    assert wb["Samenvatting"]["C4"].value == "Werkelijke cijfers: PeTra"
    assert client.get(f"/kostprijs/{m.id}/export.xlsx?jaar=2025&team=9999").status_code == 404
    db.session.expire_all()
    assert db.session.scalar(select(AuditEntry.action).where(AuditEntry.object_type == "costing_cost_model")) == "export"


def test_a_unit_committed_while_the_export_runs_is_counted_not_an_error(work_app, login, world, make_model,
                                                                          monkeypatch):
    """The summary is read before the rows stream: a trajectory another user commits in between lands in the
    sheet (whose totals are formulas over its rows) and in the audit entry's count, and the export still works."""
    from sqlalchemy import insert

    from plugins.costing import views

    from .conftest import fakework as fw

    real = views.queries.actual_costs

    def then_someone_commits(*args, **kwargs):
        found = real(*args, **kwargs)
        with db.engine.begin() as other:  # another connection, committed before the rows are read
            other.execute(insert(fw.units).values(
                kind="trajectory", unit_id=99, ref="PT-2025-0099", team_id=world["petra"].id, start=date(2025, 6, 1),
                status="ongoing", status_label="Lopend", age_group="lager", fee_waived=False))
        return found

    monkeypatch.setattr(views.queries, "actual_costs", then_someone_commits)
    m = make_model(world["petra"])
    client = work_app.test_client()
    login(client, "finance")
    resp = client.get(f"/kostprijs/{m.id}/export.xlsx?jaar=2025")
    assert resp.status_code == 200
    sheet = load_workbook(io.BytesIO(resp.data))["Werkelijk"]
    assert sheet.max_row == 7 and "PT-2025-0099" in [c.value for c in sheet["A"]]
    db.session.expire_all()
    detail = db.session.scalar(select(AuditEntry.detail).where(AuditEntry.object_type == "costing_cost_model"))
    assert detail == "xlsx; 6 rijen"


SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")


@pytest.mark.skipif(not SOFFICE, reason="LibreOffice is not installed (apt-get install libreoffice-calc-nogui)")
@pytest.mark.parametrize("seed", [None, 7, 11])
def test_libreoffice_recalculates_to_the_app_numbers(tmp_path, app, world, seed):
    """A real spreadsheet engine opens the workbook (no cached values in it) and computes every formula."""
    from .conftest import work_rows

    inputs = PRESET_INPUTS if seed is None else random_inputs(random.Random(seed))
    src = tmp_path / "in" / "blad.xlsx"
    src.parent.mkdir()
    result = export_to(src, inputs, work_rows(world["petra"].id, world["ovw"].id))
    out = tmp_path / "out"
    subprocess.run([SOFFICE, f"-env:UserInstallation=file://{tmp_path}/lo-profile", "--headless", "--norestore",
                    "--convert-to", "xlsx", "--outdir", str(out), str(src)],
                   check=True, capture_output=True, timeout=180)
    wb = load_workbook(out / "blad.xlsx", data_only=True)
    for cell, expected in app_numbers(inputs).items():
        sheet, coord = cell.replace("'", "").split("!")
        assert cents(wb[sheet][coord].value) == expected, (cell, wb[sheet][coord].value)
    values = {row[0].value: row[1].value for row in wb["Samenvatting"].iter_rows(min_row=2)}
    total = result.total
    assert cents(values["Werkelijk: kost aan uurtarief"]) == total.cost
    assert cents(values["Kost volgens model (methode 1)"]) == total.model_cost
    assert cents(values["Opbrengst aan vaste prijs"]) == total.revenue
    expected_m2 = sum((u.model_cost for u in result.units if u.model_cost is not None), Decimal(0))
    assert cents(values["Kost volgens methode 2 (per leeftijdsgroep)"]) == expected_m2


def test_a_large_sheet_streams_and_every_row_refers_to_itself(tmp_path, app):
    """2,000 rows through the write-only writer, read back in read-only mode: row n's formulas use row n."""
    import importlib.util
    from pathlib import Path

    spec = importlib.util.spec_from_file_location(
        "costing_bench", Path(__file__).resolve().parents[3] / "bench" / "costing_export.py")
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    rows = bench.synthetic_rows(2000)
    path = tmp_path / "big.xlsx"
    result = export_to(path, PRESET_INPUTS, rows)
    wb = load_workbook(path, read_only=True)
    ws = wb["Werkelijk"]
    header = next(ws.iter_rows(min_row=1, max_row=1, values_only=True))
    cost_col = header.index("Kost aan uurtarief")
    total_col = header.index("Uren totaal")
    count = 0
    for n, row in enumerate(ws.iter_rows(min_row=2, values_only=True), start=2):
        count += 1
        assert row[cost_col].startswith("=ROUND(") and f"{n}*" in row[cost_col]
        assert row[total_col].endswith(f"{n})")
    assert count == len(result.units) == 2000
    summary = {r[0]: r[1] for r in wb["Samenvatting"].iter_rows(min_row=2, values_only=True)}
    assert summary["Werkelijk: uren"].endswith("2001)")
