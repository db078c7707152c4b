"""The core's spreadsheet kit (core.xlsx, core.downloads): every file is written here and read back with openpyxl.

The writer: text stays text whatever it starts with, formulas only when marked, Dutch formats, characters
XML forbids never break a file. The reader: limits checked while reading, hostile zips refused before they
are unpacked, Dutch messages that name the row. Downloads: never cached, safe filenames.
"""

from __future__ import annotations

import io
import tracemalloc
import zipfile
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from hostile_xlsx import blank_bomb  # tests/: on sys.path through conftest
from openpyxl import Workbook, load_workbook

from core.downloads import safe_filename
from core.xlsx import (
    DATE,
    DATETIME,
    EUR,
    Book,
    Formula,
    ImportFileError,
    Row,
    clean_text,
    column_letter,
    iter_table,
    read_table,
)

ROOT = Path(__file__).resolve().parent.parent
INJECTIONS = ['=HYPERLINK("http://evil.example","klik")', "=1+1", "+1+1", "-2+3", "@SUM(A1:A9)", "\tTAB",
              "\rCR", "=cmd|' /C calc'!A0", "#N/A", "#DIV/0!", "="]


def _read(book: Book):
    return load_workbook(io.BytesIO(book.to_bytes()))


# --------------------------------------------------------------------------- writer


def test_text_that_looks_like_a_formula_is_a_text_cell_holding_exactly_that_text():
    book = Book()
    sheet = book.sheet("Lijst")
    sheet.header(["Naam"])
    for text in INJECTIONS:
        sheet.append([text])
    sheet.append([sheet.cell(INJECTIONS[0], bold=True)])
    ws = _read(book)["Lijst"]
    cells = [row[0] for row in ws.iter_rows(min_row=2)]
    assert [c.value for c in cells] == INJECTIONS + [INJECTIONS[0]]
    assert all(c.data_type == "s" for c in cells), [(c.value, c.data_type) for c in cells]


def test_only_a_deliberate_formula_is_a_formula():
    book = Book()
    sheet = book.sheet("Som")
    sheet.append([1, 2, Formula("=A1+B1"), "=A1+B1"])
    ws = _read(book)["Som"]
    assert [c.data_type for c in ws[1]] == ["n", "n", "f", "s"]
    assert ws["C1"].value == "=A1+B1" and ws["D1"].value == "=A1+B1"
    with pytest.raises(ValueError):
        Formula("SUM(A1)")


def test_numbers_euros_and_dates_have_dutch_formats_and_stay_numbers():
    book = Book()
    sheet = book.sheet("Cijfers", [30, 12])
    sheet.append([date(2025, 3, 14), datetime(2025, 3, 14, 13, 30), sheet.cell(Decimal("1234.5"), EUR),
                  Decimal("2.25"), 7, True, False, None, "na"])
    ws = _read(book)["Cijfers"]
    a, b, c, d, e, f, g, h, i = ws[1]
    assert a.is_date and a.number_format == DATE == "dd/mm/yyyy" and a.value == datetime(2025, 3, 14)
    assert b.is_date and b.number_format == DATETIME and b.value == datetime(2025, 3, 14, 13, 30)
    assert c.data_type == "n" and c.value == 1234.5 and "€" in c.number_format and "#,##0.00" in c.number_format
    assert d.value == 2.25 and e.value == 7 and e.data_type == "n"
    assert (f.value, g.value, h.value, i.value) == ("ja", "nee", None, "na")
    assert ws.column_dimensions["A"].width == 30 and ws.column_dimensions["B"].width == 12


def test_characters_xml_forbids_never_break_the_file():
    book = Book()
    sheet = book.sheet("Namen\x01")
    sheet.append(["CLB\x00Genk", "a\x01b\x1fc", "tab\tok\nnieuwe regel", "x" * 40_000])
    ws = _read(book).worksheets[0]
    values = [c.value for c in ws[1]]
    assert values[:3] == ["CLB\ufffdGenk", "a\ufffdb\ufffdc", "tab\tok\nnieuwe regel"]
    assert len(values[3]) == 32_767
    assert clean_text("gewoon") == "gewoon"


def test_header_freeze_and_print_setup():
    book = Book()
    sheet = book.sheet("Lijst", [20], landscape=True)
    sheet.header(["Kind", "Datum"])
    sheet.append(["Lotte", date(2025, 1, 2)])
    ws = _read(book)["Lijst"]
    assert ws["A1"].font.bold and ws["A1"].fill.fgColor.rgb.endswith("2F5D62")
    assert ws.freeze_panes == "A2" and ws.print_title_rows == "$1:$1"
    assert ws.page_setup.orientation == "landscape" and ws.sheet_properties.pageSetUpPr.fitToPage
    assert column_letter(28) == "AB"


def test_no_plugin_builds_its_own_workbook():
    """Every plugin writes and reads spreadsheets through core.xlsx: none imports openpyxl."""
    offenders = [str(p.relative_to(ROOT)) for p in (ROOT / "plugins").rglob("*.py")
                 if "openpyxl" in p.read_text(encoding="utf-8")]
    assert offenders == []


# --------------------------------------------------------------------------- reader


def _xlsx(rows) -> bytes:
    wb = Workbook()
    for r in rows:
        wb.active.append(r)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


SHEET = "xl/worksheets/sheet1.xml"


def _with_sheet_xml(xml: bytes) -> bytes:
    src = zipfile.ZipFile(io.BytesIO(_xlsx([["x"]])))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            dst.writestr(info.filename, xml if info.filename == SHEET else src.read(info.filename))
    return out.getvalue()


def _sheet(rows_xml: str, dimension: str = "A1:C3") -> bytes:
    return (f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/'
            f'spreadsheetml/2006/main"><dimension ref="{dimension}"/><sheetData>{rows_xml}</sheetData>'
            f'</worksheet>').encode()


def _row(n: int, *values: str) -> str:
    cells = "".join(f'<c r="{chr(65 + i)}{n}" t="inlineStr"><is><t>{v}</t></is></c>' for i, v in enumerate(values))
    return f'<row r="{n}">{cells}</row>'


def test_xlsx_rows_come_with_their_sheet_row_numbers_and_types():
    data = _xlsx([["Naam", "Aantal", "Datum"], [], ["De Kei", 3, date(2025, 3, 14)], ["  ", None, None],
                  ["Bosrand", 2.5, None, None]])
    rows = read_table(data, "x.xlsx", max_rows=10)
    assert rows == [Row(1, ("Naam", "Aantal", "Datum")), Row(3, ("De Kei", 3, datetime(2025, 3, 14))),
                    Row(5, ("Bosrand", 2.5))]


def test_csv_with_semicolons_commas_or_tabs_and_excel_encodings():
    for sep in (";", ",", "\t"):
        text = f"Naam{sep}Sector\nDe Kei{sep}vrije tijd\n\n\"Met{sep} scheidingsteken\"{sep}welzijn\n"
        rows = read_table(text.encode("utf-8"), "x.csv", max_rows=10)
        assert rows == [Row(1, ("Naam", "Sector")), Row(2, ("De Kei", "vrije tijd")),
                        Row(4, (f"Met{sep} scheidingsteken", "welzijn"))], sep
    assert read_table("Naam\nCafé Öztürk\n".encode("cp1252"), "x.csv", max_rows=5)[1].values == ("Café Öztürk",)
    assert read_table("\ufeffNaam\nCafé\n".encode("utf-8"), "x.csv", max_rows=5)[0].values == ("Naam",)
    assert read_table("Naam\tX\nCafé\t1\n".encode("utf-16"), "x.csv", max_rows=5)[1].values == ("Café", "1")


def test_declared_dimensions_are_ignored():
    """A sheet that declares A1:XFD4000 and has a cell at XFD4000: three rows read, memory stays small."""
    data = _with_sheet_xml(_sheet(_row(1, "Naam", "Sector") + _row(2, "De Kei", "welzijn")
                                  + '<row r="4000"><c r="XFD4000"/></row>', dimension="A1:XFD4000"))
    assert len(data) < 8000
    tracemalloc.start()
    try:
        rows = read_table(data, "x.xlsx", max_rows=5000)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert rows == [Row(1, ("Naam", "Sector")), Row(2, ("De Kei", "welzijn"))]
    assert peak < 10 * 1024 * 1024, f"peak {peak / 1e6:.1f} MB"


def test_row_limit_is_met_while_reading_not_after():
    """Row 12 cannot be parsed (its shared string does not exist): with 10 rows allowed the reader stops at
    row 12 with the limit, before it reads that row. Without a limit, the same file is unreadable there."""
    rows = "".join(_row(n, f"Org {n}") for n in range(1, 12)) + '<row r="12"><c r="A12" t="s"><v>999</v></c></row>'
    data = _with_sheet_xml(_sheet(rows, dimension="A1:A12"))
    with pytest.raises(ImportFileError, match=r"meer dan 9 rijen"):
        read_table(data, "x.xlsx", max_rows=9)
    with pytest.raises(ImportFileError, match="kon niet gelezen worden"):
        read_table(data, "x.xlsx", max_rows=100)
    # rows that came before the limit were handed out already: the reader streams
    seen = []
    with pytest.raises(ImportFileError):
        for row in iter_table(data, "x.xlsx", max_rows=9):
            seen.append(row.number)
    assert seen == list(range(1, 11))
    csv_text = "".join(f"Org {n}\n" for n in range(1, 12)) + '"open\n'
    with pytest.raises(ImportFileError, match=r"meer dan 9 rijen"):
        read_table(csv_text.encode(), "x.csv", max_rows=9)


def test_blank_rows_are_skipped_but_a_file_may_not_run_on_for_ever():
    """Blank or only formatted rows cost time to read: a file may run to row 10 × its limit, not further."""
    body = _row(1, "Naam") + "".join(f'<row r="{n}"><c r="A{n}" s="0"/></row>' for n in range(2, 110))
    data = _with_sheet_xml(_sheet(body + _row(110, "Laatste"), dimension="A1:A110"))
    assert read_table(data, "x.xlsx", max_rows=10) == [Row(1, ("Naam",)), Row(110, ("Laatste",))]
    with pytest.raises(ImportFileError, match="voorbij rij 100") as caught:
        read_table(data, "x.xlsx", max_rows=9)
    assert caught.value.row == 101
    # a gap in the row numbers counts as well, and is not walked to its end
    data = _with_sheet_xml(_sheet(_row(1, "Naam") + _row(1_000_000, "Ver weg"), dimension="A1:A1000000"))
    with pytest.raises(ImportFileError, match="voorbij rij 50.010"):
        read_table(data, "x.xlsx", max_rows=5000)
    with pytest.raises(ImportFileError, match="voorbij rij 30"):
        read_table(b"Naam\n" + b"\n" * 40 + b"Laat\n", "x.csv", max_rows=2)


def test_columns_beyond_the_limit_are_refused_when_they_hold_something():
    assert read_table(b"a;b;c;;;\n", "x.csv", max_rows=5, max_cols=3) == [Row(1, ("a", "b", "c"))]
    with pytest.raises(ImportFileError, match="Rij 2 heeft meer dan 3 kolommen"):
        read_table(b"a;b;c\n1;2;3;4\n", "x.csv", max_rows=5, max_cols=3)
    data = _xlsx([["a", "b", "c", None, None], ["1", "2", "3", "4"]])
    with pytest.raises(ImportFileError, match="Rij 2 heeft meer dan 3 kolommen"):
        read_table(data, "x.xlsx", max_rows=5, max_cols=3)




def _blank_bomb(megabytes: int) -> bytes:
    return blank_bomb(_sheet(_row(1, "Naam")), megabytes, _xlsx([["x"]]))


def test_a_deflate_bomb_is_refused_before_unpacking():
    bomb = _blank_bomb(100)
    assert len(bomb) < 200 * 1024
    tracemalloc.start()
    try:
        with pytest.raises(ImportFileError, match="uitgepakt groter dan 20 MB"):
            read_table(bomb, "x.xlsx", max_rows=5000)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 5 * 1024 * 1024
    # a modest part that packs well is fine; the ratio only counts for parts above 1 MiB
    assert read_table(_blank_bomb(0), "x.xlsx", max_rows=5) == [Row(1, ("Naam",))]
    # the total unpacked size counts as well, however it packs
    with pytest.raises(ImportFileError, match="uitgepakt groter dan 1 MB"):
        read_table(_blank_bomb(2), "x.xlsx", max_rows=5, max_unpacked=1024 * 1024, max_ratio=10**6)


def test_an_xml_entity_bomb_in_a_sheet_is_refused():
    """Billion laughs: expat's amplification limit stops it; the reader turns that into the Dutch message."""
    entities = '<!ENTITY a0 "lol">' + "".join(f'<!ENTITY a{i} "{f"&a{i - 1};" * 10}">' for i in range(1, 10))
    xml = _sheet(_row(1, "&a9;")).replace(b"<worksheet", f"<!DOCTYPE worksheet [{entities}]><worksheet".encode(), 1)
    with pytest.raises(ImportFileError, match="kon niet gelezen worden"):
        read_table(_with_sheet_xml(xml), "x.xlsx", max_rows=10)


def test_file_size_kind_and_broken_files():
    with pytest.raises(ImportFileError, match="groter dan 1 MB"):
        read_table(b"a;b\n" * 300_000, "x.csv", max_rows=10, max_bytes=1024 * 1024)
    with pytest.raises(ImportFileError, match=r"Enkel \.xlsx- of \.csv-bestanden"):
        read_table(b"a", "x.txt", max_rows=10)
    for broken in (b"", b"not a zip", b"PK\x03\x04garbage", _xlsx([["a"]])[:-100]):
        with pytest.raises(ImportFileError, match="kon niet gelezen worden"):
            read_table(broken, "x.xlsx", max_rows=10)
    with pytest.raises(ImportFileError, match="onbekende tekenset"):
        read_table(b"Naam\n\x81\x8d\x8f\x90\x9d\n", "x.csv", max_rows=10)


def test_csv_faults_get_dutch_messages_naming_the_row():
    cases = {
        "Naam;Sector\nGoed;welzijn\n" + "A" * 200_000 + ";welzijn\n": "Rij 3: een cel is langer dan 10.000 tekens",
        "Naam;Sector\nGoed;welzijn\n" + "A" * 20_000 + ";welzijn\n": "Rij 3: een cel is langer dan 10.000 tekens",
        'Naam;Sector\nGoed;welzijn\n"Open;welzijn\nNog een;As\n': "Rij 3: een aanhalingsteken",
        'Naam;Sector\n"Dicht"erna;welzijn\n': "Rij 2: na een afsluitend aanhalingsteken",
        "Naam;Sector\nGoed;welzijn\nNul\x00Teken;welzijn\n": "Rij 3: een cel bevat onzichtbare controletekens",
        "Naam;Sector\nStart\x01Teken;welzijn\n": "Rij 2: een cel bevat onzichtbare controletekens",
    }
    for text, message in cases.items():
        with pytest.raises(ImportFileError, match=message) as caught:
            read_table(text.encode(), "partners.csv", max_rows=10)
        assert caught.value.row == int(message.split()[1].rstrip(":")), message


def test_control_characters_in_an_xlsx_are_refused_naming_the_row():
    data = _with_sheet_xml(_sheet(_row(1, "Naam") + _row(2, "Goed") + _row(3, "Excel_x0001_Teken")))
    with pytest.raises(ImportFileError, match="Rij 3: een cel bevat onzichtbare controletekens") as caught:
        read_table(data, "x.xlsx", max_rows=10)
    assert caught.value.row == 3
    # what Excel escapes comes back as typed; a literal _x0041_ is stored by Excel as _x005F_x0041_
    data = _with_sheet_xml(_sheet(_row(1, "Regel_x000a_twee", "_x005F_x0041_")))
    assert read_table(data, "x.xlsx", max_rows=10)[0].values == ("Regel\ntwee", "_x0041_")


def test_a_file_storage_is_read_by_its_own_name(app):
    from werkzeug.datastructures import FileStorage

    storage = FileStorage(io.BytesIO(b"Naam\nDe Kei\n"), filename="Partners.CSV")
    assert read_table(storage, max_rows=5, header=False) == [Row(1, ("Naam",)), Row(2, ("De Kei",))]
    storage = FileStorage(io.BytesIO(b"Naam\nDe Kei\n"), filename="p.csv")
    with pytest.raises(ImportFileError, match="meer dan 1 rijen"):
        read_table(storage, max_rows=1, header=False)


# --------------------------------------------------------------------------- downloads


def test_safe_filenames():
    assert safe_filename("kostprijs-2025-3.xlsx") == "kostprijs-2025-3.xlsx"
    assert safe_filename('../../etc/"passwd"\r\n.xlsx') == "etc_passwd.xlsx"
    assert safe_filename("aanwezigheden-Öztürk groep.xlsx") == "aanwezigheden-Ozturk_groep.xlsx"
    assert safe_filename("...") == "download"
    assert safe_filename("", "lijst") == "lijst"


def test_subject_access_zips_are_never_cached(client, make_team, make_user, make_family, login):
    team = make_team("PeTra")
    make_user("baas", {team: "manager"})
    fam = make_family("Öztürk", involved=(team,))
    login(client, "baas")
    child = fam.children()[0]
    for url, name in ((f"/gezinnen/{fam.id}/export", f"gezin-{fam.id}-inzage.zip"),
                      (f"/gezinnen/{fam.id}/leden/{child.id}/export", f"persoon-{child.id}-inzage.zip")):
        resp = client.get(url)
        assert resp.status_code == 200 and resp.mimetype == "application/zip", url
        assert resp.headers["Cache-Control"] == "no-store", url
        assert resp.headers["Content-Disposition"] == f"attachment; filename={name}", url
