"""NinjaTrader 8 trades CSV (Trade Performance → Trades grid, exported).

Columns: Trade number, Instrument, Account, Strategy, Market pos., Qty, Entry price,
Exit price, Entry time, Exit time, Entry name, Exit name, Profit, Cum. net profit,
Commission, [fee columns], MAE, MFE, ETD, Bars. The file follows the Windows locale
(`csvlocale.py`): `$1,126.02` / `-$18.98` with `,` between fields and month-first dates, or
`1.126,02 $` / `-1,00 $` with `;`, a decimal comma and day-first dates.

**Every row is a trade.** NinjaTrader writes one row per fill-sized trade: two 1-lot rows
with the same instrument, side, times and prices are two trades (`Cum. net profit` counts
both). **Net = `Profit`**: NinjaTrader's Profit is already net of `Commission` and the
`… Fee` columns, so the stored gross is Profit + commission + fees, and the costs are stored
negative beside it (net = gross + costs = Profit, never subtracted twice).

**The ticket.** The trade number restarts at 1 with every export (and shifts when the
exported range starts earlier), so it cannot be the ticket. The ticket is `nt8-` + a digest
of the trade's identity (instrument, side, quantity, entry/exit time and price) and its
occurrence within the file's account: the n-th identical row stays the n-th in any re-export
of the same history, since identical rows share their times and a range never splits them.
The first occurrence keeps the digest of the identity alone (the ticket of earlier imports).

**Accounts.** Each row's login is its `Account` cell; the import service routes rows to the
accounts (or aliases) the file names, and with one account given refuses or skips the rows
of other accounts. Without a zone chosen for the import, each row's times are read in the
server zone of the account it names (`ParseContext.zone_for`).
"""

from __future__ import annotations

import hashlib
import io
from collections import Counter
from collections.abc import Iterator
from typing import TextIO

from . import csvlocale
from .csvtable import CsvTable
from .rows import ZERO, FieldError, ParseContext, RowError, TradeRow, check_trade
from .values import MONEY, PRICE, VOLUME, parse_time, required

WHAT = "NinjaTrader 8 trades CSV"
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
NUMBER_COLUMNS = ("Qty", "Entry price", "Exit price", "Profit", "Commission", "Cum. net profit")
TIME_FORMATS = {
    "mdy": (
        "%m/%d/%Y %I:%M:%S %p",
        "%m/%d/%Y %H:%M:%S",
        "%m/%d/%Y %I:%M %p",
        "%m/%d/%Y %H:%M",
        "%m-%d-%Y %H:%M:%S",
        "%Y-%m-%d %H:%M:%S",
    ),
    "dmy": (
        "%d/%m/%Y %H:%M:%S",
        "%d/%m/%Y %I:%M:%S %p",
        "%d/%m/%Y %H:%M",
        "%d.%m.%Y %H:%M:%S",
        "%d.%m.%Y %H:%M",
        "%d-%m-%Y %H:%M:%S",
        "%Y-%m-%d %H:%M:%S",
    ),
}
SIDES = {"long": "buy", "short": "sell"}


def parse(stream: TextIO, ctx: ParseContext) -> Iterator[TradeRow | RowError]:
    """Yield one trade per row of a NinjaTrader 8 trades export (see module doc)."""
    text = stream.read()  # the locale is read from the whole file; exports are small
    first = next((line for line in text.splitlines() if line.strip()), "")
    delimiter = csvlocale.header_delimiter(first)
    table = CsvTable(io.StringIO(text, newline=""), REQUIRED, WHAT, delimiter=delimiter)
    rows = list(table.rows())
    style = csvlocale.NumberStyle(
        csvlocale.decimal_mark(_cells_of(table, rows, NUMBER_COLUMNS), delimiter)
    )
    order = csvlocale.date_order(
        _times(table, rows),
        ctx.date_order,
        lambda: csvlocale.chronological_order(_entries_and_exits(table, rows), TIME_FORMATS),
    )
    parser = _RowParser(table, style, TIME_FORMATS[order], ctx)
    for line, cells in rows:
        problem = table.width_error(cells)
        if problem:
            yield RowError(line, "", problem)
            continue
        try:
            yield parser.trade(line, cells)
        except FieldError as exc:
            yield RowError(line, exc.column, exc.reason)


def _cells_of(table: CsvTable, rows: list, names: tuple[str, ...]) -> Iterator[str]:
    indexes = [table.index[n.lower()] for n in names if n.lower() in table.index]
    indexes += [i for i, name in enumerate(table.header) if name.lower().endswith("fee")]
    for _, cells in rows:
        yield from (cells[i] for i in indexes if i < len(cells))


def _times(table: CsvTable, rows: list) -> Iterator[tuple[int, str]]:
    indexes = [table.index["entry time"], table.index["exit time"]]
    for line, cells in rows:
        yield from ((line, cells[i]) for i in indexes if i < len(cells))


def _entries_and_exits(table: CsvTable, rows: list) -> list[tuple[str, str]]:
    entry, exit_ = table.index["entry time"], table.index["exit time"]
    width = max(entry, exit_)
    return [(cells[entry], cells[exit_]) for _, cells in rows if len(cells) > width]


class _RowParser:
    """One row to a `TradeRow`, counting identical trades per account for their tickets."""

    def __init__(self, table: CsvTable, style, time_formats: tuple[str, ...], ctx) -> None:
        self.col = {name: table.index[name.lower()] for name in REQUIRED}
        self.commission = table.index.get("commission")
        self.fees = [(i, n) for i, n in enumerate(table.header) if n.lower().endswith("fee")]
        self.style = style
        self.time_formats = time_formats
        self.ctx = ctx
        self.occurrences: Counter = Counter()

    def _cost(self, cells: list[str], index: int | None, column: str):
        text = cells[index].strip() if index is not None else ""
        return -abs(self.style.number(text, column, MONEY)) if text else ZERO

    def trade(self, line: int, cells: list[str]) -> TradeRow:
        def text(name: str) -> str:
            return required(cells[self.col[name]], name)

        position = text("Market pos.").lower()
        if position not in SIDES:
            raise FieldError("Market pos.", f"must be Long or Short, got {position!r}")
        instrument, login = text("Instrument"), text("Account")
        tz = self.ctx.zone_for(login)  # the PC's zone of the account the row names
        entry = parse_time(text("Entry time"), self.time_formats, tz, "Entry time")
        exit_ = parse_time(text("Exit time"), self.time_formats, tz, "Exit time")
        number = self.style.number
        volume = number(text("Qty"), "Qty", VOLUME)
        entry_price = number(text("Entry price"), "Entry price", PRICE)
        exit_price = number(text("Exit price"), "Exit price", PRICE)
        identity = "|".join(
            (instrument, position, str(volume), entry.isoformat(), exit_.isoformat())
            + (str(entry_price.normalize()), str(exit_price.normalize()))
        )
        self.occurrences[login, identity] += 1
        occurrence = self.occurrences[login, identity]
        if occurrence > 1:
            identity += f"#{occurrence}"
        commission = self._cost(cells, self.commission, "Commission")
        fees = sum((self._cost(cells, i, name) for i, name in self.fees), ZERO)
        net = number(text("Profit"), "Profit", MONEY)
        row = TradeRow(
            line=line,
            login=login,
            ticket="nt8-" + hashlib.sha256(identity.encode()).hexdigest()[:24],
            symbol=instrument,
            side=SIDES[position],
            volume=volume,
            open_time=entry,
            open_price=entry_price,
            close_time=exit_,
            close_price=exit_price,
            commission=commission,
            swap=ZERO,
            fees=fees,
            profit=net - commission - fees,  # gross: Profit is already net of the costs
        )
        check_trade(row, self.ctx)
        return row
