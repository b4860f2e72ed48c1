"""Trading statistics of one account, as traders compare them across firms: pure functions over
plain data, Decimal money, no ORM.

The database groups the account's trades by (symbol, side) (`portal.selectors.trade_groups`)
and sends the outcome of each trade in close order (`trade_outcomes`); everything below combines
those, so a page never loads the trade history itself. Definitions (docs/portal.md,
"Statistics"):

- a win is a trade with net > 0, a loss net < 0, a breakeven net = 0 (the engine's rule,
  `risk.engine.metrics.trade_stats`); net = profit + commission + swap + fees;
- expectancy = net profit / trades (the average net per trade);
- average win / average loss ratio = (gross profit / wins) / (gross loss / losses);
- holding time = close time − open time; the average is their sum / trades;
- lots = volume; long/short and per-symbol rows split the same trades, so they add up to the
  total;
- a streak is a run of consecutive wins (or losses) in close order; a breakeven ends both.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
ZERO = Decimal("0.00")


@dataclass(frozen=True)
class TradeGroup:
    """Aggregates of the trades of one symbol on one side (one row of the database's GROUP BY)."""

    symbol: str
    side: str  # "buy" | "sell"
    trades: int
    wins: int
    losses: int
    lots: Decimal
    net: Decimal
    gross_profit: Decimal  # sum of the wins' net
    gross_loss: Decimal  # sum of the losses' net, as a positive amount
    holding_seconds: int  # sum of close − open over the group's trades

    @property
    def breakevens(self) -> int:
        return self.trades - self.wins - self.losses


@dataclass(frozen=True)
class Breakdown:
    """The figures of a set of trades: all of them, one side, or one symbol."""

    label: str
    trades: int
    wins: int
    losses: int
    breakevens: int
    lots: Decimal
    net: Decimal
    gross_profit: Decimal
    gross_loss: Decimal
    holding_seconds: int

    @property
    def win_rate(self) -> Decimal | None:
        """Wins as a percentage of all trades (one decimal), None without trades."""
        if not self.trades:
            return None
        return (Decimal(self.wins) * 100 / self.trades).quantize(Decimal("0.1"), ROUND_HALF_UP)

    @property
    def expectancy(self) -> Decimal | None:
        """Average net per trade: net / trades, to the cent."""
        return _per(self.net, self.trades)

    @property
    def average_win(self) -> Decimal | None:
        return _per(self.gross_profit, self.wins)

    @property
    def average_loss(self) -> Decimal | None:
        """A positive amount."""
        return _per(self.gross_loss, self.losses)

    @property
    def win_loss_ratio(self) -> Decimal | None:
        """Average win / average loss (two decimals); None without a win or a loss."""
        if not self.wins or not self.losses or not self.gross_loss:
            return None
        ratio = (self.gross_profit / self.wins) / (self.gross_loss / self.losses)
        return ratio.quantize(CENT, ROUND_HALF_UP)

    @property
    def average_holding(self) -> dt.timedelta | None:
        """Average of close − open, to the second."""
        if not self.trades:
            return None
        return dt.timedelta(seconds=round(self.holding_seconds / self.trades))


def _per(amount: Decimal, count: int) -> Decimal | None:
    return (amount / count).quantize(CENT, ROUND_HALF_UP) if count else None


def combine(label: str, groups: Iterable[TradeGroup]) -> Breakdown:
    """The Breakdown of the union of these groups' trades."""
    groups = list(groups)
    return Breakdown(
        label=label,
        trades=sum(g.trades for g in groups),
        wins=sum(g.wins for g in groups),
        losses=sum(g.losses for g in groups),
        breakevens=sum(g.breakevens for g in groups),
        lots=sum((g.lots for g in groups), Decimal(0)),
        net=sum((g.net for g in groups), ZERO),
        gross_profit=sum((g.gross_profit for g in groups), ZERO),
        gross_loss=sum((g.gross_loss for g in groups), ZERO),
        holding_seconds=sum(g.holding_seconds for g in groups),
    )


@dataclass(frozen=True)
class Streaks:
    longest_wins: int
    longest_losses: int
    current: int  # > 0: the current run of wins, < 0: of losses, 0: last trade broke even


def streaks(outcomes: Sequence[int]) -> Streaks:
    """Longest runs of wins and losses in `outcomes` (the sign of each trade's net, 1 / -1 / 0,
    in close order), and the run the account is on now."""
    longest = {1: 0, -1: 0}
    run_sign, run = 0, 0
    for sign in outcomes:
        if sign != 0 and sign == run_sign:
            run += 1
        else:
            run_sign, run = sign, (1 if sign != 0 else 0)
        if sign != 0:
            longest[sign] = max(longest[sign], run)
    return Streaks(longest[1], longest[-1], run * run_sign)


@dataclass(frozen=True)
class TradeStatistics:
    total: Breakdown
    long: Breakdown
    short: Breakdown
    symbols: list[Breakdown]  # most traded first, then by name
    streaks: Streaks


def trade_statistics(groups: Iterable[TradeGroup], outcomes: Sequence[int]) -> TradeStatistics:
    """Every figure of the statistics page from the (symbol, side) groups and the outcomes."""
    groups = list(groups)
    names = sorted({g.symbol for g in groups})
    symbols = [combine(name, (g for g in groups if g.symbol == name)) for name in names]
    symbols.sort(key=lambda b: (-b.trades, b.label))
    return TradeStatistics(
        total=combine("All trades", groups),
        long=combine("Long", (g for g in groups if g.side == "buy")),
        short=combine("Short", (g for g in groups if g.side == "sell")),
        symbols=symbols,
        streaks=streaks(outcomes),
    )


def format_duration(value: dt.timedelta | None) -> str:
    """A holding time as traders read it: "2 d 3 h", "3 h 05 min", "4 min 10 s", "—"."""
    if value is None:
        return "—"
    seconds = int(value.total_seconds())
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        return f"{days} d {hours} h"
    if hours:
        return f"{hours} h {minutes:02d} min"
    if minutes:
        return f"{minutes} min {secs:02d} s"
    return f"{secs} s"
