"""A month of daily results as a calendar grid (weeks × Monday..Sunday), for the statistics page.

Pure: the day's results come in as a mapping of trading day → net; the grid only places them.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


@dataclass(frozen=True)
class CalendarDay:
    day: dt.date | None  # None: a cell of the previous or next month
    net: Decimal | None  # None: no trading day stored for that date


@dataclass(frozen=True)
class MonthCalendar:
    month: dt.date  # the first of the month
    weeks: list[list[CalendarDay]]
    previous: dt.date | None  # first of the previous month, if it has results
    next: dt.date | None
    net: Decimal  # the month's total


def month_calendar(
    month: dt.date, results: Mapping[dt.date, Decimal], first: dt.date | None, last: dt.date | None
) -> MonthCalendar:
    """The grid of `month` (any date in it) with `results`; previous/next link only within
    [first, last], the account's first and last trading days."""
    start = month.replace(day=1)
    weeks = [
        [
            CalendarDay(d, results.get(d)) if d.month == start.month else CalendarDay(None, None)
            for d in week
        ]
        for week in calendar.Calendar(firstweekday=0).monthdatescalendar(start.year, start.month)
    ]
    before = (start - dt.timedelta(days=1)).replace(day=1)
    after = (start + dt.timedelta(days=32)).replace(day=1)
    return MonthCalendar(
        month=start,
        weeks=weeks,
        previous=before if first is not None and first < start else None,
        next=after if last is not None and last >= after else None,
        net=sum(
            (v for d, v in results.items() if (d.year, d.month) == (start.year, start.month)),
            Decimal("0.00"),
        ),
    )


def parse_month(value: str | None, default: dt.date) -> dt.date:
    """ "2025-03" → 2025-03-01; anything else → the first of `default`'s month."""
    try:
        year, month = (int(part) for part in (value or "").split("-"))
        return dt.date(year, month, 1)
    except ValueError:
        return default.replace(day=1)
