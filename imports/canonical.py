"""PropDesk canonical CSV: trades (many accounts per file) and equity snapshots.

The layout is documented in docs/import-formats.md. Columns are found by name, in any order.
Parsing is kept CPU-cheap (csv module, a regex per number, `fromisoformat` per time) since
this is the format of bulk loads.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from decimal import Decimal
from operator import itemgetter
from typing import TextIO

from .rows import (
    ZERO,
    FieldError,
    ImportFileError,
    ParseContext,
    RowError,
    SnapshotRow,
    TradeRow,
    check_snapshot,
)
from .rows import check_trade as _check
from .values import MONEY, PRICE, VOLUME, iso_time, plain_number

TRADE_REQUIRED = (
    "ticket",
    "symbol",
    "side",
    "volume",
    "open_time",
    "open_price",
    "close_time",
    "close_price",
    "profit",
)
TRADE_OPTIONAL = ("account", "commission", "swap", "fees")
SNAPSHOT_REQUIRED = ("time", "balance", "equity")
# Money here has 15 whole digits, one fewer than the column: four such amounts cannot sum
# to a net the column refuses, so a fast row needs no net check (16 digits take the slow path).
# The fast check of a whole row. Money gets one digit fewer than values.MONEY allows, so the
# net of its four amounts is below the limit too; a row with larger amounts takes the slow
# path, which checks each amount and the net (rows.check_trade).
_VOLUME, _PRICE, _MONEY = (
    rf"-?\d{{1,{VOLUME[0]}}}(?:\.\d{{1,{VOLUME[1]}}})?",
    rf"-?\d{{1,{PRICE[0]}}}(?:\.\d{{1,{PRICE[1]}}})?",
    rf"-?\d{{1,{MONEY[0] - 1}}}(?:\.\d{{1,{MONEY[1]}}})?",
)
# volume, open price, close price, commission, swap, fees (may be empty), profit; NUL-joined
_NUMBERS = re.compile(
    "\x00".join(
        (_VOLUME, _PRICE, _PRICE, f"(?:{_MONEY})?", f"(?:{_MONEY})?", f"(?:{_MONEY})?", _MONEY)
    )
)
_SIDES = {"buy": "buy", "sell": "sell", "BUY": "buy", "SELL": "sell", "Buy": "buy", "Sell": "sell"}


def _header(reader, required: tuple[str, ...], what: str) -> tuple[dict[str, int], int]:
    """Column index by lower-cased name, and the header's width."""
    header = next(reader, None)
    while header is not None and not any(cell.strip() for cell in header):
        header = next(reader, None)
    if header is None:
        raise ImportFileError("empty file: there is nothing to import")
    index = {name.strip().lower(): i for i, name in enumerate(header)}
    missing = [name for name in required if name not in index]
    if missing:
        raise ImportFileError(f"not a {what}: missing column(s) {', '.join(missing)}")
    return index, len(header)


def _fits(cells: list[str], width: int) -> bool:
    """A row may carry trailing empty cells (a trailing comma); never fewer or extra values."""
    return len(cells) > width and not any(cell.strip() for cell in cells[width:])


def _login_getter(index: dict[str, int], ctx: ParseContext):
    if "account" not in index:
        if ctx.login is None:
            raise ImportFileError("the file has no account column: name the account of the import")
        fixed = ctx.login
        return lambda cells: fixed
    column = index["account"]
    wanted = ctx.login

    def login(cells: list[str]) -> str:
        value = cells[column].strip()
        if not value:
            raise FieldError("account", "missing account")
        if wanted is not None and value != wanted:
            raise FieldError("account", f"row is for account {value!r}, the import is for {wanted}")
        return value

    return login


class TradeLayout:
    """A canonical trades header's column positions, and the per-row parser over them."""

    def __init__(self, reader, ctx: ParseContext) -> None:
        index, width = _header(reader, TRADE_REQUIRED, "canonical trades CSV")
        self.index, self.width, self.tz, self.ctx = index, width, ctx.tz, ctx
        self.login_of = _login_getter(index, ctx)
        self.i_account = index.get("account")
        self.i_ticket, self.i_symbol, self.i_side, self.i_volume = (
            index[c] for c in TRADE_REQUIRED[:4]
        )
        self.i_ot, self.i_op, self.i_ct, self.i_cp, self.i_profit = (
            index[c] for c in TRADE_REQUIRED[4:]
        )
        self.i_comm, self.i_swap, self.i_fees = (
            index.get(c) for c in ("commission", "swap", "fees")
        )
        # Absent optional columns read the empty cell appended to every row (index `width`).
        self.numbers_of = itemgetter(
            self.i_volume,
            self.i_op,
            self.i_cp,
            *(width if i is None else i for i in (self.i_comm, self.i_swap, self.i_fees)),
            self.i_profit,
        )

    def _numbers_one_by_one(self, cells: list[str]) -> list[Decimal]:
        """The slow path, for the exact error: each number on its own."""
        values = [
            plain_number(cells[self.i_volume], "volume", VOLUME),
            plain_number(cells[self.i_op], "open_price", PRICE),
            plain_number(cells[self.i_cp], "close_price", PRICE),
        ]
        for i, column in (
            (self.i_comm, "commission"),
            (self.i_swap, "swap"),
            (self.i_fees, "fees"),
        ):
            text = cells[i] if i is not None else ""
            values.append(plain_number(text, column, MONEY) if text else ZERO)
        values.append(plain_number(cells[self.i_profit], "profit", MONEY))
        return values

    def parse(self, cells: list[str], line: int) -> TradeRow | RowError | None:
        """One data row: a `TradeRow`, a `RowError`, or None for a blank line."""
        width = self.width
        if len(cells) != width and not _fits(cells, width):
            if not any(cell.strip() for cell in cells):
                return None
            return RowError(line, "", f"expected {width} columns, found {len(cells)}")
        cells.append("")
        try:
            side_text = cells[self.i_side]
            side = _SIDES.get(side_text) or _SIDES.get(side_text.strip().lower())
            if side is None:
                raise FieldError("side", f"side must be buy or sell, got {side_text!r}")
            numbers = self.numbers_of(cells)
            # One regex over all seven numbers is the fast path of the bulk format.
            if _NUMBERS.fullmatch("\x00".join(numbers)):
                values = [Decimal(text) if text else ZERO for text in numbers]
            else:
                values = self._numbers_one_by_one(cells)
            volume, open_price, close_price, commission, swap, fees, profit = values
            row = TradeRow(
                line,
                self.login_of(cells),
                cells[self.i_ticket].strip(),
                cells[self.i_symbol].strip(),
                side,
                volume,
                iso_time(cells[self.i_ot], self.tz, "open_time"),
                open_price,
                iso_time(cells[self.i_ct], self.tz, "close_time"),
                close_price,
                commission,
                swap,
                fees,
                profit,
            )
            _check(row, self.ctx)
        except FieldError as exc:
            return RowError(line, exc.column, exc.reason)
        return row


def parse_trades(stream: TextIO, ctx: ParseContext) -> Iterator[TradeRow | RowError]:
    """Yield a `TradeRow` or a `RowError` per data line of a canonical trades CSV."""
    reader = csv.reader(stream)
    layout = TradeLayout(reader, ctx)
    parse = layout.parse
    for cells in reader:
        row = parse(cells, reader.line_num)
        if row is not None:
            yield row


def parse_snapshots(stream: TextIO, ctx: ParseContext) -> Iterator[SnapshotRow | RowError]:
    """Yield a `SnapshotRow` or a `RowError` per data line of a canonical snapshots CSV."""
    reader = csv.reader(stream)
    index, width = _header(reader, SNAPSHOT_REQUIRED, "canonical snapshots CSV")
    login_of = _login_getter(index, ctx)
    i_time, i_balance, i_equity = (index[c] for c in SNAPSHOT_REQUIRED)
    for cells in reader:
        line = reader.line_num
        if len(cells) != width and not _fits(cells, width):
            if not any(cell.strip() for cell in cells):
                continue
            yield RowError(line, "", f"expected {width} columns, found {len(cells)}")
            continue
        try:
            row = SnapshotRow(
                line,
                login_of(cells),
                iso_time(cells[i_time].strip(), ctx.tz, "time"),
                plain_number(cells[i_balance].strip(), "balance", MONEY),
                plain_number(cells[i_equity].strip(), "equity", MONEY),
            )
            check_snapshot(row, ctx)
        except FieldError as exc:
            yield RowError(line, exc.column, exc.reason)
            continue
        yield row
