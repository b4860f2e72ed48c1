"""NinjaTrader 8 trades CSV (Trade Performance → Trades grid, exported).

Columns: Trade number, Instrument, Account, Strategy, Market pos., Qty, Entry price,
Exit price, Entry time, Exit time, Entry name, Exit name, Profit, Cum. net profit,
Commission, [fee columns], MAE, MFE, ETD, Bars. Money reads `$1,126.02` / `-$18.98`.
Profit is the gross; commission and any `… Fee` columns are costs and stored negative.
The trade number restarts with every export, so the ticket is a digest of what does not
change for a trade (instrument, side, quantity, entry/exit times and prices): `nt8-…`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from typing import TextIO

from .csvtable import CsvTable
from .rows import ZERO, FieldError, ParseContext, RowError, TradeRow, check_trade
from .values import MONEY, PRICE, VOLUME, loose_number, parse_time, required

REQUIRED = (
    "Instrument",
    "Account",
    "Market pos.",
    "Qty",
    "Entry price",
    "Exit price",
    "Entry time",
    "Exit time",
    "Profit",
)
TIME_FORMATS = (
    "%m/%d/%Y %I:%M:%S %p",
    "%m/%d/%Y %H:%M:%S",
    "%m/%d/%Y %I:%M %p",
    "%Y-%m-%d %H:%M:%S",
    "%d.%m.%Y %H:%M:%S",
)
SIDES = {"long": "buy", "short": "sell"}


def parse(stream: TextIO, ctx: ParseContext) -> Iterator[TradeRow | RowError]:
    """Yield one trade per row of a NinjaTrader 8 trades export."""
    table = CsvTable(stream, REQUIRED, "NinjaTrader 8 trades CSV")
    col = {name: table.index[name.lower()] for name in REQUIRED}
    commission = table.index.get("commission")
    fee_columns = [(i, name) for i, name in enumerate(table.header) if name.lower().endswith("fee")]
    for line, cells in table.rows():
        problem = table.width_error(cells)
        if problem:
            yield RowError(line, "", problem)
            continue
        try:
            yield _trade(line, cells, col, commission, fee_columns, ctx)
        except FieldError as exc:
            yield RowError(line, exc.column, exc.reason)


def _cost(cells: list[str], index: int, column: str):
    text = cells[index].strip()
    return -abs(loose_number(text, column, MONEY)) if text else ZERO


def _trade(line, cells, col, commission_index, fee_columns, ctx: ParseContext) -> TradeRow:
    def text(name: str) -> str:
        return required(cells[col[name]], name)

    position = text("Market pos.").lower()
    if position not in SIDES:
        raise FieldError("Market pos.", f"must be Long or Short, got {position!r}")
    entry = parse_time(text("Entry time"), TIME_FORMATS, ctx.tz, "Entry time")
    exit_ = parse_time(text("Exit time"), TIME_FORMATS, ctx.tz, "Exit time")
    volume = loose_number(text("Qty"), "Qty", VOLUME)
    entry_price = loose_number(text("Entry price"), "Entry price", PRICE)
    exit_price = loose_number(text("Exit price"), "Exit price", PRICE)
    instrument = text("Instrument")
    identity = "|".join(
        (instrument, position, str(volume), entry.isoformat(), exit_.isoformat())
        + (str(entry_price.normalize()), str(exit_price.normalize()))
    )
    fees = ZERO
    for index, name in fee_columns:
        fees += _cost(cells, index, name)
    row = TradeRow(
        line=line,
        login=ctx.login or text("Account"),
        ticket="nt8-" + hashlib.sha256(identity.encode()).hexdigest()[:24],
        symbol=instrument,
        side=SIDES[position],
        volume=volume,
        open_time=entry,
        open_price=entry_price,
        close_time=exit_,
        close_price=exit_price,
        commission=_cost(cells, commission_index, "Commission")
        if commission_index is not None
        else ZERO,
        swap=ZERO,
        fees=fees,
        profit=loose_number(text("Profit"), "Profit", MONEY),
    )
    check_trade(row, ctx)
    return row
