"""Weekend holding: a position open at any instant of the weekly window
[start_day start_time, end_day end_time) in the rule's zone (default Friday 21:00 → Sunday 21:00
UTC), i.e. open_ts < window end and close_ts > window start. One breach per trade, at the first
instant it was held inside a window, keyed "weekend_holding:trade:<id>".

Windows are computed once per (parameters, year range) and cached; each trade costs one bisect.
"""

from __future__ import annotations

import threading
from bisect import bisect_right
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from ..daybook import DayBook
from ..days import local_instant
from ..timeline import Timeline
from ..types import Breach, RuleIn
from ..wording import format_utc

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
DEFAULTS = {
    "start_day": "friday",
    "start_time": "21:00",
    "end_day": "sunday",
    "end_time": "21:00",
    "tz": "UTC",
}
_CACHE: dict[tuple, tuple[int, int, list[int], list[int]]] = {}
_LOCK = threading.Lock()


def weekend_windows(params: dict, lo: int, hi: int) -> tuple[list[int], list[int]]:
    """(starts, ends) of the weekly windows, covering every window that overlaps [lo, hi]."""
    p = {**DEFAULTS, **{k: v for k, v in params.items() if v is not None}}
    key = (p["start_day"], p["start_time"], p["end_day"], p["end_time"], p["tz"])
    cached = _CACHE.get(key)
    if cached is not None and cached[0] <= lo and cached[1] >= hi:
        return cached[2], cached[3]
    with _LOCK:
        lo2 = min(lo, cached[0]) if cached else lo
        hi2 = max(hi, cached[1]) if cached else hi
        # Cover whole years around the request, so most accounts hit the cache.
        lo2 = int(datetime(_year(lo2) - 1, 1, 1, tzinfo=UTC).timestamp())
        hi2 = int(datetime(_year(hi2) + 2, 1, 1, tzinfo=UTC).timestamp())
        starts, ends = _build(key, lo2, hi2)
        _CACHE[key] = (lo2, hi2, starts, ends)
        return starts, ends


def _year(ts: int) -> int:
    return datetime.fromtimestamp(ts, UTC).year


def _build(key: tuple, lo: int, hi: int) -> tuple[list[int], list[int]]:
    start_day, start_time, end_day, end_time, tz = key
    zone = ZoneInfo(tz)
    sh, sm = (int(x) for x in start_time.split(":"))
    eh, em = (int(x) for x in end_time.split(":"))
    sd, ed = WEEKDAYS.index(start_day), WEEKDAYS.index(end_day)
    span_days = (ed - sd) % 7
    if span_days == 0 and (eh, em) <= (sh, sm):
        span_days = 7
    first = datetime.fromtimestamp(lo, zone).date() - timedelta(days=14)
    first = first + timedelta(days=(sd - first.weekday()) % 7)
    last = datetime.fromtimestamp(hi, zone).date() + timedelta(days=7)
    starts, ends = [], []
    day: date = first
    while day <= last:
        starts.append(local_instant(day, sh, sm, zone))
        ends.append(local_instant(day + timedelta(days=span_days), eh, em, zone))
        day += timedelta(days=7)
    return starts, ends


def weekend_holding(timeline: Timeline, book: DayBook, rule: RuleIn) -> list[Breach]:
    """One breach per trade held inside a weekend window."""
    if not timeline.trades:
        return []
    starts, ends = weekend_windows(rule.params, timeline.opens[0], max(timeline.closes))
    breaches = []
    for t in timeline.trades:
        j = bisect_right(ends, t.open_ts)
        if j < len(starts) and starts[j] < t.close_ts and t.open_ts < ends[j]:
            ts = max(t.open_ts, starts[j])
            breaches.append(
                Breach(
                    code="weekend_holding",
                    severity=rule.severity,
                    ts=ts,
                    threshold=0,
                    observed=min(t.close_ts, ends[j]) - ts,
                    unit="seconds",
                    key=f"weekend_holding:trade:{t.id}",
                    message=(
                        f"Trade #{t.ticket} ({t.symbol}) was held over the weekend "
                        f"(window from {format_utc(starts[j])} to {format_utc(ends[j])})."
                    ),
                    day=book.label(ts),
                    trade_ids=(t.id,),
                    details={"window_start_ts": starts[j], "window_end_ts": ends[j]},
                )
            )
    return breaches
