"""MetaTrader 4 detailed statement (HTML): the "Closed Transactions:" section.

Columns: Ticket, Open Time, Type, Size, Item, Price, S / L, T / P, Close Time, Price,
Commission, Taxes, Swap, Profit. Balance rows are mixed in and some statements add a line
per trade with its magic number and comment; both are skipped. Taxes are stored as fees.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import BinaryIO

from .detect import read_text
from .htmltable import table_rows
from .report import report_trades
from .rows import ParseContext, RowError, TradeRow

CLOSED_COLUMNS = {
    "ticket": ("Ticket", 1),
    "open_time": ("Open Time", 1),
    "side": ("Type", 1),
    "volume": ("Size", 1),
    "symbol": ("Item", 1),
    "open_price": ("Price", 1),
    "close_time": ("Close Time", 1),
    "close_price": ("Price", 2),
    "commission": ("Commission", 1),
    "fees": ("Taxes", 1),
    "swap": ("Swap", 1),
    "profit": ("Profit", 1),
}
STOP = ("open trades", "working orders", "summary", "details")
WHAT = "MT4 statement"


def parse(file: BinaryIO, ctx: ParseContext) -> Iterator[TradeRow | RowError]:
    """Yield the closed trades of an MT4 detailed statement."""
    lines = enumerate(table_rows(read_text(file, ctx.encoding)), start=1)
    yield from report_trades(
        lines, "Closed Transactions", CLOSED_COLUMNS, STOP, ctx.login, WHAT, ctx
    )
