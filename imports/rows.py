"""What a parser hands to the import service: parsed rows, row errors, and file errors.

A parser never writes and never raises for a bad row: it yields a `RowError` (line, column,
reason) and goes on. Only a file it cannot read at all raises `ImportFileError`, whose
message is shown to the person who imported it.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING

from .symbols import normalised_symbol, symbol_problem
from .window import TimeWindow, import_window

if TYPE_CHECKING:
    from .zones import AccountZones


class ImportFileError(Exception):
    """The whole file is unusable (wrong format, empty, encoding, too big): nothing is written."""


@dataclass(frozen=True, slots=True)
class RowError:
    """One rejected row. `line` is the file's line number (1 = header) or the API item index."""

    line: int
    column: str
    reason: str

    def as_dict(self) -> dict:
        return {"line": self.line, "column": self.column, "reason": self.reason}


def unknown_account(line: int, login: str) -> RowError:
    """The error of a row whose login matches no trading account."""
    return RowError(line, "account", f"unknown account {login!r}")


class FieldError(ValueError):
    """Raised by the value parsers; the parser turns it into a `RowError` for its line."""

    def __init__(self, column: str, reason: str) -> None:
        super().__init__(f"{column}: {reason}")
        self.column = column
        self.reason = reason


@dataclass(slots=True)
class TradeRow:
    """A closed position as read from a file or API item; times are aware UTC."""

    line: int
    login: str
    ticket: str
    symbol: str
    side: str
    volume: Decimal
    open_time: dt.datetime
    open_price: Decimal
    close_time: dt.datetime
    close_price: Decimal
    commission: Decimal
    swap: Decimal
    fees: Decimal
    profit: Decimal
    stop_loss: Decimal | None = None  # None: the source has no S/L; 0: none set
    take_profit: Decimal | None = None

    def key(self) -> str:
        return self.ticket

    def values(self) -> tuple:
        """The stored columns after (account, key), in `specs.TRADES.value_columns` order."""
        return (
            self.symbol,
            self.side,
            self.volume,
            self.open_time,
            self.open_price,
            self.close_time,
            self.close_price,
            self.commission,
            self.swap,
            self.fees,
            self.profit,
            self.stop_loss,
            self.take_profit,
        )


@dataclass(frozen=True, slots=True)
class BalanceRow:
    """A statement's non-trading row: a deposit, withdrawal, credit or broker charge.

    Never a trade (it stays out of trade P&L); the import counts it, and imports it as a
    balance operation only when asked (`ImportBatch.balance_rows`). `ticket` is the platform's
    ticket or deal number, which keys the operation so a re-import does not add it twice.
    """

    line: int
    login: str
    ticket: str
    type: str  # the platform's word: balance, credit, charge, correction, bonus…
    time: dt.datetime
    amount: Decimal
    comment: str


@dataclass(slots=True)
class SnapshotRow:
    """An equity snapshot (time, balance, equity) for one account; time is aware UTC."""

    line: int
    login: str
    time: dt.datetime
    balance: Decimal
    equity: Decimal

    def key(self) -> dt.datetime:
        return self.time

    def values(self) -> tuple:
        return (self.balance, self.equity)


ZERO = Decimal("0")
MONEY_LIMIT = Decimal(10) ** 9  # a trade's amounts, like every parsed amount (values.MONEY)
# What PostgreSQL text cannot hold: NUL (a raw 0x00 byte in the file), an unpaired surrogate.
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def unstorable(text: str) -> bool:
    """Whether `text` holds what PostgreSQL text cannot store."""
    return _UNSTORABLE.search(text) is not None


def storable(text: str) -> str:
    """`text` without what PostgreSQL text cannot store (for free text such as a comment)."""
    return _UNSTORABLE.sub("", text)


def check_trade(row: TradeRow, ctx: ParseContext) -> None:
    """Invariants every trade must hold whatever its source; raises `FieldError`.

    The times must lie in the import's window (`window.py`); `ctx.tz` is the zone its times
    without an offset were read in, named in the error of a time hours ahead.
    """
    if not row.ticket:
        raise FieldError("ticket", "missing ticket")
    if len(row.ticket) > 64:
        raise FieldError("ticket", "ticket longer than 64 characters")
    if not row.symbol.isascii():
        row.symbol = normalised_symbol(row.symbol)
    if not row.symbol:
        raise FieldError("symbol", "missing symbol")
    if len(row.symbol) > 32:
        raise FieldError("symbol", "symbol longer than 32 characters")
    for column, text in (("ticket", row.ticket), ("symbol", row.symbol)):
        if unstorable(text):
            raise FieldError(column, f"{column} {text!r} holds a NUL or an unpaired surrogate")
    problem = symbol_problem(row.symbol)
    if problem:
        raise FieldError("symbol", problem)
    # Fees may be computed (cTrader: net - gross - costs; NinjaTrader: a sum of fee columns)
    # and net is stored too, so both must fit the money columns like every parsed amount.
    if abs(row.fees) >= MONEY_LIMIT:
        raise FieldError("fees", f"fees too large: {row.fees}")
    net = row.profit + row.commission + row.swap + row.fees
    if abs(net) >= MONEY_LIMIT:
        raise FieldError("profit", f"net profit (profit + costs) too large: {net}")
    if row.volume <= ZERO:
        raise FieldError("volume", f"volume must be positive, got {row.volume}")
    if row.close_time < row.open_time:
        raise FieldError(
            "close_time",
            f"closes before it opens ({row.close_time:%Y-%m-%d %H:%M:%S} < "
            f"{row.open_time:%Y-%m-%d %H:%M:%S} UTC)",
        )
    window = ctx.window
    # open <= close here, so these two bounds keep both times inside the window
    if row.open_time < window.earliest:
        raise FieldError("open_time", window.refusal(row.open_time, ctx.zone_for(row.login)))
    if row.close_time > window.latest:
        raise FieldError("close_time", window.refusal(row.close_time, ctx.zone_for(row.login)))


def before_start(line: int, opened: dt.datetime, started: dt.datetime) -> RowError:
    """The error of a trade opened before its account started (a file for another account,
    or history of an account migrated with the wrong start date)."""
    return RowError(
        line,
        "open_time",
        f"opened {opened.astimezone(dt.UTC):%Y-%m-%d %H:%M:%S} UTC, before the account started "
        f"({started.astimezone(dt.UTC):%Y-%m-%d %H:%M:%S} UTC); correct the account's start "
        "date if this is its history",
    )


def check_snapshot(row: SnapshotRow, ctx: ParseContext) -> None:
    """A snapshot's time must lie in the import's window; raises `FieldError`."""
    reason = ctx.window.refusal(row.time, ctx.tz)
    if reason:
        raise FieldError("time", reason)


@dataclass(frozen=True, slots=True)
class ParseContext:
    """What a parser needs besides the bytes: the broker zone and the account, when given,
    and the time window of the import (made when the context is, so "now" is read once)."""

    tz: dt.tzinfo
    login: str | None = None
    encoding: str = "utf-8-sig"
    date_order: str = "auto"  # "dmy" / "mdy" when the person importing says (csvlocale.py)
    # login -> currency of the accounts a report may be for; a report stating another
    # currency is refused (None: not checked)
    currencies: dict[str, str] | None = None
    window: TimeWindow = field(default_factory=import_window)
    # the zone of each account a row names, when no zone was chosen for the import
    zones: AccountZones | None = None

    def zone_for(self, login: str | None) -> dt.tzinfo:
        """The zone the times of a row of account `login` are read in: the import's chosen
        zone, else that account's server zone, else UTC (recorded, for the warning)."""
        if self.zones is None or login is None:
            return self.tz
        return self.zones.zone_for(login)
