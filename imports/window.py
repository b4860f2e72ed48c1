"""The import time window: the earliest and the latest time a trade or snapshot may carry.

    EARLIEST (2000-01-01 00:00 UTC)  <=  time  <=  now + settings.IMPORT_MAX_FUTURE_SECONDS

Why a window: a recompute walks every trading day from an account's first event (or its start,
if earlier) to its last event (or now, if later): `risk.engine.daybook.build_day_book` over
`DayCalendar.span`. One trade dated 9999 or 0001 would make every later recompute of that
account build millions of days. With the window, a book covers at most the years since 2000
(about 10,000 days, tens of milliseconds per recompute) whatever a file or a bridge sends.

The floor is fixed rather than tied to the account's start: history from before an account's
`started_at` is imported legitimately (a statement exported after the account was set up, an
account registered after it began trading), and a row is judged before its account is looked up.

A time a few hours ahead is nearly always broker time read in the wrong zone (UTC offsets run
from -12 to +14 h, so a wrong zone moves a time by at most 26 h, a missed DST change by one);
its error says so and names the zone the times were read in.

"now" is read once per import (`import_window()`), so every row of one file is judged against
the same instant.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone

EARLIEST = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
DEFAULT_MAX_FUTURE_SECONDS = 300  # clock skew between a platform server and ours
WRONG_ZONE_REACH = dt.timedelta(hours=26)  # +14 h read as -12 h, the largest zone mistake


@dataclass(frozen=True, slots=True)
class TimeWindow:
    """The instants one import accepts: `earliest <= time <= latest` (aware UTC)."""

    now: dt.datetime
    earliest: dt.datetime
    latest: dt.datetime

    def refusal(self, value: dt.datetime, zone: dt.tzinfo) -> str | None:
        """Why `value` is outside the window (None if inside). `zone` is the zone the import
        read times without a UTC offset in, named in the hint of a time hours ahead."""
        if value < self.earliest:
            return f"{_utc(value)} is before {_utc(self.earliest)}, the earliest time accepted"
        if value <= self.latest:
            return None
        ahead = value - self.now
        if ahead <= WRONG_ZONE_REACH:
            return (
                f"{_utc(value)} is {_duration(ahead)} in the future (now {_utc(self.now)}): "
                f"wrong time zone? Times without a UTC offset were read as {_zone_name(zone)}"
            )
        allowance = _duration(self.latest - self.now)
        return f"{_utc(value)} is in the future (now {_utc(self.now)}; {allowance} ahead at most)"


def import_window(now: dt.datetime | None = None) -> TimeWindow:
    """The window of an import starting `now` (default: `timezone.now()`)."""
    now = now or timezone.now()
    seconds = getattr(settings, "IMPORT_MAX_FUTURE_SECONDS", DEFAULT_MAX_FUTURE_SECONDS)
    return TimeWindow(now=now, earliest=EARLIEST, latest=now + dt.timedelta(seconds=seconds))


def _utc(value: dt.datetime) -> str:
    # isoformat, not strftime: strftime writes year 1 as "1", not "0001"
    return value.astimezone(dt.UTC).replace(tzinfo=None).isoformat(" ", "seconds") + " UTC"


def _duration(span: dt.timedelta) -> str:
    minutes = int(span.total_seconds() // 60)
    hours, minutes = divmod(minutes, 60)
    if not hours:
        return f"{minutes} min" if minutes else f"{int(span.total_seconds())} s"
    return f"{hours} h {minutes} min" if minutes else f"{hours} h"


def _zone_name(zone: dt.tzinfo) -> str:
    name = str(zone)
    return "UTC" if name in ("UTC", "UTC+00:00") else name
