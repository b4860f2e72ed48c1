"""Trading days: the intervals between two daily resets at `reset_hour` in `reset_tz`.

A day d is [reset_d, reset_{d+1}). Resets are computed once per (zone, hour) and cached as a sorted
list of epoch seconds, extended a year at a time; everything else finds a day with `bisect`, so no
zoneinfo call happens per trade.

DST: a reset at a local time that does not exist (spring forward) happens at the first instant
after the gap, i.e. at the transition; a reset at an ambiguous local time (fall back) happens at
its first occurrence. Days are therefore 23, 24 or 25 hours long in zones with one-hour DST.

A day is named by the local date its reset falls on when the reset hour is before noon (a
midnight reset names the calendar day), and by the following date when the reset is in the
afternoon or evening (a 17:00 Chicago reset opens the next day's session, as futures desks say).
"""

from __future__ import annotations

import threading
from bisect import bisect_right
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

_CHUNK_DAYS = 400


def local_instant(day: date, hour: int, minute: int, zone: ZoneInfo) -> int:
    """Epoch seconds of the local wall time `day hour:minute` in `zone`.

    Nonexistent wall time (a DST gap) → the first instant after it (the transition);
    ambiguous wall time (a DST overlap) → its first occurrence.
    """
    wall = datetime(day.year, day.month, day.day, hour, minute)
    ts = int(wall.replace(tzinfo=zone, fold=0).timestamp())
    if datetime.fromtimestamp(ts, zone).replace(tzinfo=None) == wall:
        return ts
    # In a gap: fold=0 read the wall time with the pre-transition offset, which lands at or
    # after the transition. Search back for the first instant whose wall time is ≥ `wall`.
    lo, hi = ts - 6 * 3600, ts
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if datetime.fromtimestamp(mid, zone).replace(tzinfo=None) >= wall:
            hi = mid
        else:
            lo = mid
    return hi


@dataclass(frozen=True, slots=True)
class TradingDay:
    start_ts: int
    end_ts: int
    day: str  # ISO date naming the day


class DayCalendar:
    """The reset instants of one (zone, hour), extended on demand. Thread-safe: the lists are
    replaced, never mutated, so a reader always sees a consistent pair."""

    __slots__ = ("zone", "hour", "_data", "_first", "_lock")

    def __init__(self, tz: str, hour: int) -> None:
        self.zone = ZoneInfo(tz)
        self.hour = hour
        self._data: tuple[list[int], list[str]] = ([], [])
        self._first: date | None = None
        self._lock = threading.Lock()

    def _local_date(self, ts: int) -> date:
        return datetime.fromtimestamp(ts, self.zone).date()

    def _build(self, first: date, count: int) -> tuple[list[int], list[str]]:
        shift = 1 if self.hour >= 12 else 0
        starts, labels = [], []
        zone, hour = self.zone, self.hour
        for i in range(count):
            day = first + timedelta(days=i)
            starts.append(local_instant(day, hour, 0, zone))
            labels.append((day + timedelta(days=shift)).isoformat())
        return starts, labels

    def ensure(self, lo: int, hi: int) -> tuple[list[int], list[str]]:
        """Make sure some reset is ≤ lo and some reset is > hi; return (starts, labels)."""
        starts, labels = self._data
        if starts and starts[0] <= lo and starts[-1] > hi:
            return starts, labels
        with self._lock:
            starts, labels = self._data
            first = self._first
            if not starts:
                first = self._local_date(lo) - timedelta(days=2)
                starts, labels = self._build(first, _CHUNK_DAYS)
            while starts[0] > lo:
                first = first - timedelta(days=_CHUNK_DAYS)
                more, more_labels = self._build(first, _CHUNK_DAYS)
                starts, labels = more + starts, more_labels + labels
            while starts[-1] <= hi:
                last = date.fromisoformat(labels[-1]) - timedelta(days=1 if self.hour >= 12 else 0)
                more, more_labels = self._build(last + timedelta(days=1), _CHUNK_DAYS)
                starts, labels = starts + more, labels + more_labels
            self._first = first
            self._data = (starts, labels)
            return starts, labels

    def span(self, lo: int, hi: int) -> tuple[list[int], list[str]]:
        """The days covering [lo, hi]: (starts, labels) with len(starts) == len(labels) + 1;
        day k is [starts[k], starts[k+1]) and is named labels[k]."""
        starts, labels = self.ensure(lo, hi)
        i = bisect_right(starts, lo) - 1
        j = bisect_right(starts, hi)  # starts[j] > hi: the end of the last day
        return starts[i : j + 1], labels[i:j]

    def day_of(self, ts: int) -> TradingDay:
        starts, labels = self.ensure(ts, ts)
        i = bisect_right(starts, ts) - 1
        return TradingDay(starts[i], starts[i + 1], labels[i])


_CALENDARS: dict[tuple[str, int], DayCalendar] = {}
_CALENDARS_LOCK = threading.Lock()


def day_calendar(reset_tz: str, reset_hour: int) -> DayCalendar:
    """The shared, cached calendar of resets for a phase's (zone, hour)."""
    key = (reset_tz, reset_hour)
    calendar = _CALENDARS.get(key)
    if calendar is None:
        with _CALENDARS_LOCK:
            calendar = _CALENDARS.get(key)
            if calendar is None:
                calendar = _CALENDARS[key] = DayCalendar(reset_tz, reset_hour)
    return calendar


def trading_day(ts: int, reset_tz: str, reset_hour: int) -> TradingDay:
    """The trading day containing `ts`: [start_ts, end_ts) and its ISO name.

    The one function that says which day an instant belongs to, for the engine, the services
    and the portal alike.
    """
    return day_calendar(reset_tz, reset_hour).day_of(ts)
