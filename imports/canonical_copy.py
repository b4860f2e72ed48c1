"""Canonical trades CSV straight to COPY text: the bulk-load path on PostgreSQL.

`TradeFile(stream, ctx)` is what the parser registry hands the service for a canonical trades
file. Iterating it yields `TradeRow` / `RowError` like every other parser (the ORM path);
`staged_text(...)` instead yields blocks of COPY text-format lines, the staged tuple
`(line, account_id, ticket, *values)` of each good row, without building a `TradeRow`, a
`Decimal` or a per-row `write_row` call:

    fast row: exact column count, known side, all seven numbers match the one regex,
              volume > 0, ticket/symbol within limits and without NUL, symbol printable
              ASCII (anything else is normalised and checked, symbols.py), ISO times parsed
              by fromisoformat, close >= open, open >= the window's earliest and close <= its
              latest (`window.py`; with open <= close that keeps both in), login found in
              the account map
              -> numbers are passed on as their (validated) text, times as their text when
                 it is `YYYY-MM-DDTHH:MM:SSZ`, else as the parsed UTC value's isoformat
    any other row goes through `TradeLayout.parse`, the full validator, so a bad row gets
    exactly the same (line, column, reason) as on the ORM path.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Iterator
from typing import TextIO

from .canonical import _NUMBERS, _SIDES, TradeLayout, parse_trades
from .rows import FieldError, ParseContext, RowError, TradeRow, before_start, unknown_account
from .values import UTC, to_utc

BLOCK_ROWS = 4096  # lines per copy.write(): big enough to amortise the call, small in memory
_SPECIAL = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def copy_text(value: str) -> str:
    """A text value escaped for COPY's text format (backslash, tab, newline, return)."""
    if "\\" in value or "\t" in value or "\n" in value or "\r" in value:
        return value.translate(_SPECIAL)
    return value


def staged_line(account_id: int, row: TradeRow) -> str:
    """The COPY line of a fully parsed row (the slow path's output)."""
    times = (row.open_time.isoformat(), row.close_time.isoformat())
    return (
        f"{row.line}\t{account_id}\t{copy_text(row.ticket)}\t{copy_text(row.symbol)}\t"
        f"{row.side}\t{row.volume}\t{times[0]}\t{row.open_price}\t{times[1]}\t"
        f"{row.close_price}\t{row.commission}\t{row.swap}\t{row.fees}\t{row.profit}\t"
        f"{_copy_price(row.stop_loss)}\t{_copy_price(row.take_profit)}\n"
    )


def _copy_price(value) -> str:
    """An optional price in COPY text: NULL (unknown) as \\N."""
    return "\\N" if value is None else str(value)


def is_utc_text(text: str) -> bool:
    """`YYYY-MM-DDTHH:MM:SSZ` (already checked by fromisoformat): PostgreSQL reads it as
    is, so the parsed value need not be formatted again.

    Every separator is checked: fromisoformat also takes 20-character forms such as
    `2026-03-02T09:30.50Z` (09:30:00.5) that PostgreSQL reads otherwise (00:09:30.5) or not
    at all (`…T080000,5Z`); those are sent as the parsed value's isoformat instead."""
    return (
        len(text) == 20
        and text[19] == "Z"
        and text[16] == ":"
        and text[13] == ":"
        and text[10] == "T"
        and text[7] == "-"
        and text[4] == "-"
    )


class TradeFile:
    """A canonical trades CSV; see the module docstring."""

    def __init__(self, stream: TextIO, ctx: ParseContext) -> None:
        self.stream, self.ctx = stream, ctx

    def __iter__(self) -> Iterator[TradeRow | RowError]:
        return parse_trades(self.stream, self.ctx)

    def staged_text(
        self,
        accounts: dict[str, int],
        errors: list[RowError],
        repeated: set,
        starts: dict[int, dt.datetime],
    ) -> Iterator[tuple[str, int]]:
        """Yield (block of COPY lines, rows in it); bad rows go to `errors`, keys seen more
        than once to `repeated` (as `(account_id, ticket)`), like `service._staged`; a trade
        opened before its account's start (`starts`: id -> started_at) is a row error."""
        reader = csv.reader(self.stream)
        layout = TradeLayout(reader, self.ctx)
        width, tz = layout.width, layout.tz
        i_ticket, i_symbol, i_side = layout.i_ticket, layout.i_symbol, layout.i_side
        i_ot, i_ct, i_account = layout.i_ot, layout.i_ct, layout.i_account
        fixed_id = None if i_account is not None else accounts.get(self.ctx.login or "")
        numbers_of, numbers_ok, sides = layout.numbers_of, _NUMBERS.fullmatch, _SIDES
        earliest, latest = self.ctx.window.earliest, self.ctx.window.latest
        fromiso, parse = dt.datetime.fromisoformat, layout.parse
        seen: set = set()
        block: list[str] = []
        append = block.append

        def slow(cells: list[str], line: int) -> None:
            row = parse(cells, line)
            if row is None:
                return
            if isinstance(row, RowError):
                errors.append(row)
                return
            account_id = accounts.get(row.login)
            if account_id is None:
                errors.append(unknown_account(row.line, row.login))
                return
            if row.open_time < starts[account_id]:
                errors.append(before_start(row.line, row.open_time, starts[account_id]))
                return
            key = (account_id, row.ticket)
            if key in seen:
                repeated.add(key)
            else:
                seen.add(key)
            append(staged_line(account_id, row))

        for cells in reader:
            line = reader.line_num
            if len(cells) != width:
                slow(cells, line)
            else:
                cells.append("")
                account_id = fixed_id if i_account is None else accounts.get(cells[i_account])
                side = sides.get(cells[i_side])
                ticket = cells[i_ticket].strip()
                symbol = cells[i_symbol].strip()
                numbers = numbers_of(cells)
                opened = closed = None
                if (
                    account_id is not None
                    and side is not None
                    and 0 < len(ticket) <= 64
                    and 0 < len(symbol) <= 32
                    and symbol.isascii()
                    and symbol.isprintable()
                    and "\x00" not in ticket
                    and "\x00" not in symbol
                    and numbers_ok("\x00".join(numbers))
                    and numbers[0][0] != "-"
                    and float(numbers[0]) > 0
                ):
                    ot_text, ct_text = cells[i_ot], cells[i_ct]
                    try:
                        opened, closed = fromiso(ot_text), fromiso(ct_text)
                        if opened.tzinfo is not UTC:
                            opened = to_utc(opened, tz, "open_time")
                        if closed.tzinfo is not UTC:
                            closed = to_utc(closed, tz, "close_time")
                    except (ValueError, FieldError):
                        opened = None
                if (
                    opened is None
                    or closed < opened
                    or opened < earliest
                    or closed > latest
                    or opened < starts[account_id]
                ):
                    cells.pop()
                    slow(cells, line)
                else:
                    key = (account_id, ticket)
                    if key in seen:
                        repeated.add(key)
                    else:
                        seen.add(key)
                    volume, o_price, c_price, commission, swap, fees, profit = numbers
                    if not is_utc_text(ot_text):
                        ot_text = opened.isoformat()
                    if not is_utc_text(ct_text):
                        ct_text = closed.isoformat()
                    append(
                        f"{line}\t{account_id}\t{copy_text(ticket)}\t{copy_text(symbol)}\t"
                        f"{side}\t{volume}\t{ot_text}\t{o_price}\t{ct_text}\t{c_price}\t"
                        f"{commission or '0'}\t{swap or '0'}\t{fees or '0'}\t{profit}"
                        "\t\\N\t\\N\n"  # no S/L, T/P columns on the fast path: unknown
                    )
            if len(block) >= BLOCK_ROWS:
                yield "".join(block), len(block)
                block.clear()
        if block:
            yield "".join(block), len(block)
