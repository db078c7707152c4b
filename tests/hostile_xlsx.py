"""Hand-made workbooks for the import limits, shared by the tests and ``bench/xlsx_import.py``: a sheet's XML
streamed straight into the zip (so a test decides what the file declares, however large it unpacks)."""

from __future__ import annotations

import io
import zipfile

SHEET = "xl/worksheets/sheet1.xml"
MEGABYTE_OF_BLANKS = b" " * (1024 * 1024)


def base_xlsx(rows=(("x",),)) -> bytes:
    """A small real workbook (openpyxl) whose other members the hostile files keep."""
    from openpyxl import Workbook

    wb = Workbook()
    for row in rows:
        wb.active.append(list(row))
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def with_sheet(chunks, base: bytes | None = None) -> bytes:
    """``base`` (default ``base_xlsx()``) with its first sheet replaced by the concatenation of ``chunks``."""
    src = zipfile.ZipFile(io.BytesIO(base or base_xlsx()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            if info.filename != SHEET:
                dst.writestr(info.filename, src.read(info.filename))
        with dst.open(SHEET, "w", force_zip64=True) as f:
            for chunk in chunks:
                f.write(chunk)
    return out.getvalue()


def blank_bomb(sheet_xml: bytes, megabytes: int, base: bytes | None = None) -> bytes:
    """A valid workbook whose sheet ``sheet_xml`` holds ``megabytes`` MB of blanks before its rows' end: it
    packs about 1000 to 1."""
    head, tail = sheet_xml.split(b"<sheetData>")
    return with_sheet([head + b"<sheetData>", *([MEGABYTE_OF_BLANKS] * megabytes), tail], base)
