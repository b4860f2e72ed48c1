"""Plotly figures of the staff dashboards, as plain figure dicts (as in `portal.charts`).

Each builder takes the rows a selector returned and draws them; the page embeds the dict as
JSON and static/js/charts.js (static/js/staff.js after an htmx refresh) hands it to
`Plotly.newPlot`. Amounts become floats here only because a chart is a picture. Counts get
whole-number axes from zero and money explicit ranges (`config.chart_axes`), so one row or a
flat series still reads right; months are category labels (`Mar 2026`), never a date axis
that turns a single month into hours.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from decimal import Decimal

from config.chart_axes import DAY_BAR, count_axis, day_axis, money_axis
from config.palette import BLUE, GREEN, GREY, ORANGE, RED, VIOLET

PALETTE = (BLUE, ORANGE, VIOLET, GREEN, RED, GREY, "#0891b2", "#db2777")
STATUS_COLORS = {
    "active": BLUE,
    "funded": GREEN,
    "passed": VIOLET,
    "failed": RED,
    "closed": GREY,
}


def _blank_when_empty(builder):
    """A figure of no rows has no traces: the page says "no data" instead of empty axes."""

    @functools.wraps(builder)
    def build(rows, *args, **kwargs):
        if not rows:
            return {"data": [], "layout": _layout()}
        return builder(rows, *args, **kwargs)

    return build


def _n(value: Decimal | int | None) -> float | None:
    return None if value is None else float(value)


def _layout(**extra) -> dict:
    layout = {
        "margin": {"l": 64, "r": 16, "t": 8, "b": 48},
        "height": 320,
        "legend": {"orientation": "h", "y": -0.2},
        "paper_bgcolor": "rgba(0,0,0,0)",
        "plot_bgcolor": "rgba(0,0,0,0)",
        "font": {"family": "system-ui, -apple-system, Segoe UI, Roboto, sans-serif", "size": 12},
        "xaxis": {"gridcolor": "#e2e8f0", "automargin": True},
        "yaxis": {"gridcolor": "#e2e8f0", "automargin": True},
    }
    layout.update(extra)
    return layout


@_blank_when_empty
def closest_to_limits_figure(rows: Sequence[dict]) -> dict:
    """Room left to the daily and total loss limits, % of B0, nearest accounts on top."""
    labels = [f"{r['login']} · {r['program_name']}" for r in rows][::-1]
    return {
        "data": [
            {
                "type": "bar",
                "orientation": "h",
                "name": name,
                "y": labels,
                "x": [_n(r[key]) for r in rows][::-1],
                "marker": {"color": color},
            }
            for key, name, color in (
                ("room_daily_pct", "Daily limit room %", ORANGE),
                ("room_total_pct", "Total limit room %", RED),
            )
        ],
        "layout": _layout(
            barmode="group",
            height=max(320, 22 * len(rows) + 80),
            xaxis={"title": {"text": "% of initial balance left"}, "gridcolor": "#e2e8f0"},
            yaxis={"automargin": True},
        ),
    }


@_blank_when_empty
def violations_by_rule_figure(rows: Sequence[dict]) -> dict:
    """Violations in the range per rule, hard and soft stacked."""
    rules = sorted({r["rule_code"] for r in rows})
    data = []
    for severity, color in (("hard", RED), ("soft", ORANGE)):
        counts = {r["rule_code"]: r["violations"] for r in rows if r["severity"] == severity}
        if counts:
            data.append(
                {
                    "type": "bar",
                    "name": severity,
                    "x": rules,
                    "y": [counts.get(rule, 0) for rule in rules],
                    "marker": {"color": color},
                }
            )
    stacked = [sum(r["violations"] for r in rows if r["rule_code"] == rule) for rule in rules]
    return {
        "data": data,
        "layout": _layout(barmode="stack", yaxis=count_axis(stacked, title={"text": "count"})),
    }


@_blank_when_empty
def accounts_by_status_figure(rows: Sequence[dict]) -> dict:
    return {
        "data": [
            {
                "type": "bar",
                "x": [r["status"] for r in rows],
                "y": [r["accounts"] for r in rows],
                "marker": {"color": [STATUS_COLORS.get(r["status"], GREY) for r in rows]},
            }
        ],
        "layout": _layout(
            showlegend=False,
            yaxis=count_axis([r["accounts"] for r in rows], title={"text": "accounts"}),
        ),
    }


@_blank_when_empty
def exposure_figure(rows: Sequence[dict]) -> dict:
    """Net lots (long above zero, short below) per symbol at the latest snapshots."""
    return {
        "data": [
            {
                "type": "bar",
                "name": "Net lots",
                "x": [r["symbol"] for r in rows],
                "y": [_n(r["net_lots"]) for r in rows],
                "marker": {"color": [GREEN if r["net_lots"] >= 0 else RED for r in rows]},
            },
            {
                "type": "scatter",
                "mode": "markers",
                "name": "Gross lots",
                "x": [r["symbol"] for r in rows],
                "y": [_n(r["gross_lots"]) for r in rows],
                "marker": {"color": GREY, "symbol": "diamond"},
            },
        ],
        "layout": _layout(yaxis={"title": {"text": "lots"}}),
    }


FUNNEL_STAGES = (
    ("started", "Started"),
    ("passed_1", "Passed phase 1"),
    ("passed_2", "Passed phase 2"),
    ("funded", "Funded"),
    ("paid_out", "Paid out"),
)


@_blank_when_empty
def funnel_figure(totals: Sequence[dict]) -> dict:
    """Accounts at each stage of the funnel, one bar series per program (a one-step program
    has no phase-2 bar), stages in their fixed order."""
    labels = [label for _, label in FUNNEL_STAGES]
    data = [
        {
            "type": "bar",
            "name": total["program_name"],
            "x": labels,
            "y": [total[key] for key, _ in FUNNEL_STAGES],
            "text": [total[key] for key, _ in FUNNEL_STAGES],
            "textposition": "outside",
            "marker": {"color": PALETTE[i % len(PALETTE)]},
        }
        for i, total in enumerate(totals)
    ]
    return {
        "data": data,
        "layout": _layout(
            barmode="group",
            xaxis={"categoryorder": "array", "categoryarray": labels, "automargin": True},
            yaxis=count_axis(
                [t[key] for t in totals for key, _ in FUNNEL_STAGES], title={"text": "accounts"}
            ),
        ),
    }


def _month(month) -> str:
    return month.strftime("%b %Y")


@_blank_when_empty
def pass_rate_figure(rows: Sequence[dict]) -> dict:
    """Pass rates per program and month cohort (phase 1 solid, phase 2 dashed)."""
    data = []
    months = sorted({r["month"] for r in rows})
    programs = sorted({r["program_name"] for r in rows})
    for i, program in enumerate(programs):
        mine = [r for r in rows if r["program_name"] == program]
        color = PALETTE[i % len(PALETTE)]
        for key, label, dash in (
            ("pass_rate_1", "phase 1", "solid"),
            ("pass_rate_2", "phase 2", "dash"),
        ):
            if any(r[key] is not None for r in mine):
                data.append(
                    {
                        "type": "scatter",
                        "mode": "lines+markers",
                        "name": f"{program} · {label}",
                        "x": [_month(r["month"]) for r in mine],
                        "y": [_n(r[key]) for r in mine],
                        "line": {"color": color, "dash": dash},
                    }
                )
    return {
        "data": data,
        "layout": _layout(
            xaxis={
                "type": "category",
                "categoryorder": "array",
                "categoryarray": [_month(m) for m in months],
                "gridcolor": "#e2e8f0",
                "automargin": True,
            },
            yaxis={
                "title": {"text": "pass rate %"},
                "range": [0, 105],
                "autorange": False,
                "tick0": 0,
                "dtick": 20,
                "ticksuffix": "%",
                "gridcolor": "#e2e8f0",
                "automargin": True,
            },
        ),
    }


@_blank_when_empty
def failing_rules_figure(rows: Sequence[dict]) -> dict:
    """Traders failed per rule, stacked by program: which rule fails most traders."""
    totals: dict[str, int] = {}
    for r in rows:
        totals[r["rule_code"]] = totals.get(r["rule_code"], 0) + r["traders"]
    rules = sorted(totals, key=lambda rule: (-totals[rule], rule))
    programs = sorted({r["program_name"] for r in rows})
    counts = {(r["program_name"], r["rule_code"]): r["traders"] for r in rows}
    return {
        "data": [
            {
                "type": "bar",
                "name": program,
                "x": rules,
                "y": [counts.get((program, rule), 0) for rule in rules],
                "marker": {"color": PALETTE[i % len(PALETTE)]},
            }
            for i, program in enumerate(programs)
        ],
        "layout": _layout(
            barmode="stack",
            yaxis=count_axis(list(totals.values()), title={"text": "traders failed"}),
        ),
    }


@_blank_when_empty
def days_to_pass_figure(rows: Sequence[dict]) -> dict:
    return {
        "data": [
            {
                "type": "bar",
                "x": [f"{r['program_name']} · {r['phase_name']}" for r in rows],
                "y": [_n(r["average_days"]) for r in rows],
                "marker": {"color": BLUE},
            }
        ],
        "layout": _layout(showlegend=False, yaxis={"title": {"text": "average days"}}),
    }


@_blank_when_empty
def fees_vs_payouts_figure(rows: Sequence[dict]) -> dict:
    """Fees collected against trader shares paid per month (bars), and the difference (line),
    one set per currency."""
    data = []
    for currency in sorted({r["currency"] for r in rows}):
        mine = [r for r in rows if r["currency"] == currency]
        months = [_month(r["month"]) for r in mine]
        data += [
            {
                "type": "bar",
                "name": f"Fees ({currency})",
                "x": months,
                "y": [_n(r["fees"]) for r in mine],
                "marker": {"color": BLUE},
            },
            {
                "type": "bar",
                "name": f"Payouts ({currency})",
                "x": months,
                "y": [_n(r["paid"]) for r in mine],
                "marker": {"color": ORANGE},
            },
            {
                "type": "scatter",
                "mode": "lines+markers",
                "name": f"Fees − payouts ({currency})",
                "x": months,
                "y": [_n(r["net"]) for r in mine],
                "line": {"color": GREEN},
            },
        ]
    return {
        "data": data,
        "layout": _layout(
            barmode="group",
            xaxis={"type": "category", "gridcolor": "#e2e8f0", "automargin": True},
            yaxis=money_axis(
                [_n(r[k]) for r in rows for k in ("fees", "paid", "net")], include_zero=True
            ),
        ),
    }


@_blank_when_empty
def leaderboard_figure(rows: Sequence[dict], top: int = 15) -> dict:
    rows = list(rows)[:top][::-1]
    return {
        "data": [
            {
                "type": "bar",
                "orientation": "h",
                "y": [r["trader_email"] for r in rows],
                "x": [_n(r["net_pnl"]) for r in rows],
                "marker": {"color": [GREEN if r["net_pnl"] >= 0 else RED for r in rows]},
            }
        ],
        "layout": _layout(
            showlegend=False,
            height=max(320, 22 * len(rows) + 80),
            xaxis=money_axis(
                [_n(r["net_pnl"]) for r in rows], include_zero=True, title={"text": "net P&L"}
            ),
        ),
    }


@_blank_when_empty
def trader_pnl_figure(days: Sequence[dict]) -> dict:
    """A trader's daily net P&L over all accounts (bars) and its running total (a step line:
    it holds between trading days)."""
    x = [d["day"].isoformat() for d in days]
    nets = [_n(d["day_net"]) for d in days]
    cumulative = [_n(d["cumulative"]) for d in days]
    return {
        "data": [
            {
                "type": "bar",
                "name": "Daily net",
                "x": x,
                "y": nets,
                "marker": {"color": [GREEN if d["day_net"] >= 0 else RED for d in days]},
                **DAY_BAR,
            },
            {
                "type": "scatter",
                "mode": "lines",
                "name": "Cumulative",
                "x": x,
                "y": cumulative,
                "xperiod": DAY_BAR["xperiod"],
                "xperiodalignment": "middle",
                "line": {"color": BLUE, "width": 2, "shape": "hv"},
            },
        ],
        "layout": _layout(
            xaxis=day_axis([d["day"] for d in days]),
            yaxis=money_axis(nets + cumulative, include_zero=True),
        ),
    }


def case_timeline_figure(trades_by_account: dict) -> dict:
    """An abuse case's accounts on one time axis: one row per account, a marker per trade at its
    open time (▲ buy, ▼ sell), so trades opened together line up vertically."""
    traces = []
    for index, (account, trades) in enumerate(trades_by_account.items()):
        if not trades:
            continue
        label = f"{account.login} · {account.trader.email}"
        traces.append(
            {
                "type": "scatter",
                "mode": "markers",
                "name": label,
                "x": [t.open_time.isoformat() for t in trades],
                "y": [label] * len(trades),
                "text": [f"#{t.ticket} {t.side} {t.symbol}" for t in trades],
                "hovertemplate": "%{text}<br>%{x}<extra></extra>",
                "marker": {
                    "color": PALETTE[index % len(PALETTE)],
                    "size": 9,
                    "symbol": [
                        "triangle-up" if t.side == "buy" else "triangle-down" for t in trades
                    ],
                },
            }
        )
    if not traces:
        return {"data": [], "layout": _layout()}
    return {
        "data": traces,
        "layout": _layout(
            height=120 + 60 * len(traces),
            xaxis={"type": "date", "gridcolor": "#e2e8f0", "automargin": True},
            yaxis={"type": "category", "automargin": True},
            showlegend=False,
        ),
    }
