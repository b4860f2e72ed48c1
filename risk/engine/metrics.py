"""Account metrics from the timeline and the day book, plus the derived ratios the portal shows.

All money is int cents; ratios are basis points (int) or Decimal, never float.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from itertools import accumulate, islice, repeat
from operator import sub

from .daybook import DayBook
from .types import DayMetrics


def trade_stats(nets: list[int]) -> tuple[int, int, int, int]:
    """(wins, losses, gross profit, gross loss as a positive number). A net of 0 is neither."""
    wins = [n for n in nets if n > 0]
    losses = [n for n in nets if n < 0]
    return len(wins), len(losses), sum(wins), -sum(losses)


def drawdown_path(b0: int, equity: list[int]) -> list[int]:
    """Distance below the running peak at each point, ≤ 0: equity(t) − max(B0, equity(s), s ≤ t).
    The portal's drawdown chart draws it; `max_drawdown` is its deepest point."""
    peaks = accumulate(equity, max, initial=b0)
    next(peaks)
    return list(map(sub, equity, peaks))


def thinned_path(times: list[int], depths: list[int], slices: int) -> list[tuple[int, int]]:
    """`(time, depth)` points of a drawdown path for a chart: in each of `slices` equal runs its
    deepest and shallowest point, and the last point (the path's deepest point is always kept,
    so the chart's low is the max-drawdown statistic)."""
    total = len(depths)
    if total <= 2 * slices:
        kept = range(total)
    else:
        chosen = {total - 1}
        for k in range(slices):
            run = range(k * total // slices, (k + 1) * total // slices)
            if run:
                chosen.add(min(run, key=depths.__getitem__))
                chosen.add(max(run, key=depths.__getitem__))
        kept = sorted(chosen)
    return [(times[i], depths[i]) for i in kept]


def max_drawdown(b0: int, equity: list[int]) -> int:
    """Largest peak-to-trough fall of equity, starting from B0: max over t of
    (max_{s ≤ t} equity(s) − equity(t))."""
    return deepest_fall(drawdown_path(b0, equity))


def deepest_fall(depths: list[int]) -> int:
    """The max drawdown of a drawdown path (`drawdown_path`): its deepest point, as a fall ≥ 0."""
    return max(0, -min(depths, default=0))


def best_day_net(book: DayBook) -> int:
    """The highest closed net of a day with at least one close (0 without closes)."""
    nets = [n for n, c in zip(book.net, book.closed, strict=True) if c]
    return max(nets) if nets else 0


def day_metrics(
    book: DayBook,
    references: list[int],
    daily_floors: list[int] | None,
    total_floors: list[int] | None,
) -> list[DayMetrics]:
    """One DayMetrics per day of the book, oldest first."""
    starts = book.starts
    days = len(book.labels)
    nothing = repeat(None, days)
    return list(
        map(
            DayMetrics,
            book.labels,
            starts,
            islice(starts, 1, None),
            book.start_balance,
            book.start_equity,
            references,
            nothing if daily_floors is None else daily_floors,
            repeat(None, days) if total_floors is None else total_floors,
            book.end_balance,
            book.end_equity,
            book.min_equity,
            book.net,
            book.opened,
            book.closed,
            book.volume,
        )
    )


def _ratio_bp(part: int, whole: int) -> int | None:
    if whole <= 0:
        return None
    return (part * 20_000 + whole) // (2 * whole)


def win_rate_bp(wins: int, losses: int) -> int | None:
    """wins / (wins + losses) in basis points, half up; None without decided trades."""
    return _ratio_bp(wins, wins + losses)


def profit_factor(gross_profit: int, gross_loss: int) -> Decimal | None:
    """gross profit / gross loss to 2 decimals; None when there is no loss to divide by."""
    if gross_loss <= 0:
        return None
    return (Decimal(gross_profit) / Decimal(gross_loss)).quantize(
        Decimal("0.01"), rounding=ROUND_HALF_UP
    )


def average_win(gross_profit: int, wins: int) -> int | None:
    """Average winning trade in cents, half up."""
    return (gross_profit * 2 + wins) // (2 * wins) if wins else None


def average_loss(gross_loss: int, losses: int) -> int | None:
    """Average losing trade in cents (a positive number), half up."""
    return (gross_loss * 2 + losses) // (2 * losses) if losses else None


def best_day_share_bp(best_day: int, net_profit: int) -> int | None:
    """Best day's net as a share of the total net profit, in basis points; None unless the
    total is a profit."""
    return _ratio_bp(best_day, net_profit)
