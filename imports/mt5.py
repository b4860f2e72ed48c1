"""MetaTrader 5 history report: the Positions section, from CSV, XLSX or (UTF-16) HTML.

The report starts with `Account: 52603751 (USD, Server, demo, Hedge)`, then the sections
Positions, Orders, Deals, Results. Positions columns: Time, Position, Symbol, Type, Volume,
Price, S / L, T / P, Time, Price, Commission, Swap, Profit (open time/price, then close).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
from collections.abc import Iterator
from decimal import Decimal
from typing import BinaryIO

from .detect import csv_record_error, read_text
from .htmltable import table_rows
from .report import Line, find_section, report_login, section_trades
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


def parse(file: BinaryIO, ctx: ParseContext) -> Iterator[TradeRow | RowError]:
    """Yield the Positions section's trades of an MT5 report in any of its three forms."""
    if not ctx.encoding:
        lines = xlsx_lines(file)
    else:
        text = read_text(file, ctx.encoding)
        if "<" in text[:2048] and ("<table" in text.lower() or "<html" in text.lower()):
            lines = [(i, cells) for i, cells in enumerate(table_rows(text), start=1)]
        else:
            lines = [(n, cells) for n, cells in _csv_lines(text)]
    start = find_section(lines, "Positions", WHAT)
    login = report_login(lines, ctx.login, WHAT)
    yield from section_trades(lines, start, POSITION_COLUMNS, STOP, login, ctx)


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
# one long shared string in every cell, or unzip to gigabytes. An MT5 report is 14 columns
# of short cells, so the reader keeps to limits no report comes near.
MAX_COLUMNS = 64
MAX_ROWS = 1_048_576  # Excel's own limit
MAX_CELL_CHARS = 1024
MAX_UNZIPPED_BYTES = 512 * 1024 * 1024


def xlsx_lines(file: BinaryIO) -> list[Line]:
    """Non-empty rows of the workbook's first sheet as text (openpyxl read-only), numbered
    as in the sheet; only the first `MAX_COLUMNS` columns are read."""
    from openpyxl import load_workbook

    try:
        _check_unzipped_size(file)
        workbook = load_workbook(file, read_only=True, data_only=True)
        try:
            sheet = workbook.worksheets[0]
            sheet.reset_dimensions()  # rows as they are, not padded to a declared size
            lines = []
            rows = sheet.iter_rows(max_col=MAX_COLUMNS, values_only=True)
            for n, row in enumerate(rows, start=1):
                if n > MAX_ROWS:
                    raise ImportFileError(
                        f"not an MT5 report: the workbook has rows past row {MAX_ROWS:,}"
                    )
                if row.count(None) == len(row):
                    continue  # an empty row (a gap in the sheet is read as empty rows)
                cells = [_cell_text(value) for value in row]
                while cells and not cells[-1]:
                    cells.pop()
                if cells:
                    lines.append((n, cells))
            return lines
        finally:
            workbook.close()
    except ImportFileError:
        raise
    except Exception as exc:  # openpyxl raises many kinds for a damaged workbook
        raise ImportFileError(f"not a readable XLSX workbook ({type(exc).__name__})") from None


def _check_unzipped_size(file: BinaryIO) -> None:
    """Refuse a zip that declares more than `MAX_UNZIPPED_BYTES` (zipfile reads no more than
    each member declares, so the declared sizes bound what openpyxl would read)."""
    with zipfile.ZipFile(file) as archive:
        unzipped = sum(info.file_size for info in archive.infolist())
    file.seek(0)
    if unzipped > MAX_UNZIPPED_BYTES:
        raise ImportFileError(
            f"not an MT5 report: the workbook unzips to {unzipped:,} bytes "
            f"(at most {MAX_UNZIPPED_BYTES:,})"
        )


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.strftime("%Y.%m.%d %H:%M:%S")
    if isinstance(value, float):
        return format(Decimal(repr(value)), "f")[:MAX_CELL_CHARS]
    return " ".join(str(value)[:MAX_CELL_CHARS].split())
