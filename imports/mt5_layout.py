"""The fixed layout of an MT5 report's Positions and Deals tables, whatever the language.

MetaTrader 5 translates titles and headers but never the order of the columns nor the trade
types, so a Positions table is recognised by its rows alone: 13 cells (14 where a build adds
one at the end) of open time, integer position id, symbol, `buy`/`sell`, volume, open price,
S / L, T / P, close time, close price, commission, swap, profit. An HTML report's hidden
drill-down cells are dropped before (`htmltable.py`). No other MT5 table has a number in the
5th and 6th cells after a buy/sell type (Orders: `1 / 1`, `market`; Deals: `in`, `out`).
"""

from __future__ import annotations

import re

POSITIONS_HEADER = [
    "Time", "Position", "Symbol", "Type", "Volume", "Price", "S / L", "T / P", "Time", "Price",
    "Commission", "Swap", "Profit",
]  # fmt: skip
DEALS_HEADER = [
    "Time", "Deal", "Symbol", "Type", "Direction", "Volume", "Price", "Order", "Commission",
    "Fee", "Swap", "Profit", "Balance", "Comment",
]  # fmt: skip
_MT_TIME = re.compile(r"\d{4}[.\-]\d{2}[.\-]\d{2} \d{2}:\d{2}")
_NUMBER = re.compile(r"[-+]?[\s\d\u00a0\u202f.,]*\d[\s\d\u00a0\u202f.,]*")


def is_positions_row(cells: list[str]) -> bool:
    """`cells` is a closed position laid out as the Positions table's rows are."""
    return (
        len(cells) in (13, 14)
        and bool(_MT_TIME.match(cells[0]))
        and cells[1].strip().isdigit()
        and bool(cells[2].strip())
        and cells[3].strip().lower() in ("buy", "sell")
        and bool(_NUMBER.fullmatch(cells[4].strip()))
        and bool(_NUMBER.fullmatch(cells[5].strip()))
        and bool(_MT_TIME.match(cells[8]))
    )
