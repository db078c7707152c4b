"""Hostile and broken import files (issue 13, defect 5) and the export with odd data in the database.

Every bad file gets a Dutch message next to the file field and a 200 page, never a 500 or an exhausted worker.
The files are built here byte by byte: a sheet that declares A1:XFD4000, 20,000 rows, a deflate bomb, a zip
that lies about its sizes, CSV with a huge field or an unterminated quote, control characters in a name.
"""

from __future__ import annotations

import io
import tracemalloc
import zipfile

from hostile_xlsx import blank_bomb  # tests/: on sys.path through conftest
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select

from core.extensions import db
from core.models import Organisation
from plugins.network.importer import MAX_ROWS

HEADER = ["Naam", "Sector", "Gemeenten"]


def _upload(client, data: bytes, name: str):
    return client.post("/netwerk/import", data={"file": (io.BytesIO(data), name)}, content_type="multipart/form-data")


def _workbook(rows) -> bytes:
    wb = Workbook()
    ws = wb.active
    for r in rows:
        ws.append(r)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _replace_member(data: bytes, name: str, content: bytes, *, compresslevel: int | None = None) -> bytes:
    """The same zip with one member's content replaced."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=compresslevel) as dst:
        for info in src.infolist():
            dst.writestr(info.filename, content if info.filename == name else src.read(info.filename))
    return out.getvalue()


SHEET = "xl/worksheets/sheet1.xml"
NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'


def _inline(ref: str, text: str) -> str:
    return f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>'


def _sheet_xml(rows: list[list[str]], dimension: str | None = None, tail: str = "") -> bytes:
    """Sheet XML with inline strings, written by hand so the test decides what the file declares."""
    parts = [f'<?xml version="1.0" encoding="UTF-8"?><worksheet {NS}>']
    if dimension:
        parts.append(f'<dimension ref="{dimension}"/>')
    parts.append("<sheetData>")
    for n, row in enumerate(rows, start=1):
        cells = "".join(_inline(f"{chr(65 + i)}{n}", v) for i, v in enumerate(row))
        parts.append(f'<row r="{n}">{cells}</row>')
    parts.append(tail + "</sheetData></worksheet>")
    return "".join(parts).encode()


def _with_sheet(sheet: bytes) -> bytes:
    return _replace_member(_workbook([["x"]]), SHEET, sheet)


def _orgs() -> int:
    return db.session.scalar(select(func.count(Organisation.id)))


def test_declared_dimensions_are_ignored_and_cost_nothing(client, login, world):
    """A 1.5 KB file declaring A1:XFD4000 used to cost 500 MB: its two real rows import, in little memory."""
    login(client, "worker")
    data = _with_sheet(_sheet_xml([HEADER, ["Huiswerkklas Sint-Jan", "onderwijs", "Genk"],
                                   ["Speelotheek Kiekeboe", "vrije_tijd", "As"]], dimension="A1:XFD4000",
                                  tail='<row r="4000"><c r="XFD4000"/></row>'))
    assert len(data) < 8000
    tracemalloc.start()
    try:
        resp = _upload(client, data, "partners.xlsx")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200 and "<strong>2</strong> nieuwe organisaties" in html
    assert peak < 40 * 1024 * 1024, f"peak {peak / 1e6:.0f} MB"


def test_too_many_rows_are_refused_while_reading(client, login, world):
    """20,000 rows: refused with a Dutch message. Behind row MAX_ROWS + 2 the file is broken (a shared string
    that does not exist): the message about the row limit proves reading stopped before it got there."""
    login(client, "worker")
    before = _orgs()
    rows = [HEADER] + [[f"Organisatie {n}", "welzijn", "Genk"] for n in range(20_000)]
    broken = f'<row r="{MAX_ROWS + 3}"><c r="A{MAX_ROWS + 3}" t="s"><v>999999</v></c></row>'
    data = _with_sheet(_sheet_xml(rows[:MAX_ROWS + 2], tail=broken))
    html = _upload(client, data, "partners.xlsx").get_data(as_text=True)
    assert f"meer dan {MAX_ROWS:,}".replace(",", ".") in html
    data = _with_sheet(_sheet_xml(rows, dimension="A1:C20001"))
    resp = _upload(client, data, "partners.xlsx")
    assert resp.status_code == 200 and f"meer dan {MAX_ROWS:,}".replace(",", ".") in resp.get_data(as_text=True)
    assert _orgs() == before




def test_a_deflate_bomb_is_refused_before_it_is_unpacked(client, login, world):
    login(client, "worker")
    bomb = blank_bomb(_sheet_xml([HEADER]), 200, _workbook([["x"]]))
    assert len(bomb) < 400 * 1024
    tracemalloc.start()
    try:
        resp = _upload(client, bomb, "partners.xlsx")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200 and "uitgepakt" in html
    assert peak < 40 * 1024 * 1024, f"peak {peak / 1e6:.0f} MB"


def test_a_zip_that_lies_about_its_sizes_is_refused(client, login, world):
    """The central directory says the sheet is 2 KB; it inflates to 30 MB. Reading stops at the declared size."""
    login(client, "worker")
    sheet = _sheet_xml([HEADER, ["Echte Rij vzw", "welzijn", "Genk"]] + [["x" * 200, "welzijn", "Genk"]] * 100_000)
    data = bytearray(_with_sheet(sheet))
    info = zipfile.ZipFile(io.BytesIO(bytes(data))).getinfo(SHEET)
    real = info.file_size.to_bytes(4, "little")
    fake = (2048).to_bytes(4, "little")
    central = data.rindex(b"PK\x01\x02", 0, data.rindex(SHEET.encode()))
    assert data[central + 24:central + 28] == real and data[info.header_offset + 22:info.header_offset + 26] == real
    data[central + 24:central + 28] = fake
    data[info.header_offset + 22:info.header_offset + 26] = fake
    resp = _upload(client, bytes(data), "partners.xlsx")
    assert resp.status_code == 200 and "kon niet gelezen worden" in resp.get_data(as_text=True)
    assert _orgs() == 3


def test_csv_with_a_huge_field_gets_a_dutch_message(client, login, world):
    login(client, "worker")
    text = "Naam;Sector;Gemeenten\nGewone vzw;welzijn;Genk\n" + "A" * 200_000 + ";welzijn;Genk\n"
    resp = _upload(client, text.encode(), "partners.csv")
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200 and "Rij 3" in html and "langer dan" in html
    assert _orgs() == 3


def test_csv_with_an_unterminated_quote_gets_a_dutch_message(client, login, world):
    login(client, "worker")
    text = 'Naam;Sector;Gemeenten\nGewone vzw;welzijn;Genk\n"Open Aanhalingsteken vzw;welzijn;Genk\nNog een;welzijn;As\n'
    resp = _upload(client, text.encode(), "partners.csv")
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200 and "Rij 3" in html and "aanhalingsteken" in html
    assert _orgs() == 3


def test_control_characters_in_a_name_are_refused_naming_the_row(client, login, world):
    login(client, "worker")
    for bad in ("Nul\x00Teken vzw", "Start\x01Teken vzw"):
        text = f"Naam;Sector;Gemeenten\nGewone vzw;welzijn;Genk\n{bad};welzijn;Genk\n"
        resp = _upload(client, text.encode(), "partners.csv")
        html = resp.get_data(as_text=True)
        assert resp.status_code == 200 and "Rij 3" in html and "controletekens" in html, bad
    # Excel stores a control character as _x0001_; read back it is the character itself, and refused
    data = _with_sheet(_sheet_xml([HEADER, ["Gewone vzw", "welzijn", "Genk"], ["Excel_x0001_Teken", "welzijn", "As"]]))
    html = _upload(client, data, "partners.xlsx").get_data(as_text=True)
    assert "Rij 3" in html and "controletekens" in html
    assert _orgs() == 3


def test_export_with_control_characters_in_the_database_still_works(client, login, world):
    """A name with U+0001 (stored before imports were checked) once made /netwerk/export.xlsx a 500 for all."""
    world["clb"].name = "CLB\x01Genk"
    db.session.commit()
    login(client, "worker")
    resp = client.get("/netwerk/export.xlsx")
    assert resp.status_code == 200
    names = [r[0] for r in load_workbook(io.BytesIO(resp.data))["Organisaties"].iter_rows(min_row=2, values_only=True)]
    assert "CLB\ufffdGenk" in names


def test_downloads_are_never_stored_by_a_cache(client, login, world):
    login(client, "worker")
    for url in ("/netwerk/export.xlsx", "/netwerk/import/voorbeeld.xlsx"):
        resp = client.get(url)
        assert resp.status_code == 200
        assert resp.headers["Cache-Control"] == "no-store", url
        assert resp.headers["Content-Disposition"].startswith("attachment;"), url
