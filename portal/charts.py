"""Plotly figures for the portal, built on the server as plain figure dicts.

The page embeds each figure as JSON (`<script type="application/json">`) and static/js/charts.js
hands it to `Plotly.newPlot`. Figures are plain dicts rather than `plotly.graph_objects`
objects: the same JSON, without the validation cost on every page view (the tests validate
them with `plotly.graph_objects.Figure`). Amounts become floats here only because a chart is a
picture; every number a trader reads as text stays Decimal.

Times are shown in the trader's zone: x values are local wall-clock strings. Every value axis
has an explicit range (`config.chart_axes`), so a flat line, a single day or an account without
trades still gets readable axes; lines are steps (`shape: "hv"`): a balance or an equity holds
its value until the next trade or snapshot, never a diagonal across days without trading.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from decimal import Decimal
from zoneinfo import ZoneInfo

from config.chart_axes import DAY_BAR, day_axis, drawdown_range, money_axis
from config.palette import BLUE, GREEN, ORANGE, RED, VIOLET
from portal.selectors import DayPath
from risk.days import TradingDay, trading_days_by_name
from risk.models import DailyMetrics, Violation


def _x(time: dt.datetime, tz: ZoneInfo) -> str:
    return time.astimezone(tz).strftime("%Y-%m-%d %H:%M:%S")


def _y(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


# An axis over time spans at least this, so one point is not drawn on an axis of milliseconds.
MIN_TIME_SPAN = dt.timedelta(days=1)
STEP = {"shape": "hv"}


def _values(traces: list[dict]) -> list[float | None]:
    return [v for trace in traces for v in trace["y"]]


def _layout(currency: str, **extra) -> dict:
    layout = {
        "margin": {"l": 64, "r": 16, "t": 8, "b": 40},
        "height": 320,
        "hovermode": "x unified",
        "legend": {"orientation": "h", "y": -0.18},
        "paper_bgcolor": "rgba(0,0,0,0)",
        "plot_bgcolor": "rgba(0,0,0,0)",
        "font": {"family": "system-ui, -apple-system, Segoe UI, Roboto, sans-serif", "size": 12},
        "xaxis": {"type": "date", "gridcolor": "#e2e8f0", "automargin": True},
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
    equity_range: Sequence[tuple[dt.datetime, Decimal, Decimal]] = (),
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
    data = [_line("Balance", balance, tz, line={"color": BLUE, "width": 2, **STEP})]
    if equity_range:
        times = [_x(t, tz) for t, _, _ in equity_range]
        data.append(
            {
                "type": "scatter",
                "mode": "lines",
                "name": "Live equity high",
                "x": times,
                "y": [_y(high) for _, _, high in equity_range],
                "line": {"color": VIOLET, "width": 0},
                "showlegend": False,
                "hoverinfo": "skip",
            }
        )
        data.append(
            {
                "type": "scatter",
                "mode": "lines",
                "name": "Live equity range (low to high)",
                "x": times,
                "y": [_y(low) for _, low, _ in equity_range],
                "line": {"color": VIOLET, "width": 0},
                "fill": "tonexty",
                "fillcolor": "rgba(124, 58, 237, 0.15)",
            }
        )
    if equity:
        data.append(_line("Equity", equity, tz, line={"color": VIOLET, "width": 1.5, **STEP}))
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
    layout = _layout(currency, yaxis=money_axis(_values(data), title={"text": currency}))
    if len(balance) < 2 or balance[-1][0] - balance[0][0] < MIN_TIME_SPAN:
        start = balance[0][0] if balance else None
        if start is not None:
            layout["xaxis"]["range"] = [_x(start, tz), _x(start + MIN_TIME_SPAN, tz)]
    return {"data": data, "layout": layout}


def daily_pnl_figure(*, days: Sequence[DailyMetrics], currency: str) -> dict:
    """Closed net P&L per trading day: green up, red down, one bar in the middle of its day on
    a date axis labelled `Mar 3` (the full date on hover)."""
    nets = [_y(d.net) for d in days]
    return {
        "data": [
            {
                "type": "bar",
                "name": "Net P&L",
                "x": [d.day.isoformat() for d in days],
                "y": nets,
                "marker": {"color": [GREEN if d.net >= 0 else RED for d in days]},
                "hovertemplate": "%{x|%a %b %-d, %Y}: %{y:,.2f}<extra></extra>",
                **DAY_BAR,
            }
        ],
        "layout": _layout(
            currency,
            hovermode="closest",
            showlegend=False,
            xaxis=day_axis([d.day for d in days]) if days else {"type": "date"},
            yaxis=money_axis(nets, include_zero=True, title={"text": currency}),
        ),
    }


def drawdown_figure(
    *,
    series: Sequence[tuple[dt.datetime, Decimal]],
    currency: str,
    tz: ZoneInfo,
    scale: Decimal,
) -> dict:
    """Distance below the running peak, ≤ 0 (`portal.selectors.drawdown_series`), as steps.

    The time axis spans at least a day and the value axis at least 1 % of `scale` (the initial
    balance), so an account without trades shows a flat zero, not an axis of ± 1 around an
    instant. The last value is carried to the end of the axis."""
    points = list(series)
    if points:
        end = max(points[-1][0], points[0][0] + MIN_TIME_SPAN)
        if end > points[-1][0]:
            points.append((end, points[-1][1]))
    depths = [_y(v) for _, v in points]
    layout = _layout(
        currency,
        showlegend=False,
        yaxis=money_axis([], title={"text": currency}, range=drawdown_range(depths, float(scale))),
    )
    if points:
        layout["xaxis"]["range"] = [_x(points[0][0], tz), _x(points[-1][0], tz)]
    return {
        "data": [
            {
                "type": "scatter",
                "mode": "lines",
                "name": "Drawdown",
                "x": [_x(t, tz) for t, _ in points],
                "y": depths,
                "fill": "tozeroy",
                "line": {"color": RED, "width": 1.5, **STEP},
            }
        ],
        "layout": layout,
    }


def failure_day_figure(*, path: DayPath, violation: Violation, currency: str, tz: ZoneInfo) -> dict:
    """The breach day: balance and equity against the limit line, and the breach point."""
    start, end = _x(path.bounds.start, tz), _x(path.bounds.end, tz)
    data = [_line("Balance", path.balance, tz, line={"color": BLUE, "width": 2, **STEP})]
    if path.equity:
        data.append(_line("Equity", path.equity, tz, line={"color": VIOLET, "width": 1.5, **STEP}))
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
    layout = _layout(currency, yaxis=money_axis(_values(data), title={"text": currency}))
    layout["xaxis"] = {**layout["xaxis"], "range": [start, end]}
    return {"data": data, "layout": layout}
