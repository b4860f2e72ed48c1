"""The trades behind a breach: those closed in the breach's day up to the breach and the
positions open at that instant (which carry the floating loss)."""

from __future__ import annotations

from bisect import bisect_left, bisect_right

from ..timeline import Timeline

_LOOKAHEAD = 500  # later closes examined for positions still open at the breach
MAX_EVIDENCE = 50


def evidence_trades(timeline: Timeline, day_start: int, ts: int) -> tuple[int, ...]:
    """Ids of trades closed in [day_start, ts] and of trades open at ts, at most 50."""
    closes, trades = timeline.closes, timeline.trades
    lo = bisect_left(closes, day_start)
    hi = bisect_right(closes, ts)
    ids = [trades[i].id for i in range(max(lo, hi - MAX_EVIDENCE), hi)]
    for i in range(hi, min(len(trades), hi + _LOOKAHEAD)):
        if len(ids) >= MAX_EVIDENCE:
            break
        if trades[i].open_ts <= ts:
            ids.append(trades[i].id)
    return tuple(ids)
