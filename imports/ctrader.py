"""cTrader history CSV.

Columns: ID, Symbol, Opening Direction, Opening Time (UTC+2), Closing Time (UTC+2),
Entry Price, Closing Price, Closing Quantity, Commission, Swap, Gross USD, Net USD,
Balance USD. The offset in the time headers is the file's own zone and wins over the
import's broker zone; dates are day-first with milliseconds; quantity reads `1.00 Lots`.
Profit is the gross; whatever makes net differ from gross + commission + swap is stored
as fees, so the stored net equals the file's net to the cent.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections.abc import Iterator
from typing import TextIO

from .csvtable import CsvTable
from .rows import FieldError, ImportFileError, ParseContext, RowError, TradeRow, check_trade
from .values import MONEY, PRICE, VOLUME, loose_number, parse_time, required

REQUIRED = ("ID", "Symbol", "Opening Direction", "Entry Price", "Closing Price")
TIME_FORMATS = (
    "%d/%m/%Y %H:%M:%S.%f",
    "%d/%m/%Y %H:%M:%S",
    "%d.%m.%Y %H:%M:%S.%f",
    "%d.%m.%Y %H:%M:%S",
    "%Y-%m-%d %H:%M:%S.%f",
    "%Y-%m-%d %H:%M:%S",
)
_OFFSET = re.compile(r"\(UTC(?:([+-])(\d{1,2})(?::?(\d{2}))?)?\)", re.IGNORECASE)
_QUANTITY = re.compile(r"\s*([-+\d.,\s]*\d)\s*(?:lots?|units?|contracts?)?\s*", re.IGNORECASE)
WHAT = "cTrader history CSV"


def header_zone(name: str, fallback: dt.tzinfo) -> dt.tzinfo:
    """`Opening Time (UTC+2)` -> UTC+02:00; no offset in the header -> the broker zone.

    Real offsets run from UTC-12 to UTC+14; anything else is refused, not read as a zone.
    """
    match = _OFFSET.search(name)
    if not match:
        return fallback
    if not match.group(1):
        return dt.UTC
    hours, minutes = int(match.group(2)), int(match.group(3) or 0)
    if hours > 14 or minutes >= 60:
        raise ImportFileError(f"not a {WHAT}: {name!r} names no real UTC offset")
    minutes += hours * 60
    sign = -1 if match.group(1) == "-" else 1
    return dt.timezone(dt.timedelta(minutes=sign * minutes))


def parse(stream: TextIO, ctx: ParseContext) -> Iterator[TradeRow | RowError]:
    """Yield one trade per closed position of a cTrader history export."""
    table = CsvTable(stream, REQUIRED, WHAT)
    if ctx.login is None:
        raise ImportFileError("a cTrader file names no account: name the account of the import")
    col = {name.lower(): table.index[name.lower()] for name in REQUIRED}
    for field, prefix in (
        ("open_time", "opening time"),
        ("close_time", "closing time"),
        ("quantity", "closing quantity"),
        ("commission", "commission"),
        ("swap", "swap"),
        ("gross", "gross"),
        ("net", "net"),
    ):
        index = table.find(prefix)
        if index is None:
            raise ImportFileError(f"not a {WHAT}: missing a {prefix!r} column")
        col[field] = index
    # the header's zone wins over the import's, for reading the times and for the errors
    ctx = dataclasses.replace(ctx, tz=header_zone(table.header[col["open_time"]], ctx.tz))
    yield from table.parsed_rows(lambda line, cells: _trade(line, cells, col, ctx))


def _trade(line, cells, col, ctx: ParseContext) -> TradeRow:
    login, tz = ctx.login, ctx.tz

    def text(field: str) -> str:
        return required(cells[col[field]], field)

    direction = text("opening direction").lower()
    if direction not in ("buy", "sell"):
        raise FieldError("Opening Direction", f"must be Buy or Sell, got {direction!r}")
    quantity = _QUANTITY.fullmatch(text("quantity"))
    if not quantity:
        raise FieldError("Closing Quantity", f"not a quantity: {cells[col['quantity']]!r}")
    commission = loose_number(text("commission"), "Commission", MONEY)
    swap = loose_number(text("swap"), "Swap", MONEY)
    gross = loose_number(text("gross"), "Gross", MONEY)
    net = loose_number(text("net"), "Net", MONEY)
    row = TradeRow(
        line=line,
        login=login,
        ticket=text("id"),
        symbol=text("symbol"),
        side=direction,
        volume=loose_number(quantity.group(1), "Closing Quantity", VOLUME),
        open_time=parse_time(text("open_time"), TIME_FORMATS, tz, "Opening Time"),
        open_price=loose_number(text("entry price"), "Entry Price", PRICE),
        close_time=parse_time(text("close_time"), TIME_FORMATS, tz, "Closing Time"),
        close_price=loose_number(text("closing price"), "Closing Price", PRICE),
        commission=commission,
        swap=swap,
        fees=net - gross - commission - swap,
        profit=gross,
    )
    check_trade(row, ctx)
    return row
