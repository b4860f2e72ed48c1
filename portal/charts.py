"""Plotly figures for the portal, built on the server as plain figure dicts.

The page embeds each figure as JSON (`<script type="application/json">`) and static/js/charts.js
hands it to `Plotly.newPlot`. Figures are plain dicts rather than `plotly.graph_objects`
objects: the same JSON, without the validation cost on every page view (the tests validate
them with `plotly.graph_objects.Figure`). Amounts become floats here only because a chart is a
picture; every number a trader reads as text stays Decimal.

Times are shown in the trader's zone: x values are local wall-clock strings.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from decimal import Decimal
from zoneinfo import ZoneInfo

from config.palette import BLUE, GREEN, ORANGE, RED, VIOLET
from portal.selectors import DayPath
from risk.days import TradingDay, trading_days_by_name
from risk.models import DailyMetrics, Violation


def _x(time: dt.datetime, tz: ZoneInfo) -> str:
    return time.astimezone(tz).strftime("%Y-%m-%d %H:%M:%S")


def _y(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


def _layout(currency: str, **extra) -> dict:
    layout = {
        "margin": {"l": 64, "r": 16, "t": 8, "b": 40},
        "height": 320,
        "hovermode": "x unified",
        "legend": {"orientation": "h", "y": -0.18},
        "paper_bgcolor": "rgba(0,0,0,0)",
        "plot_bgcolor": "rgba(0,0,0,0)",
        "font": {"family": "system-ui, -apple-system, Segoe UI, Roboto, sans-serif", "size": 12},
        "xaxis": {"type": "date", "gridcolor": "#e2e8f0"},
        "yaxis": {"title": {"text": currency}, "tickformat": ",.0f", "gridcolor": "#e2e8f0"},
    }
    layout.update(extra)
    return layout


def _line(name: str, points: Iterable[tuple[dt.datetime, Decimal]], tz, **style) -> dict:
    points = list(points)
    return {
        "type": "scatter",
        "mode": "lines",
        "name": name,
        "x": [_x(t, tz) for t, _ in points],
        "y": [_y(v) for _, v in points],
        **style,
    }


def _floor_steps(
    days: Sequence[DailyMetrics], attr: str, bounds: dict[dt.date, TradingDay], tz: ZoneInfo
) -> tuple[list[str], list[float | None]]:
    """A step line: each day's floor from its reset to the next one (gaps where unset)."""
    xs: list[str] = []
    ys: list[float | None] = []
    for day in days:
        if day.day not in bounds:
            continue
        value = _y(getattr(day, attr))
        xs += [_x(bounds[day.day].start, tz), _x(bounds[day.day].end, tz)]
        ys += [value, value]
    return xs, ys


def balance_figure(
    *,
    balance: Sequence[tuple[dt.datetime, Decimal]],
    equity: Sequence[tuple[dt.datetime, Decimal]],
    days: Sequence[DailyMetrics],
    reset_tz: str,
    reset_hour: int,
    currency: str,
    tz: ZoneInfo,
) -> dict:
    """Balance (and equity, when snapshots exist) over time with the daily and total floors."""
    bounds = trading_days_by_name(reset_tz, reset_hour, (d.day for d in days))
    balance = list(balance)
    if balance and days and days[-1].day in bounds:
        last_end = bounds[days[-1].day].end
        if last_end > balance[-1][0]:  # carry the last balance to the end of the last day
            balance.append((last_end, balance[-1][1]))
    data = [_line("Balance", balance, tz, line={"color": BLUE, "shape": "hv", "width": 2})]
    if equity:
        data.append(_line("Equity", equity, tz, line={"color": VIOLET, "width": 1.5}))
    if days:
        data.append(
            {
                "type": "scatter",
                "mode": "markers",
                "name": "Lowest equity of the day",
                "x": [_x(bounds[d.day].end, tz) for d in days if d.day in bounds],
                "y": [_y(d.min_equity) for d in days if d.day in bounds],
                "marker": {"color": VIOLET, "size": 5, "symbol": "triangle-down"},
            }
        )
        for attr, name, color in (
            ("daily_floor", "Daily loss floor", ORANGE),
            ("total_floor", "Total loss floor", RED),
        ):
            if any(getattr(d, attr) is not None for d in days):
                xs, ys = _floor_steps(days, attr, bounds, tz)
                data.append(
                    {
                        "type": "scatter",
                        "mode": "lines",
                        "name": name,
                        "x": xs,
                        "y": ys,
                        "connectgaps": False,
                        "line": {"color": color, "dash": "dash", "width": 1.5},
                    }
                )
    return {"data": data, "layout": _layout(currency)}


def daily_pnl_figure(*, days: Sequence[DailyMetrics], currency: str) -> dict:
    """Closed net P&L per trading day: green up, red down."""
    return {
        "data": [
            {
                "type": "bar",
                "name": "Net P&L",
                "x": [d.day.isoformat() for d in days],
                "y": [_y(d.net) for d in days],
                "marker": {"color": [GREEN if d.net >= 0 else RED for d in days]},
            }
        ],
        "layout": _layout(
            currency,
            hovermode="closest",
            showlegend=False,
            # one bar per trading day, labelled by its name; no empty weekends
            xaxis={"type": "category", "gridcolor": "#e2e8f0", "nticks": 12},
        ),
    }


def drawdown_figure(
    *,
    series: Sequence[tuple[dt.datetime, Decimal]],
    currency: str,
    tz: ZoneInfo,
    steps: bool = False,
) -> dict:
    """Distance below the running peak: drawdown(t) = value(t) − max(value(s), s ≤ t).

    `steps` draws a closed balance, which holds its value until the next trade closes."""
    xs, ys = [], []
    peak: Decimal | None = None
    for time, value in series:
        peak = value if peak is None or value > peak else peak
        xs.append(_x(time, tz))
        ys.append(float(value - peak))
    return {
        "data": [
            {
                "type": "scatter",
                "mode": "lines",
                "name": "Drawdown",
                "x": xs,
                "y": ys,
                "fill": "tozeroy",
                "line": {"color": RED, "width": 1.5, "shape": "hv" if steps else "linear"},
            }
        ],
        "layout": _layout(currency, showlegend=False),
    }


def failure_day_figure(*, path: DayPath, violation: Violation, currency: str, tz: ZoneInfo) -> dict:
    """The breach day: balance and equity against the limit line, and the breach point."""
    start, end = _x(path.bounds.start, tz), _x(path.bounds.end, tz)
    data = [_line("Balance", path.balance, tz, line={"color": BLUE, "shape": "hv", "width": 2})]
    if path.equity:
        data.append(_line("Equity", path.equity, tz, line={"color": VIOLET, "width": 1.5}))
    limits: list[tuple[str, Decimal, str]] = []
    if violation.unit == "money":
        limits.append(("Limit", violation.threshold, RED))
    if path.metrics is not None:
        for value, name, color in (
            (path.metrics.daily_floor, "Daily loss floor", ORANGE),
            (path.metrics.total_floor, "Total loss floor", RED),
        ):
            if value is not None and not any(value == v for _, v, _ in limits):
                limits.append((name, value, color))
    for name, value, color in limits:
        data.append(
            {
                "type": "scatter",
                "mode": "lines",
                "name": f"{name} {value:,.2f}",
                "x": [start, end],
                "y": [_y(value), _y(value)],
                "line": {"color": color, "dash": "dash", "width": 1.5},
            }
        )
    if violation.unit == "money":
        data.append(
            {
                "type": "scatter",
                "mode": "markers",
                "name": "Breach",
                "x": [_x(violation.time, tz)],
                "y": [_y(violation.observed)],
                "marker": {"color": RED, "size": 11, "symbol": "x"},
            }
        )
    layout = _layout(currency)
    layout["xaxis"] = {**layout["xaxis"], "range": [start, end]}
    return {"data": data, "layout": layout}
