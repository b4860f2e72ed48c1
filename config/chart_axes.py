"""Axis settings shared by the portal's and the staff dashboards' Plotly figures.

Plotly's autorange breaks on the data shapes a young or quiet account has: a flat line or a
single value gets a range of value ± 1 (labelled `1, 1, 0, −1, −1` with a whole-number format),
one point on a date axis gets an axis of milliseconds around it, integer counts get ticks at
0.2 steps. These helpers give every value axis an explicit range with a minimum span, counts
whole-number ticks, and days short category labels (`Mar 3`) that fit a phone's width.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Sequence

# A money axis spans at least this share of the largest absolute value on it (1 % of a
# 100,000 balance is 1,000), and never less than MIN_MONEY_SPAN currency units.
MONEY_SPAN_SHARE = 0.01
MIN_MONEY_SPAN = 10.0
PAD_SHARE = 0.08  # room above and below the data
COUNT_TICKS = 5  # at most about this many ticks on a count axis


def money_range(values: Iterable[float | None], *, include_zero: bool = False) -> list[float]:
    """[low, high] around the values with at least the minimum span (a flat line is centred in
    it), padded; with `include_zero` (bars, drawdown) zero is on the axis and the range stops
    at zero on the side with no data."""
    numbers = [v for v in values if v is not None]
    if include_zero or not numbers:
        numbers.append(0.0)
    low, high = min(numbers), max(numbers)
    min_span = max(MIN_MONEY_SPAN, max(abs(low), abs(high)) * MONEY_SPAN_SHARE)
    if high - low < min_span:
        if include_zero and low == 0:
            high = min_span
        elif include_zero and high == 0:
            low = -min_span
        else:
            middle = (low + high) / 2
            low, high = middle - min_span / 2, middle + min_span / 2
    pad = (high - low) * PAD_SHARE
    return [
        low if include_zero and low == 0 else low - pad,
        high if include_zero and high == 0 else high + pad,
    ]


def drawdown_range(depths: Iterable[float | None], scale: float) -> list[float]:
    """[deepest − pad, 0] for a drawdown (values ≤ 0), at least 1 % of `scale` deep."""
    deepest = -min((d for d in depths if d is not None), default=0.0)
    depth = max(deepest, MIN_MONEY_SPAN, abs(scale) * MONEY_SPAN_SHARE)
    return [-depth * (1 + PAD_SHARE), 0.0]


def money_axis(values: Iterable[float | None], *, include_zero: bool = False, **extra) -> dict:
    """A money value axis: explicit range, thousands separators, no decimals."""
    return {
        "range": money_range(values, include_zero=include_zero),
        "autorange": False,
        "tickformat": ",.0f",
        "gridcolor": "#e2e8f0",
        "automargin": True,
        **extra,
    }


def count_step(top: float) -> int:
    """A whole tick step (1, 2, 5, 10, 20, 50, …) giving at most ~COUNT_TICKS ticks to `top`."""
    rough = max(1.0, top / COUNT_TICKS)
    magnitude = 10 ** math.floor(math.log10(rough))
    for factor in (1, 2, 5, 10):
        if factor * magnitude >= rough:
            return int(factor * magnitude)
    return int(10 * magnitude)  # pragma: no cover - the loop always returns


def count_axis(values: Iterable[float | int | None], **extra) -> dict:
    """An axis of whole counts from zero: integer ticks only, room above the highest bar for
    its text label."""
    top = max((v for v in values if v is not None), default=0)
    top = max(top, 1)
    step = count_step(top)
    return {
        "range": [0, top * 1.15],
        "autorange": False,
        "tick0": 0,
        "dtick": step,
        "tickformat": ",d",
        "gridcolor": "#e2e8f0",
        "automargin": True,
        **extra,
    }


def day_axis(days: Sequence[dt.date], **extra) -> dict:
    """A date axis for one bar per trading day: the range covers whole days (one day included),
    ticks at most every day and at most ~7 of them (`Mar 3`), so labels are never repeated,
    cut or crowded on a phone. Bars use `DAY_BAR` to sit in the middle of their day."""
    first, last = min(days), max(days)
    span = (last - first).days + 1
    if span <= 7:
        dtick: int | str = DAY_MS
    elif span <= 14:
        dtick = 2 * DAY_MS
    elif span <= 49:
        dtick = 7 * DAY_MS
    elif span <= 210:
        dtick = "M1"
    else:
        dtick = "M3"
    fmt = "%b %-d" if span <= 210 else "%b %Y"
    return {
        "type": "date",
        "range": [f"{first:%Y-%m-%d} 00:00", f"{last + dt.timedelta(days=1):%Y-%m-%d} 00:00"],
        "autorange": False,
        "tick0": f"{first:%Y-%m-%d}",
        "dtick": dtick,
        "tickformat": fmt,
        "ticklabelmode": "period",
        "tickangle": 0,
        "gridcolor": "#e2e8f0",
        "automargin": True,
        **extra,
    }


DAY_MS = 86_400_000
# A bar of a trading day spans 80 % of it, centred on its middle (x is the day's date).
DAY_BAR = {"xperiod": DAY_MS, "xperiodalignment": "middle", "width": DAY_MS * 0.8}
