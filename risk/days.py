"""Trading days as aware datetimes, for every app above the engine (payouts, reports, portal).

The rule itself lives once, in the pure engine (`risk.engine.days`: resets at the phase's
`reset_hour` in `reset_tz`, DST gaps and overlaps, and how a day is named); these helpers only
convert its epoch seconds to and from aware UTC datetimes and `datetime.date` names. Nothing
here computes a boundary of its own.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from risk.engine.days import day_calendar, local_instant, trading_day


@dataclass(frozen=True)
class TradingDay:
    day: dt.date  # the engine's name for the day
    start: dt.datetime  # aware, UTC: the reset that opens the day
    end: dt.datetime  # aware, UTC: the next reset


def _utc(ts: int) -> dt.datetime:
    return dt.datetime.fromtimestamp(ts, dt.UTC)


def trading_day_at(reset_tz: str, reset_hour: int, at: dt.datetime) -> TradingDay:
    """The trading day containing the aware instant `at`."""
    found = trading_day(int(at.timestamp()), reset_tz, reset_hour)
    return TradingDay(dt.date.fromisoformat(found.day), _utc(found.start_ts), _utc(found.end_ts))


def trading_day_bounds(reset_tz: str, reset_hour: int, day: dt.date) -> TradingDay:
    """The interval of the trading day the engine names `day`.

    A morning reset names the day by the date it starts on, an afternoon reset by the next
    date (risk.engine.days), so a wall time inside the named day is: noon of `day` for a
    morning reset, `reset_hour − 12` o'clock of `day` for an afternoon one.
    """
    probe_hour = 12 if reset_hour < 12 else reset_hour - 12
    probe = local_instant(day, probe_hour, 0, ZoneInfo(reset_tz))
    return trading_day_at(reset_tz, reset_hour, _utc(probe))


def trading_days_by_name(
    reset_tz: str, reset_hour: int, days: Iterable[dt.date]
) -> dict[dt.date, TradingDay]:
    """Bounds of many days at once (one calendar lookup), keyed by the day's name."""
    days = list(days)
    if not days:
        return {}
    first = trading_day_bounds(reset_tz, reset_hour, min(days))
    last = trading_day_bounds(reset_tz, reset_hour, max(days))
    starts, labels = day_calendar(reset_tz, reset_hour).span(
        int(first.start.timestamp()), int(last.start.timestamp())
    )
    return {
        dt.date.fromisoformat(label): TradingDay(
            dt.date.fromisoformat(label), _utc(starts[k]), _utc(starts[k + 1])
        )
        for k, label in enumerate(labels)
    }
