"""MetaTrader 4 detailed statement (HTML): the "Closed Transactions:" section.

Columns: Ticket, Open Time, Type, Size, Item, Price, S / L, T / P, Close Time, Price,
Commission, Taxes, Swap, Profit. Balance and credit rows are mixed in: they are read as
balance rows (never trades); some statements add a line per trade with its magic number and
comment, which is skipped. Taxes are stored as fees.

Translated templates (Japanese `決済情報:`, Chinese, Russian) are read once their words are
put back into English (`mt_localized.py`); a statement whose words we do not know is still
read if one of its tables is laid out as the closed-transactions table (`_section_by_layout`).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import BinaryIO

from .detect import read_text
from .htmltable import table_rows
from .mt_localized import english_cells
from .report import BALANCE_TYPES, first_cell, report_trades
from .rows import BalanceRow, ImportFileError, ParseContext, RowError, TradeRow

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
# The English template's header, in order: the layout a translated table is recognised by.
CLOSED_HEADER = [
    "Ticket", "Open Time", "Type", "Size", "Item", "Price", "S / L", "T / P", "Close Time",
    "Price", "Commission", "Taxes", "Swap", "Profit",
]  # fmt: skip
TITLE = "Closed Transactions"
STOP = ("open trades", "working orders", "summary", "details")
WHAT = "MT4 statement"
_MT_TIME = re.compile(r"\d{4}[.\-]\d{2}[.\-]\d{2} \d{2}:\d{2}")


def parse(file: BinaryIO, ctx: ParseContext) -> Iterator[TradeRow | BalanceRow | RowError]:
    """Yield the closed trades and balance rows of an MT4 detailed statement."""
    rows = [english_cells(cells) for cells in table_rows(read_text(file, ctx.encoding))]
    lines = list(enumerate(rows, start=1))
    if not any(first_cell(cells).lower().rstrip(":") == TITLE.lower() for _, cells in lines):
        lines = _section_by_layout(lines)
    yield from report_trades(lines, TITLE, CLOSED_COLUMNS, STOP, ctx.login, WHAT, ctx)


def _section_by_layout(lines: list) -> list:
    """The statement with its closed-transactions table titled and headed in English, found
    by its layout: the first 14-cell row of a ticket, an MT time, a trade type and a second
    MT time in the Close Time column, under a 14-cell header row."""
    for i in range(1, len(lines)):
        cells = lines[i][1]
        if (
            len(cells) == len(CLOSED_HEADER)
            and cells[0].strip().isdigit()
            and _MT_TIME.match(cells[1])
            and (cells[2].lower() in ("buy", "sell") or cells[2].lower() in BALANCE_TYPES)
            and _MT_TIME.match(cells[8])
        ):
            # the header is the last row above the first trade that has 14 cells
            for h in range(i - 1, -1, -1):
                if len(lines[h][1]) == len(CLOSED_HEADER) and not lines[h][1][0].isdigit():
                    header_line = lines[h][0]
                    return [
                        *lines[:h],
                        (header_line, [TITLE]),
                        (header_line, list(CLOSED_HEADER)),
                        *lines[h + 1 :],
                    ]
            break
    raise ImportFileError(
        "unknown statement template: no 'Closed Transactions' section (nor a translation of "
        "it we know) and no table laid out as one (" + ", ".join(CLOSED_HEADER) + ")"
    )
