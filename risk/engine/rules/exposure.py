"""Position size limits.

    max_position_size  breach for every trade with volume > max_volume (one per trade, keyed
                       "max_position_size:trade:<id>", at the trade's open)
    max_open_volume    sweep the open/close intervals; breach each time the sum of volumes of
                       simultaneously open positions rises above max_volume (keyed by the trade
                       whose opening crossed it: "max_open_volume:trade:<id>")

A position closed at t and another opened at t are not simultaneous. Equal is not a breach.
"""

from __future__ import annotations

from ..daybook import DayBook
from ..params import volume_units
from ..timeline import Timeline
from ..types import Breach, RuleIn
from ..wording import format_utc, format_volume


def max_position_size(timeline: Timeline, book: DayBook, rule: RuleIn) -> list[Breach]:
    """One breach per trade whose volume exceeds the limit."""
    limit = volume_units(rule.params["max_volume"])
    return [
        Breach(
            code="max_position_size",
            severity=rule.severity,
            ts=t.open_ts,
            threshold=limit,
            observed=t.volume,
            unit="volume",
            key=f"max_position_size:trade:{t.id}",
            message=oversize_message(f"Trade #{t.ticket}", t.volume, limit, t.symbol),
            day=book.label(t.open_ts),
            trade_ids=(t.id,),
            details={"ticket": t.ticket, "symbol": t.symbol},
        )
        for t in timeline.trades
        if t.volume > limit
    ]


def max_open_volume(timeline: Timeline, book: DayBook, rule: RuleIn) -> list[Breach]:
    """Breaches where the open volume crosses above the limit."""
    limit = volume_units(rule.params["max_volume"])
    if sum(timeline.open_volumes) <= limit:
        return []
    events = []
    for t in timeline.trades:
        events.append((t.open_ts, 1, t.volume, t))
        events.append((t.close_ts, 0, -t.volume, t))
    events.sort(key=lambda e: (e[0], e[1], e[3].id))
    breaches: list[Breach] = []
    open_now: dict[int, int] = {}
    total = 0
    above = False
    for ts, is_open, delta, trade in events:
        total += delta
        if is_open:
            open_now[trade.id] = trade.volume
        else:
            open_now.pop(trade.id, None)
        if total > limit and not above and is_open:
            breaches.append(
                Breach(
                    code="max_open_volume",
                    severity=rule.severity,
                    ts=ts,
                    threshold=limit,
                    observed=total,
                    unit="volume",
                    key=f"max_open_volume:trade:{trade.id}",
                    message=open_volume_message(total, ts, f"trade #{trade.ticket}", limit),
                    day=book.label(ts),
                    trade_ids=tuple(sorted(open_now)),
                    details={"ticket": trade.ticket},
                )
            )
        above = total > limit
    return breaches


def oversize_message(what: str, volume: int, limit: int, symbol: str | None = None) -> str:
    """ "Trade #T1 opened 5 lots of EURUSD, above the 2 lot limit." (`what` names the position;
    the symbol is left out when unknown). Shared with the live evaluator."""
    of = f" of {symbol}" if symbol else ""
    lots = format_volume(volume)
    return f"{what} opened {lots} lots{of}, above the {format_volume(limit)} lot limit."


def open_volume_message(total: int, ts: int, what: str, limit: int) -> str:
    """ "6 lots were open at once at … after trade #T3 opened, above the 5 lot limit."."""
    return (
        f"{format_volume(total)} lots were open at once at {format_utc(ts)} "
        f"after {what} opened, above the {format_volume(limit)} lot limit."
    )
