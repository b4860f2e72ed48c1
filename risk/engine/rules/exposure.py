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
    limit_text = format_volume(limit)
    return [
        Breach(
            code="max_position_size",
            severity=rule.severity,
            ts=t.open_ts,
            threshold=limit,
            observed=t.volume,
            unit="volume",
            key=f"max_position_size:trade:{t.id}",
            message=(
                f"Trade #{t.ticket} opened {format_volume(t.volume)} lots of {t.symbol}, "
                f"above the {limit_text} lot limit."
            ),
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
                    message=(
                        f"{format_volume(total)} lots were open at once at {format_utc(ts)} "
                        f"after trade #{trade.ticket} opened, above the "
                        f"{format_volume(limit)} lot limit."
                    ),
                    day=book.label(ts),
                    trade_ids=tuple(sorted(open_now)),
                    details={"ticket": trade.ticket},
                )
            )
        above = total > limit
    return breaches
