"""MetaTrader 5 history report: the Positions section, from CSV, XLSX or (UTF-16) HTML.

The report starts with `Account: 52603751 (USD, Server, demo, Hedge)`, then the sections
Positions, Orders, Deals, Results. Positions columns: Time, Position, Symbol, Type, Volume,
Price, S / L, T / P, Time, Price, Commission, Swap, Profit (open time/price, then close).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterator
from decimal import Decimal
from typing import BinaryIO

from .detect import read_text
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
    yield from section_trades(lines, start, POSITION_COLUMNS, STOP, login, ctx.tz)


def _csv_lines(text: str) -> Iterator[Line]:
    reader = csv.reader(io.StringIO(text, newline=""))
    for cells in reader:
        yield reader.line_num, [cell.strip() for cell in cells]


def xlsx_lines(file: BinaryIO) -> list[Line]:
    """Rows of the workbook's first sheet as text (openpyxl read-only)."""
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(file, read_only=True, data_only=True)
        try:
            sheet = workbook.worksheets[0]
            return [
                (n, [_cell_text(value) for value in row])
                for n, row in enumerate(sheet.iter_rows(values_only=True), start=1)
            ]
        finally:
            workbook.close()
    except ImportFileError:
        raise
    except Exception as exc:  # openpyxl raises many kinds for a damaged workbook
        raise ImportFileError(f"not a readable XLSX workbook ({type(exc).__name__})") from None


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.strftime("%Y.%m.%d %H:%M:%S")
    if isinstance(value, float):
        return format(Decimal(repr(value)), "f")
    return " ".join(str(value).split())
