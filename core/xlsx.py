"""Spreadsheets in and out: one xlsx writer for every export, one bounded reader for every import.

Writer (openpyxl's write-only workbook, so long lists stream)::

    book = Book()
    sheet = book.sheet("Partners", widths=[30, 14, 12])
    sheet.header(["Naam", "Bedrag", "Datum"])
    sheet.append(["=geen formule", Decimal("12.5"), date(2025, 3, 14)])   # text, number, dd/mm/yyyy
    sheet.append([sheet.cell(Decimal("12.5"), EUR), Formula("=SUM(B2:B2)")])
    return send_xlsx(book, "partners.xlsx")                               # no-store, safe filename

A ``str`` is always written as a text cell, whatever it starts with (``=``, ``+``, ``-``, ``@``, tab, CR): it
is never a formula and needs no visible apostrophe. A cell is a formula only when the code says so with
``Formula``. Characters that XML cannot hold become U+FFFD instead of failing the whole export.

Reader (openpyxl read-only for xlsx, the csv module for CSV)::

    try:
        rows = read_table(request.files["file"], max_rows=5000)
    except ImportFileError as e:
        form.file.errors.append(str(e))      # a Dutch message, naming the row where it applies

It checks the file's size, the unpacked size and packing ratio of an xlsx before unpacking anything, and the
rows, columns, cell length and control characters while it reads; it ignores the dimensions a sheet declares
and stops at the first limit it meets.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Iterable, Iterator
from copy import copy
from datetime import date, datetime
from decimal import Decimal
from typing import IO, Any, NamedTuple

from openpyxl import Workbook, load_workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ERROR_CODES, ILLEGAL_CHARACTERS_RE, Cell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.utils.escape import unescape

from .downloads import send_download

MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# Number formats. A format code is stored locale-neutral ("," groups thousands, "." marks decimals) and shown
# with the reader's own separators: Excel or LibreOffice in nl-BE shows € 1.234,56 and 14/03/2025.
EUR = '"€" #,##0.00;-"€" #,##0.00'
DATE = "dd/mm/yyyy"
DATETIME = "dd/mm/yyyy hh:mm"
INT = "0"  # years, numbers without grouping
COUNT = "#,##0"  # counts: 1.234
DECIMAL = "#,##0.00"  # hours and other decimals: 1.234,50

MAX_TEXT = 32_767  # Excel's limit for one cell

_HEAD_FONT = Font(bold=True, color="FFFFFF")
_HEAD_FILL = PatternFill("solid", fgColor="2F5D62")
_HEAD_ALIGN = Alignment(wrap_text=True, vertical="center")
_WRAP = Alignment(wrap_text=True, vertical="top")


def column_letter(n: int) -> str:
    """The letter(s) of the n-th column: 1 is A, 28 is AB (for references in a ``Formula``)."""
    return get_column_letter(n)


class Formula(str):
    """A deliberate formula, the only way to write one: ``Formula("=ROUND(B2*B3,2)")``."""

    def __new__(cls, text: str):
        if not text.startswith("="):
            raise ValueError("a formula starts with '='")
        return super().__new__(cls, text)


_NUMBERS = (int, float, Decimal)  # bool is an int too: it is tested first and written as "ja"/"nee"
_VALUES = (*_NUMBERS, date, type(None))


def _text(value) -> str:
    if isinstance(value, bool):
        return "ja" if value else "nee"
    return clean_text(str(value))


def clean_text(value: str) -> str:
    """Text as a cell can hold it: characters XML forbids (NUL, U+0001...) become U+FFFD, at most 32,767."""
    if ILLEGAL_CHARACTERS_RE.search(value):
        value = ILLEGAL_CHARACTERS_RE.sub("\ufffd", value)
    return value[:MAX_TEXT]


class Sheet:
    """One write-only sheet. Widths, frozen panes and print setup are fixed before the first row."""

    def __init__(self, book: Book, title: str, widths: Iterable[float] = (), *, freeze: str | None = "A2",
                 print_titles: str | None = "1:1", landscape: bool = False, grid: bool = False):
        self.ws = ws = book.workbook.create_sheet(clean_text(title)[:31])
        for n, width in enumerate(widths, start=1):
            ws.column_dimensions[get_column_letter(n)].width = width
        if freeze:
            ws.freeze_panes = freeze
        if print_titles:
            ws.print_title_rows = print_titles
        ws.page_setup.orientation = "landscape" if landscape else "portrait"
        ws.page_setup.paperSize = "9"  # A4
        ws.page_setup.fitToWidth = 1
        ws.page_setup.fitToHeight = 0
        ws.sheet_properties.pageSetUpPr.fitToPage = True
        ws.print_options.gridLines = grid
        ws.oddFooter.center.text = "&A · pagina &P van &N"
        self._styles: dict[tuple, Any] = {}
        # openpyxl takes a cell given to ``append`` only after failing to store it as a value (an exception and
        # the cell's repr per styled cell, the larger part of a long export's time): cells are passed on here
        ws._values_to_row = self._row_cells

    def _row_cells(self, values, row_idx: int):
        """What openpyxl's write-only ``_values_to_row`` does, with the cells made by ``cell`` passed as they
        are and one reused cell for the plain values (numbers and text need no cell object of their own)."""
        plain = WriteOnlyCell(self.ws)
        for col_idx, value in enumerate(values, 1):
            if value is None:
                continue
            if isinstance(value, Cell):
                cell = value
            else:
                cell = plain
                cell.value = value
            cell.column, cell.row = col_idx, row_idx
            if cell.hyperlink is not None:
                cell.hyperlink.ref = cell.coordinate
            yield cell
            if cell is plain and (plain.has_style or plain.hyperlink):
                plain = WriteOnlyCell(self.ws)

    def _style(self, key: tuple):
        style = self._styles.get(key)
        if style is None:
            fmt, bold, wrap, size, head = key
            template = WriteOnlyCell(self.ws)
            if fmt:
                template.number_format = fmt
            if head:
                template.font, template.fill, template.alignment = _HEAD_FONT, _HEAD_FILL, _HEAD_ALIGN
            else:
                if bold or size:
                    template.font = Font(bold=bold, size=size)
                if wrap:
                    template.alignment = _WRAP
            style = self._styles[key] = template._style
        return style

    def cell(self, value: Any, fmt: str | None = None, *, bold: bool = False, wrap: bool = False,
             size: float | None = None, _head: bool = False) -> Cell:
        """A cell for ``append``: ``str`` is text (never a formula), ``bool`` is "ja"/"nee", ``date`` and
        ``datetime`` get DATE/DATETIME unless ``fmt`` says otherwise, numbers stay numbers (format ``fmt``),
        ``Formula`` is a formula."""
        if isinstance(value, Formula):
            c = WriteOnlyCell(self.ws, value=str(value))
        elif isinstance(value, bool) or not isinstance(value, _VALUES):
            c = WriteOnlyCell(self.ws, value=_text(value))
            c.data_type = "s"  # never a formula (=...) or an error value (#N/A), whatever the text says
        elif isinstance(value, date):
            fmt = fmt or (DATETIME if isinstance(value, datetime) else DATE)
            c = WriteOnlyCell(self.ws, value=value)
        else:  # a number or None
            c = WriteOnlyCell(self.ws, value=value)
        if fmt or bold or wrap or size or _head:
            c._style = copy(self._style((fmt, bold, wrap, size, _head)))
        return c

    def header(self, labels: Iterable[Any]) -> None:
        """A header row: white bold text on the house colour, wrapped."""
        self.ws.append([self.cell(label, _head=True) for label in labels])

    def append(self, values: Iterable[Any]) -> None:
        """One row. Plain values are converted as ``cell`` does; cells made with ``cell`` keep their style."""
        row = []
        for v in values:
            t = type(v)
            if v is None or t is int or t is float or t is Decimal or isinstance(v, Cell):
                row.append(v)
            elif t is bool:
                row.append("ja" if v else "nee")  # text openpyxl keeps as text: no cell object needed
            elif t is str and not v.startswith("=") and v not in ERROR_CODES:
                row.append(clean_text(v))  # openpyxl stores such a str as text: no cell object needed
            else:
                row.append(self.cell(v))
        self.ws.append(row)


class Book:
    """A write-only workbook: add sheets with ``sheet``, then ``save`` or ``to_bytes``."""

    def __init__(self):
        self.workbook = Workbook(write_only=True)

    def sheet(self, title: str, widths: Iterable[float] = (), **options) -> Sheet:
        """A new sheet; options: ``freeze`` ("A2"), ``print_titles`` ("1:1"), ``landscape``, ``grid``."""
        return Sheet(self, title, widths, **options)

    def save(self, out: str | IO[bytes]) -> None:
        """Write the workbook to a path or a binary file object (once)."""
        self.workbook.save(out)

    def to_bytes(self) -> bytes:
        out = io.BytesIO()
        self.save(out)
        return out.getvalue()


def send_xlsx(book: Book | bytes, filename: str):
    """A workbook as a download: ``Cache-Control: no-store``, a safe filename."""
    data = book.to_bytes() if isinstance(book, Book) else book
    return send_download(data, filename, MIMETYPE)


# --------------------------------------------------------------------------- the bounded reader

MAX_BYTES = 5 * 1024 * 1024  # the file as uploaded
MAX_UNPACKED = 20 * 1024 * 1024  # xlsx: its XML parts together, unpacked
MAX_RATIO = 100  # xlsx: unpacked / packed size of any XML part above 1 MiB
MAX_PARTS = 500  # xlsx: files in the zip
EXCEL_MAX_ROW = 1_048_576
BLANK_ROW_FACTOR = 10  # a file may run to row 10 × its row limit; past that it is refused, blank or not
CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")  # tab, LF and CR are fine

UNREADABLE_XLSX = "Het Excel-bestand kon niet gelezen worden. Bewaar het als .xlsx en probeer opnieuw."


class ImportFileError(ValueError):
    """A file that cannot or may not be imported. ``str(e)`` is the Dutch message for the user; ``row`` is
    the row it is about (numbered as the spreadsheet shows it), or None for the whole file."""

    def __init__(self, message: str, row: int | None = None):
        super().__init__(message)
        self.row = row


class Row(NamedTuple):
    number: int  # as the spreadsheet shows it: 1 is the first row
    values: tuple  # CSV: str; xlsx: str, int, float, datetime, bool or None; trailing empty cells left off


def _n(number: int) -> str:
    return f"{number:,}".replace(",", ".")


def _size(nbytes: int) -> str:
    return f"{nbytes / (1024 * 1024):.0f} MB"


def read_table(file, filename: str | None = None, *, max_rows: int, header: bool = True, max_cols: int = 50,
               max_bytes: int = MAX_BYTES, max_cell_chars: int = 10_000, max_unpacked: int = MAX_UNPACKED,
               max_ratio: int = MAX_RATIO) -> list[Row]:
    """The non-blank rows of an uploaded .xlsx (its first sheet) or .csv file, read within limits.

    ``file`` is a Werkzeug ``FileStorage``, a binary file object or ``bytes``; the kind follows from
    ``filename`` (default: the upload's own name). ``max_rows`` counts non-blank rows, not the first one when
    ``header``; blank rows are skipped, but the file may not run past row ``10 × (max_rows + header)``.
    Raises ``ImportFileError`` with a Dutch message at the first limit or fault it meets."""
    return list(iter_table(file, filename, max_rows=max_rows, header=header, max_cols=max_cols,
                           max_bytes=max_bytes, max_cell_chars=max_cell_chars, max_unpacked=max_unpacked,
                           max_ratio=max_ratio))


def iter_table(file, filename: str | None = None, *, max_rows: int, header: bool = True, max_cols: int = 50,
               max_bytes: int = MAX_BYTES, max_cell_chars: int = 10_000, max_unpacked: int = MAX_UNPACKED,
               max_ratio: int = MAX_RATIO) -> Iterator[Row]:
    """``read_table`` as a generator: rows come as they are read, the error when the limit is met."""
    name = (filename or getattr(file, "filename", None) or "").lower()
    if isinstance(file, bytes | bytearray):
        raw = bytes(file[:max_bytes + 1])
    else:
        stream = getattr(file, "stream", file)
        raw = stream.read(max_bytes + 1)
    if len(raw) > max_bytes:
        raise ImportFileError(f"Het bestand is groter dan {_size(max_bytes)}. Splits het op in kleinere bestanden.")
    if name.endswith(".csv"):
        rows = _csv_rows(raw, max_cell_chars)
    elif name.endswith((".xlsx", ".xlsm")):
        rows = _xlsx_rows(raw, max_cols, max_cell_chars, max_unpacked, max_ratio)
    else:
        raise ImportFileError("Enkel .xlsx- of .csv-bestanden.")
    limit = max_rows + (1 if header else 0)
    last_row = BLANK_ROW_FACTOR * limit  # blank rows are skipped, but reading them costs time too
    count = 0
    for number, values in rows:
        if number > last_row:
            raise ImportFileError(f"Het bestand loopt door tot voorbij rij {_n(last_row)} (lege of enkel opgemaakte "
                                  "rijen tellen mee). Kopieer enkel de rijen met gegevens naar een nieuw bestand.",
                                  number)
        if len(values) > max_cols:
            if any(not _blank(v) for v in values[max_cols:]):
                raise ImportFileError(f"Rij {number} heeft meer dan {_n(max_cols)} kolommen; "
                                      f"er mogen hoogstens {_n(max_cols)} kolommen zijn.", number)
            values = values[:max_cols]
        end = len(values)
        while end and _blank(values[end - 1]):
            end -= 1
        if not end:
            continue
        count += 1
        if count > limit:
            raise ImportFileError(f"Het bestand telt meer dan {_n(max_rows)} rijen; importeer hoogstens "
                                  f"{_n(max_rows)} rijen per bestand.")
        yield Row(number, tuple(values[:end]))


def _blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _check_text(value: str, number: int, max_cell_chars: int) -> None:
    if len(value) > max_cell_chars:
        raise ImportFileError(f"Rij {number}: een cel is langer dan {_n(max_cell_chars)} tekens.", number)
    if CONTROL.search(value):
        raise ImportFileError(f"Rij {number}: een cel bevat onzichtbare controletekens (zoals NUL). Verwijder ze "
                              "(typ de tekst opnieuw in plaats van te plakken) en probeer opnieuw.", number)


def _xlsx_rows(raw: bytes, max_cols: int, max_cell_chars: int, max_unpacked: int,
               max_ratio: int) -> Iterator[tuple[int, tuple]]:
    # Before anything is unpacked: the sizes the zip declares. Python's zipfile never unpacks more than a
    # part declares (it stops there and the checksum fails), so these numbers bound the work that follows.
    try:
        with zipfile.ZipFile(io.BytesIO(raw)) as archive:
            parts = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError) as e:
        raise ImportFileError(UNREADABLE_XLSX) from e
    if len(parts) > MAX_PARTS:
        raise ImportFileError(UNREADABLE_XLSX)
    unpacked = 0
    for part in parts:
        if part.filename.endswith((".xml", ".rels", ".vml")):  # media are not read
            unpacked += part.file_size
            if part.file_size > 1024 * 1024 and part.file_size > max_ratio * max(part.compress_size, 1):
                unpacked = max_unpacked + 1
    if unpacked > max_unpacked:
        raise ImportFileError(f"Het Excel-bestand is uitgepakt groter dan {_size(max_unpacked)} of abnormaal sterk "
                              "samengeperst. Bewaar enkel de gegevens (zonder opmaak) in een nieuw bestand.")
    try:
        wb = load_workbook(io.BytesIO(raw), read_only=True, data_only=True)
    except Exception as e:  # openpyxl raises many kinds for a broken file
        raise ImportFileError(UNREADABLE_XLSX) from e
    try:
        ws = wb.worksheets[0]
        ws.reset_dimensions()  # never trust the size a sheet declares: read what is there
        rows = ws.iter_rows(max_row=EXCEL_MAX_ROW, max_col=max_cols + 1, values_only=True)
        for number, values in enumerate(rows, start=1):
            if any(isinstance(v, str) for v in values):
                values = tuple(_xlsx_text(v, number, max_cell_chars) if isinstance(v, str) else v
                               for v in values)
            yield number, values
    except ImportFileError:
        raise
    except Exception as e:
        raise ImportFileError(UNREADABLE_XLSX) from e
    finally:
        wb.close()


def _xlsx_text(value: str, number: int, max_cell_chars: int) -> str:
    value = unescape(value)  # Excel stores a control character as _x0001_
    _check_text(value, number, max_cell_chars)
    return value


def _decode(raw: bytes) -> str:
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        encodings = ("utf-16",)
    else:
        encodings = ("utf-8-sig", "cp1252")
    for encoding in encodings:
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ImportFileError("Het CSV-bestand kon niet gelezen worden (onbekende tekenset). "
                          "Bewaar het als CSV UTF-8 en probeer opnieuw.")


def _csv_rows(raw: bytes, max_cell_chars: int) -> Iterator[tuple[int, tuple]]:
    text = _decode(raw)
    first = text[:65536].split("\n", 1)[0]
    delimiter = max((";", ",", "\t"), key=first.count)  # Flemish Excel writes ";", a tie goes to ";"
    reader = csv.reader(io.StringIO(text), delimiter=delimiter, strict=True)
    number = 0
    while True:
        try:
            fields = next(reader)
        except StopIteration:
            return
        except csv.Error as e:
            raise ImportFileError(_csv_problem(str(e), number + 1, delimiter, max_cell_chars), number + 1) from e
        number += 1
        for value in fields:
            _check_text(value, number, max_cell_chars)
        yield number, tuple(fields)


def _csv_problem(error: str, number: int, delimiter: str, max_cell_chars: int) -> str:
    if "field limit" in error:
        return f"Rij {number}: een cel is langer dan {_n(max_cell_chars)} tekens."
    if "end of data" in error:
        return (f"Rij {number}: een aanhalingsteken (\") wordt geopend maar nergens gesloten. "
                "Sluit het of verwijder het.")
    if "expected after" in error:
        shown = "tab" if delimiter == "\t" else delimiter
        return (f"Rij {number}: na een afsluitend aanhalingsteken (\") moet het scheidingsteken ({shown}) "
                "of het einde van de regel volgen.")
    return f"Rij {number}: het CSV-bestand is niet correct opgebouwd."
