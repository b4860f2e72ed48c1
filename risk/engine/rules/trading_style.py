"""Rules about how a trader trades, judged trade by trade in the order positions opened.

    min_holding_time    too much from trades held under `seconds` (close − open < seconds):
                        over the trades closed so far (at least `min_trades`), their share of the
                        trades (`measure=trades`) or of the gross profit (`measure=profit`: the
                        sum of positive nets) above `percent`. One breach per account at the
                        first close where it happens, "min_holding_time"; the short trades so
                        far are the evidence.
    max_trades_per_day  more than `trades` positions opened in one trading day: a breach at the
                        opening of the first one too many, "max_trades_per_day:<day>"
    lot_consistency     a position larger than `multiple` × the average size of the positions
                        opened before it (once `min_trades` were opened), one per trade at its
                        open, "lot_consistency:trade:<id>"
    martingale          adding to a losing position with a larger size `times` times in a row:
                        on one symbol and side, a position opened while the previous one of the
                        chain is still open, at a worse price (lower for a buy, higher for a
                        sell: the previous one is losing) and with a larger volume. The
                        `times`-th such addition is a breach at its open, keyed by the chain's
                        first trade, "martingale:trade:<id>"; the chain is the evidence.

Every rule decides from what happened up to its breach, so later trades never move it.
"""

from __future__ import annotations

from decimal import Decimal

from ..daybook import DayBook
from ..params import Percent
from ..timeline import Timeline
from ..types import Breach, RuleIn, TradeIn
from ..wording import format_money, format_percent, format_volume
from .evidence import MAX_EVIDENCE


def _by_open(timeline: Timeline) -> list[TradeIn]:
    return sorted(timeline.trades, key=lambda t: (t.open_ts, t.id))


def min_holding_time(
    timeline: Timeline, book: DayBook, rule: RuleIn, currency: str
) -> list[Breach]:
    """The first close where the short trades' share is above `percent`."""
    params = rule.params
    seconds, minimum = int(params["seconds"]), int(params["min_trades"])
    percent = Percent.parse(params["percent"])
    by_profit = params["measure"] == "profit"
    count = short = total_profit = short_profit = 0
    short_ids: list[int] = []
    for t in timeline.trades:
        count += 1
        gain = max(t.net, 0)
        total_profit += gain
        if t.close_ts - t.open_ts < seconds:
            short += 1
            short_profit += gain
            short_ids.append(t.id)
        if count < minimum:
            continue
        if by_profit:
            part, whole = short_profit, total_profit
            broken = whole > 0 and not percent.at_most(part, whole)
        else:
            part, whole = short, count
            broken = not percent.at_most(part, whole)
        if not broken:
            continue
        what = (
            f"{format_money(part, currency)} of {format_money(whole, currency)} profit"
            if by_profit
            else f"{part} of {whole} trades"
        )
        return [
            Breach(
                code="min_holding_time",
                severity=rule.severity,
                ts=t.close_ts,
                threshold=percent.bp,
                observed=part * 10_000 // whole,
                unit="percent_bp",
                key="min_holding_time",
                message=(
                    f"{what} came from positions held under {seconds} seconds, above "
                    f"{format_percent(params['percent'])}."
                ),
                day=book.label(t.close_ts),
                trade_ids=tuple(short_ids[-MAX_EVIDENCE:]),
                details={"part": part, "whole": whole, "measure": params["measure"]},
            )
        ]
    return []


def max_trades_per_day(timeline: Timeline, book: DayBook, rule: RuleIn) -> list[Breach]:
    """A breach per day at the opening of the first trade above the limit."""
    limit = int(rule.params["trades"])
    breaches: list[Breach] = []
    day_of: dict[int, list[int]] = {}
    for t in _by_open(timeline):
        k = book.index(t.open_ts)
        ids = day_of.setdefault(k, [])
        ids.append(t.id)
        if len(ids) != limit + 1:
            continue
        day = book.labels[k]
        breaches.append(
            Breach(
                code="max_trades_per_day",
                severity=rule.severity,
                ts=t.open_ts,
                threshold=limit,
                observed=limit + 1,
                unit="trades",
                key=f"max_trades_per_day:{day}",
                message=(
                    f"Trade #{t.ticket} was position {limit + 1} opened on trading day {day}, "
                    f"above the limit of {limit} a day."
                ),
                day=day,
                trade_ids=tuple(ids[-MAX_EVIDENCE:]),
                details={"ticket": t.ticket},
            )
        )
    return breaches


def lot_consistency(timeline: Timeline, book: DayBook, rule: RuleIn) -> list[Breach]:
    """One breach per trade above `multiple` × the average size of the earlier positions."""
    num, den = Decimal(rule.params["multiple"]).as_integer_ratio()
    minimum = int(rule.params["min_trades"])
    total = 0
    breaches: list[Breach] = []
    for count, t in enumerate(_by_open(timeline)):
        if count >= minimum and t.volume * count * den > num * total:
            average = total // count
            breaches.append(
                Breach(
                    code="lot_consistency",
                    severity=rule.severity,
                    ts=t.open_ts,
                    threshold=num * total // (den * count),
                    observed=t.volume,
                    unit="volume",
                    key=f"lot_consistency:trade:{t.id}",
                    message=(
                        f"Trade #{t.ticket} opened {format_volume(t.volume)} lots of "
                        f"{t.symbol}, above {rule.params['multiple']} × the average "
                        f"{format_volume(average)} lots of the {count} positions before it."
                    ),
                    day=book.label(t.open_ts),
                    trade_ids=(t.id,),
                    details={"ticket": t.ticket, "average": average, "count": count},
                )
            )
        total += t.volume
    return breaches


def _adds_to_loser(last: TradeIn, t: TradeIn) -> bool:
    """t opened while `last` is open, at a worse price for `last`, with a larger volume."""
    if not (last.open_ts <= t.open_ts < last.close_ts) or t.volume <= last.volume:
        return False
    if not t.open_price or not last.open_price:
        return False
    if t.side == "buy":
        return t.open_price < last.open_price
    return t.open_price > last.open_price


def martingale(timeline: Timeline, book: DayBook, rule: RuleIn) -> list[Breach]:
    """A breach per chain at its `times`-th larger addition to a losing position."""
    times = int(rule.params["times"])
    chains: dict[tuple[str, str], list[TradeIn]] = {}
    breaches: list[Breach] = []
    for t in _by_open(timeline):
        key = (t.symbol.upper(), t.side)
        chain = chains.get(key)
        if chain and _adds_to_loser(chain[-1], t):
            chain.append(t)
        else:
            chains[key] = chain = [t]
        if len(chain) - 1 != times:
            continue
        first = chain[0]
        sizes = " → ".join(format_volume(c.volume) for c in chain)
        breaches.append(
            Breach(
                code="martingale",
                severity=rule.severity,
                ts=t.open_ts,
                threshold=times,
                observed=times,
                unit="trades",
                key=f"martingale:trade:{first.id}",
                message=(
                    f"{t.symbol} {t.side} positions were added to a losing position with a "
                    f"larger size {times} times in a row (lots {sizes}), from trade "
                    f"#{first.ticket}."
                ),
                day=book.label(t.open_ts),
                trade_ids=tuple(c.id for c in chain[:MAX_EVIDENCE]),
                details={"tickets": [c.ticket for c in chain]},
            )
        )
    return breaches
