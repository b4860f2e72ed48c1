"""Rules about the risk one trade takes.

    max_loss_per_trade  a trade whose net loss is above the limit: percent × B0 (`percent`) or
                        a fixed amount (`amount`); one breach per trade at its close, keyed
                        "max_loss_per_trade:trade:<id>"
    stop_loss_required  a trade opened with no stop-loss set (stop_loss == 0); a trade whose
                        source cannot tell (stop_loss None: no S/L column) is never a breach;
                        one per trade at its open, "stop_loss_required:trade:<id>"
    all_in              a trade whose loss at its stop would take more than percent × the balance
                        at its open; with no stop set, the loss it could run to is the room to
                        the day's daily-loss limit at its open (needs a max_daily_loss rule;
                        without one, such a trade is not judged). One per trade at its open,
                        "all_in:trade:<id>"

The loss at the stop comes from the trade's own numbers, so no contract size is needed:
    value per price unit = profit / (close − open)   (signed; the same for buys and sells)
    loss at stop         = profit × (open − stop) / (close − open), rounded to the cent
A trade closed at its open price (no move) or without prices cannot be judged. Equal to a limit
is never a breach.
"""

from __future__ import annotations

from bisect import bisect_right

from ..daybook import DayBook
from ..params import Percent, money_cents
from ..timeline import Timeline
from ..types import Breach, RuleIn, TradeIn
from ..wording import format_money, format_percent


def loss_limit_cents(params: dict, b0: int) -> int:
    """The per-trade loss limit in cents: percent × B0, or the fixed amount."""
    if params.get("percent"):
        return Percent.parse(params["percent"]).of(b0)
    return money_cents(params["amount"])


def max_loss_per_trade(
    timeline: Timeline, book: DayBook, rule: RuleIn, currency: str
) -> list[Breach]:
    """One breach per trade with −net > the limit."""
    limit = loss_limit_cents(rule.params, timeline.b0)
    how = (
        f"{format_percent(rule.params['percent'])} of {format_money(timeline.b0, currency)}"
        if rule.params.get("percent")
        else "a fixed amount"
    )
    return [
        Breach(
            code="max_loss_per_trade",
            severity=rule.severity,
            ts=t.close_ts,
            threshold=limit,
            observed=-t.net,
            unit="cents",
            key=f"max_loss_per_trade:trade:{t.id}",
            message=(
                f"Trade #{t.ticket} ({t.symbol}) lost {format_money(-t.net, currency)}, above "
                f"the {format_money(limit, currency)} limit per trade ({how})."
            ),
            day=book.label(t.close_ts),
            trade_ids=(t.id,),
            details={"ticket": t.ticket, "symbol": t.symbol, "limit": limit},
        )
        for t in timeline.trades
        if -t.net > limit
    ]


def stop_loss_required(timeline: Timeline, book: DayBook, rule: RuleIn) -> list[Breach]:
    """One breach per trade opened with no stop-loss (0); unknown (None) is not judged."""
    return [
        Breach(
            code="stop_loss_required",
            severity=rule.severity,
            ts=t.open_ts,
            threshold=0,
            observed=0,
            unit="cents",
            key=f"stop_loss_required:trade:{t.id}",
            message=f"Trade #{t.ticket} ({t.symbol}) was opened without a stop-loss.",
            day=book.label(t.open_ts),
            trade_ids=(t.id,),
            details={"ticket": t.ticket, "symbol": t.symbol},
        )
        for t in timeline.trades
        if t.stop_loss == 0
    ]


def _round_div(num: int, den: int) -> int:
    """num / den rounded to the nearest integer, halves away from zero."""
    if den < 0:
        num, den = -num, -den
    value = (2 * abs(num) + den) // (2 * den)
    return -value if num < 0 else value


def loss_at_stop(trade: TradeIn) -> int | None:
    """Cents lost if the trade had closed at its stop-loss (≤ 0: the stop locks a profit);
    None when it cannot be known (no stop set or unknown, no prices, no price move)."""
    if not trade.stop_loss or not trade.open_price or trade.close_price == trade.open_price:
        return None
    profit = trade.net if trade.profit is None else trade.profit
    return _round_div(
        profit * (trade.open_price - trade.stop_loss), trade.close_price - trade.open_price
    )


def _balance_at(timeline: Timeline, ts: int) -> tuple[int, int]:
    """(balance, running flows) after every event at or before ts."""
    i = bisect_right(timeline.times, ts) - 1
    if i < 0:
        return timeline.b0, 0
    return timeline.balances[i], timeline.flows[i]


def all_in(
    timeline: Timeline,
    book: DayBook,
    rule: RuleIn,
    currency: str,
    daily_limits: list[int] | None,
) -> list[Breach]:
    """One breach per trade whose loss at its stop (or at the daily limit, with no stop)
    is above percent × the balance at its open."""
    percent = Percent.parse(rule.params["percent"])
    money = format_money
    breaches: list[Breach] = []
    for t in timeline.trades:
        balance, flow = _balance_at(timeline, t.open_ts)
        if t.stop_loss == 0:
            if daily_limits is None:
                continue
            k = book.index(t.open_ts)
            limit = daily_limits[k] + flow - book.start_flow[k]
            risk, at = balance - limit, f"the daily loss limit {money(limit, currency)}"
        else:
            risk = loss_at_stop(t)
            if risk is None:
                continue
            at = "its stop-loss"
        allowed = percent.of(balance)
        if risk <= allowed:
            continue
        breaches.append(
            Breach(
                code="all_in",
                severity=rule.severity,
                ts=t.open_ts,
                threshold=allowed,
                observed=risk,
                unit="cents",
                key=f"all_in:trade:{t.id}",
                message=(
                    f"Trade #{t.ticket} ({t.symbol}) risked {money(risk, currency)} at {at}, "
                    f"above {format_percent(rule.params['percent'])} of the "
                    f"{money(balance, currency)} balance ({money(allowed, currency)})."
                ),
                day=book.label(t.open_ts),
                trade_ids=(t.id,),
                details={"ticket": t.ticket, "balance": balance, "stop_set": t.stop_loss != 0},
            )
        )
    return breaches
