"""Tradovate "Performance" CSV: one row per FIFO pair of a buy fill and a sell fill.

Columns: symbol, _priceFormat, _priceFormatType, _tickSize, buyFillId, sellFillId, qty,
buyPrice, sellPrice, pnl, boughtTimestamp, soldTimestamp, duration. The ticket is
`buyFillId-sellFillId` (one sell fill can pair with several buy fills). A short has its
sell before its buy: side=sell, opened at soldTimestamp/sellPrice. `pnl` is the profit
(`$52.50`, `$(41.00)`); the file carries no commission, so commission is 0.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TextIO

from .csvtable import CsvTable
from .rows import ZERO, FieldError, ImportFileError, ParseContext, RowError, TradeRow, check_trade
from .values import MONEY, PRICE, VOLUME, loose_number, parse_time, required

REQUIRED = (
    "symbol",
    "buyFillId",
    "sellFillId",
    "qty",
    "buyPrice",
    "sellPrice",
    "pnl",
    "boughtTimestamp",
    "soldTimestamp",
)
TIME_FORMATS = ("%m/%d/%Y %H:%M:%S", "%m/%d/%Y %H:%M", "%Y-%m-%d %H:%M:%S")


def parse(stream: TextIO, ctx: ParseContext) -> Iterator[TradeRow | RowError]:
    """Yield one trade per round trip of a Tradovate Performance export."""
    table = CsvTable(stream, REQUIRED, "Tradovate Performance CSV")
    if ctx.login is None:
        raise ImportFileError("a Tradovate file names no account: name the account of the import")
    col = {name: table.index[name.lower()] for name in REQUIRED}
    yield from table.parsed_rows(lambda line, cells: _trade(line, cells, col, ctx))


def _trade(line: int, cells: list[str], col: dict[str, int], ctx: ParseContext) -> TradeRow:
    def text(name: str) -> str:
        return required(cells[col[name]], name)

    bought = parse_time(text("boughtTimestamp"), TIME_FORMATS, ctx.tz, "boughtTimestamp")
    sold = parse_time(text("soldTimestamp"), TIME_FORMATS, ctx.tz, "soldTimestamp")
    buy_price = loose_number(text("buyPrice"), "buyPrice", PRICE)
    sell_price = loose_number(text("sellPrice"), "sellPrice", PRICE)
    short = sold < bought
    row = TradeRow(
        line=line,
        login=ctx.login or "",
        ticket=f"{text('buyFillId')}-{text('sellFillId')}",
        symbol=text("symbol"),
        side="sell" if short else "buy",
        volume=loose_number(text("qty"), "qty", VOLUME),
        open_time=sold if short else bought,
        open_price=sell_price if short else buy_price,
        close_time=bought if short else sold,
        close_price=buy_price if short else sell_price,
        commission=ZERO,
        swap=ZERO,
        fees=ZERO,
        profit=loose_number(text("pnl"), "pnl", MONEY),
    )
    try:
        check_trade(row, ctx)
    except FieldError as exc:
        column = {"volume": "qty", "ticket": "buyFillId"}.get(exc.column, exc.column)
        raise FieldError(column, exc.reason) from None
    return row
