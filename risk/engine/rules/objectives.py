"""Objectives: rules to meet, never breaches.

    profit_target     balance ≥ B0 × (1 + percent), with no position open at that instant
                      (with closed trades only, a position is open from open_ts to close_ts)
    min_trading_days  distinct trading days (phase tz) with at least one position opened ≥ N
    consistency       best day's net ≤ percent × total net, total > 0; met once
                      total ≥ best day / percent. With applies_to="payout" it is a payout gate
                      counted from `payout_cycle_start_ts`.

The balance the profit target looks at leaves out deposits and withdrawals.
"""

from __future__ import annotations

import datetime as dt
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TypeVar

from ..daybook import DayBook
from ..params import Percent
from ..timeline import Timeline
from ..types import AccountIn, ObjectiveProgress, RuleIn
from ..wording import format_bp, format_money, format_percent


def profit_target_amount(b0: int, rule: RuleIn) -> int:
    """The profit the target asks for, in cents: percent × B0."""
    return Percent.parse(rule.params["percent"]).of(b0)


def target_reached_ts(timeline: Timeline, target_balance: int) -> int | None:
    """The first instant the trading balance is ≥ target_balance with no position open."""
    balances = timeline.trading_balances()
    if not balances or max(balances) < target_balance:
        return None
    opens, closes, times = timeline.opens, timeline.closes, timeline.times
    for i, balance in enumerate(balances):
        if balance >= target_balance:
            t = times[i]
            if bisect_right(opens, t) - bisect_right(closes, t) == 0:
                return t
    return None


def profit_target(timeline: Timeline, rule: RuleIn, currency: str) -> ObjectiveProgress:
    """Progress toward the profit target; `details["reached_ts"]` is when it was first met."""
    b0 = timeline.b0
    target = profit_target_amount(b0, rule)
    balances = timeline.trading_balances()
    balance = balances[-1] if balances else b0
    profit = balance - b0
    open_now = timeline.open_positions_at(timeline.end_ts)
    met = balance >= b0 + target and open_now == 0
    reached = target_reached_ts(timeline, b0 + target)
    money = format_money
    detail = (
        f"Profit {money(profit, currency)} of the {money(target, currency)} target "
        f"({format_percent(rule.params['percent'])} of {money(b0, currency)})"
    )
    if balance >= b0 + target and open_now:
        detail += "; close every position to meet it"
    return ObjectiveProgress(
        code="profit_target",
        met=met,
        current=profit,
        target=target,
        unit="cents",
        detail=detail + ".",
        details={"reached_ts": reached, "target_balance": b0 + target},
    )


def min_trading_days(book: DayBook, rule: RuleIn) -> ObjectiveProgress:
    """Distinct trading days with a position opened, against the minimum N."""
    needed = int(rule.params["days"])
    days = sum(1 for n in book.opened if n)
    return ObjectiveProgress(
        code="min_trading_days",
        met=days >= needed,
        current=days,
        target=needed,
        unit="days",
        detail=f"{days} of {needed} trading days.",
    )


@dataclass(frozen=True, slots=True)
class ConsistencyGate:
    """The consistency rule decided over some trading days' nets (cents)."""

    met: bool
    best: int  # the best day's net (0 without days)
    total: int  # the total net of the days
    share_bp: int  # best / total in basis points, half up (0 unless total > 0)
    needed_total: int | None  # the smallest total that meets the rule, when best > 0


def consistency_gate(day_nets: Sequence[int], percent: Percent) -> ConsistencyGate:
    """best day's net ≤ percent × total net, with total > 0 (PRODUCT.md §2).

    The one definition of the consistency rule, for the pass objective, the payout gate the
    engine reports and the payout eligibility check (`payouts.eligibility`). Met once
    total ≥ best / percent (rounded up to the cent).
    """
    total = sum(day_nets)
    best = max(day_nets) if day_nets else 0
    if total > 0:
        share = (best * 20000 + total) // (2 * total)
        met = percent.at_most(best, total)
    else:
        share, met = 0, False
    needed = percent.whole_needed(best) if best > 0 else None
    return ConsistencyGate(met=met, best=best, total=total, share_bp=share, needed_total=needed)


Moment = TypeVar("Moment", int, dt.datetime)


def payout_cycle_start(started: Moment, withdrawals: Iterable[Moment]) -> Moment:
    """When the current payout cycle began: the last withdrawal (every paid payout records
    one), else the account's start. The one definition, for the engine's payout gate (epoch
    seconds) and payout eligibility (aware datetimes)."""
    return max([started, *withdrawals])


def day_nets_since(
    day_starts: list[int], closes: list[int], nets: list[int], since: int
) -> list[int]:
    """Closed net per trading day with at least one close, counting closes at or after `since`.

    `day_starts` are consecutive resets (day k is [day_starts[k], day_starts[k + 1])) covering
    every close; `closes` is sorted and `nets[i]` is the net of the trade closed at closes[i].
    """
    out = []
    c = bisect_left(closes, since)
    first_day = max(bisect_right(day_starts, since) - 1, 0)
    for k in range(first_day, len(day_starts) - 1):
        if c >= len(closes):
            break
        hi = bisect_left(closes, day_starts[k + 1], c)
        if hi > c:
            out.append(sum(nets[c:hi]))
            c = hi
    return out


def consistency(
    timeline: Timeline, book: DayBook, rule: RuleIn, account: AccountIn
) -> ObjectiveProgress:
    """Best day's net against percent × total net; current/target in basis points."""
    percent = Percent.parse(rule.params["percent"])
    applies_to = rule.params.get("applies_to", "objective")
    currency = account.currency
    since = account.payout_cycle_start_ts if applies_to == "payout" else 0
    gate = consistency_gate(
        day_nets_since(book.starts, timeline.closes, timeline.nets, since), percent
    )
    total, best, share, needed = gate.total, gate.best, gate.share_bp, gate.needed_total
    money = format_money
    limit = format_percent(rule.params["percent"])
    if total <= 0:
        detail = f"Total net profit {money(total, currency)}: a profit is needed first."
    elif gate.met:
        detail = (
            f"Best day {money(best, currency)} is {format_bp(share)} of total "
            f"{money(total, currency)} (at most {limit})."
        )
    else:
        detail = (
            f"Best day {money(best, currency)} is {format_bp(share)} of total "
            f"{money(total, currency)}, above {limit}; met once total ≥ "
            f"{money(needed, currency)}."
        )
    return ObjectiveProgress(
        code="consistency",
        met=gate.met,
        current=share,
        target=percent.bp,
        unit="percent_bp",
        detail=detail,
        applies_to=applies_to,
        details={"best_day_net": best, "total_net": total, "needed_total": needed},
    )
