"""MetaTrader 5 history report: the Positions section, from CSV, XLSX or (UTF-16) HTML.

The report starts with `Account: 52603751 (USD, Server, demo, Hedge)`, then the sections
Positions, Orders, Deals, Results. Positions columns: Time, Position, Symbol, Type, Volume,
Price, S / L, T / P, Time, Price, Commission, Swap, Profit (open time/price, then close).
The Deals section's balance, credit, charge… deals are read as balance rows (`report.py`);
its buy/sell deals are the positions already read.

A translated report (French "Compte:", German "Positionen", Russian "Сделки"…) is put back
into English words first (`mt5_localized.py`); a Positions section whose title or header we
do not know is found and read by its fixed layout (`mt5_layout.py`), else the report is
refused as an unknown statement template.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import zipfile
from collections.abc import Iterator
from decimal import Decimal
from typing import BinaryIO

from .detect import csv_record_error, read_text
from .htmltable import table_rows
from .mt5_layout import DEALS_HEADER, POSITIONS_HEADER, is_positions_row
from .mt5_localized import english_cells
from .report import Layout, Line, report_trades
from .rows import ImportFileError, ParseContext, RowError, TradeRow

POSITION_COLUMNS = {
    "open_time": ("Time", 1),
    "ticket": ("Position", 1),
    "symbol": ("Symbol", 1),
    "side": ("Type", 1),
    "volume": ("Volume", 1),
    "open_price": ("Price", 1),
    "close_time": ("Time", 2),
    "close_price": ("Price", 2),
    "commission": ("Commission", 1),
    "swap": ("Swap", 1),
    "profit": ("Profit", 1),
}
STOP = ("orders", "deals", "results", "open positions", "working orders")
WHAT = "MT5 report"
LAYOUT = Layout(POSITIONS_HEADER, is_positions_row, DEALS_HEADER)


def parse(file: BinaryIO, ctx: ParseContext) -> Iterator[TradeRow | RowError]:
    """Yield the Positions section's trades of an MT5 report in any of its three forms."""
    if not ctx.encoding:
        lines = xlsx_rows(file)  # streamed: one row in memory at a time
    else:
        text = read_text(file, ctx.encoding)
        if "<" in text[:2048] and ("<table" in text.lower() or "<html" in text.lower()):
            lines = enumerate(table_rows(text), start=1)
        else:
            lines = _csv_lines(text)
    english = ((line, english_cells(cells)) for line, cells in lines)
    yield from report_trades(
        english, "Positions", POSITION_COLUMNS, STOP, ctx.login, WHAT, ctx, "Deals", LAYOUT
    )


def _csv_lines(text: str) -> Iterator[Line]:
    reader = csv.reader(io.StringIO(text, newline=""))
    line = 0
    try:
        for cells in reader:
            line = reader.line_num
            yield line, [cell.strip() for cell in cells]
    except csv.Error as exc:  # a field over the csv module's limit: a quote left open
        raise csv_record_error(line + 1, exc) from None


# A few bytes of XLSX can claim a great deal: a sheet may declare 16,384 columns (openpyxl
# pads every row to the declared width), skip to row 10**9 (padded with empty rows), repeat
# one long shared string in every cell, put millions of cells in one row, or unzip to
# gigabytes. An MT5 report is 14 columns of short cells, so the reader keeps to limits no
# report comes near; each refusal is a file error naming the limit (docs/import-formats.md).
# Together they keep an import under 256 MiB (bench/xlsx_memory.py measures it).
MAX_COLUMNS = 64
MAX_ROWS = 1_048_576  # Excel's own limit
MAX_CELLS = 5_000_000  # non-empty cells read (a 13-column report: ~380,000 positions)
MAX_CELL_CHARS = 1024
MAX_UNZIPPED_BYTES = 512 * 1024 * 1024
# openpyxl holds the whole shared-string table (and the styles, the workbook part…) in memory
# while it reads: those parts are kept small; only worksheets stream.
MAX_SHARED_STRINGS_BYTES = 16 * 1024 * 1024
MAX_PART_BYTES = 1024 * 1024  # any other part: styles, workbook, relationships…
# The parser builds one row (and one text node) whole before openpyxl sees it, so both are
# bounded in the raw XML: bytes of text between two tags, markup ("<") between two rows.
MAX_TEXT_BYTES = 64 * 1024
MAX_ROW_MARKUP = 50_000
_SCAN_CHUNK = 256 * 1024
_ROW_START = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?row[\s/>]")
_LONG_TEXT = re.compile(rb"[^<]{%d}" % (MAX_TEXT_BYTES + 1))
_FORBIDDEN = (b"<!DOCTYPE", b"<!ENTITY", b"<![CDATA[")  # Excel writes none of them


def xlsx_lines(file: BinaryIO) -> list[Line]:
    """All of `xlsx_rows` as a list (for tests and small files; imports stream the rows)."""
    return list(xlsx_rows(file))


def xlsx_rows(file: BinaryIO) -> Iterator[Line]:
    """Non-empty rows of the workbook's first sheet as text (openpyxl read-only), numbered
    as in the sheet, one at a time; only the first `MAX_COLUMNS` columns are read.

    Cells are not copied: a string cell comes back as the very object openpyxl read (a
    shared string is one object however many cells repeat it), unless it must be cut to
    `MAX_CELL_CHARS` or its spaces tidied.
    """
    from openpyxl import load_workbook

    try:
        check_workbook(file)
        workbook = load_workbook(file, read_only=True, data_only=True)
    except ImportFileError:
        raise
    except Exception as exc:  # openpyxl raises many kinds for a damaged workbook
        raise ImportFileError(f"not a readable XLSX workbook ({type(exc).__name__})") from None
    try:
        if not workbook.worksheets:
            raise ImportFileError("not an MT5 report: the workbook has no worksheet")
        sheet = workbook.worksheets[0]
        sheet.reset_dimensions()  # rows as they are, not padded to a declared size
        rows = sheet.iter_rows(max_col=MAX_COLUMNS, values_only=True)
        cells_read = 0
        for n, row in enumerate(_guarded(rows), start=1):
            if n > MAX_ROWS:
                raise ImportFileError(
                    f"not an MT5 report: the workbook has rows past row {MAX_ROWS:,}"
                )
            empty = row.count(None)
            if empty == len(row):
                continue  # an empty row (a gap in the sheet is read as empty rows)
            cells_read += len(row) - empty
            if cells_read > MAX_CELLS:
                raise ImportFileError(
                    f"not an MT5 report: the workbook has more than {MAX_CELLS:,} cells"
                )
            cells = [_cell_text(value) for value in row]
            while cells and not cells[-1]:
                cells.pop()
            if cells:
                yield n, cells
    finally:
        workbook.close()


def _guarded(rows: Iterator[tuple]) -> Iterator[tuple]:
    """openpyxl's rows, with its errors on a damaged sheet as the file error."""
    while True:
        try:
            row = next(rows)
        except StopIteration:
            return
        except Exception as exc:
            raise ImportFileError(f"not a readable XLSX workbook ({type(exc).__name__})") from None
        yield row


def check_workbook(file: BinaryIO) -> None:
    """Refuse a workbook that breaks a limit, before openpyxl reads any of it.

    The declared sizes are enough for the totals (zipfile reads no more than each member
    declares); each XML part is then read through once, a chunk at a time, for what its size
    does not tell: a text longer than `MAX_TEXT_BYTES`, a row with more than `MAX_ROW_MARKUP`
    tags, a DTD or CDATA section.
    """
    with zipfile.ZipFile(file) as archive:
        members = archive.infolist()
        unzipped = sum(info.file_size for info in members)
        if unzipped > MAX_UNZIPPED_BYTES:
            raise ImportFileError(
                f"not an MT5 report: the workbook unzips to {unzipped:,} bytes "
                f"(at most {MAX_UNZIPPED_BYTES:,})"
            )
        for info in members:
            _check_part_size(info)
            if info.filename.endswith((".xml", ".rels")):
                with archive.open(info) as part:
                    _scan_xml(part, info.filename, _is_worksheet(info.filename))
    file.seek(0)


def _check_part_size(info: zipfile.ZipInfo) -> None:
    name = info.filename
    if _is_worksheet(name):
        return  # worksheets stream; the total bounds them
    if name == "xl/sharedStrings.xml":
        limit, what = MAX_SHARED_STRINGS_BYTES, "shared strings"
    else:
        limit, what = MAX_PART_BYTES, f"part {name[:80]!r}"
    if info.file_size > limit:
        raise ImportFileError(
            f"not an MT5 report: the workbook's {what} unzip to {info.file_size:,} bytes "
            f"(at most {limit:,})"
        )


def _is_worksheet(name: str) -> bool:
    return name.startswith("xl/worksheets/") and name.count("/") == 2


def _scan_xml(part: BinaryIO, name: str, rows: bool) -> None:
    text_run = 0  # bytes since the last "<"
    row_markup = 0  # "<" since the last row start
    tail = b""
    while chunk := part.read(_SCAN_CHUNK):
        window = tail + chunk
        if any(marker in window for marker in _FORBIDDEN):
            raise ImportFileError(
                f"not an MT5 report: {name[:80]} holds a DTD or CDATA section (Excel writes none)"
            )
        tail = chunk[-16:]
        first = chunk.find(b"<")
        if first < 0:
            text_run += len(chunk)
        else:
            last = chunk.rfind(b"<")
            longest = max(text_run + first, len(chunk) - last - 1)
            if longest > MAX_TEXT_BYTES or _LONG_TEXT.search(chunk, first, last):
                longest = MAX_TEXT_BYTES + 1
            text_run = len(chunk) - last - 1
            if longest > MAX_TEXT_BYTES:
                raise _too_long_text()
        if text_run > MAX_TEXT_BYTES:
            raise _too_long_text()
        if not rows:
            continue
        pieces = _ROW_START.split(chunk)
        row_markup += pieces[0].count(b"<")
        for piece in pieces[1:]:
            _check_row_markup(row_markup)
            row_markup = piece.count(b"<") + 1
        _check_row_markup(row_markup)


def _check_row_markup(count: int) -> None:
    if count > MAX_ROW_MARKUP:
        raise ImportFileError(
            f"not an MT5 report: a row of the workbook holds more than {MAX_ROW_MARKUP:,} tags"
        )


def _too_long_text() -> ImportFileError:
    return ImportFileError(
        f"not an MT5 report: a cell of the workbook holds more than {MAX_TEXT_BYTES:,} bytes "
        "of text"
    )


_UNTIDY = re.compile(r"^\s|\s$|[^\S ]|  ")


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        if len(value) > MAX_CELL_CHARS:
            value = value[:MAX_CELL_CHARS]
        return " ".join(value.split()) if _UNTIDY.search(value) else value
    if isinstance(value, dt.datetime):
        return value.strftime("%Y.%m.%d %H:%M:%S")
    if isinstance(value, float):
        return format(Decimal(repr(value)), "f")[:MAX_CELL_CHARS]
    return " ".join(str(value)[:MAX_CELL_CHARS].split())
