"""Every figure of the portal and the staff dashboards draws only trace types the vendored
plotly.js bundle contains (a missing one would draw nothing, without an error)."""

import datetime as dt
import inspect
from decimal import Decimal
from types import SimpleNamespace
from zoneinfo import ZoneInfo

from config.plotly_bundle import TRACE_TYPES
from portal import charts as portal_charts
from portal.selectors import DayPath
from reports import charts as report_charts
from risk.days import trading_day_bounds

UTC = dt.UTC
T0 = dt.datetime(2026, 3, 2, 8, tzinfo=UTC)
MONTH = dt.date(2026, 3, 1)
DAY = SimpleNamespace(
    day=dt.date(2026, 3, 2),
    net=Decimal("5"),
    min_equity=Decimal("99990"),
    daily_floor=Decimal("95000"),
    total_floor=Decimal("90000"),
)
SERIES = [(T0, Decimal("100000")), (T0 + dt.timedelta(hours=1), Decimal("100005"))]
ROW = {
    "login": "1",
    "program_name": "P",
    "phase_name": "Phase 1",
    "room_daily_pct": Decimal("3"),
    "room_total_pct": Decimal("8"),
    "rule_code": "max_daily_loss",
    "severity": "hard",
    "violations": 2,
    "status": "active",
    "accounts": 3,
    "symbol": "EURUSD",
    "net_lots": Decimal("1"),
    "gross_lots": Decimal("2"),
    "started": 4,
    "passed_1": 2,
    "passed_2": 1,
    "funded": 1,
    "paid_out": 0,
    "month": MONTH,
    "pass_rate_1": Decimal("50"),
    "pass_rate_2": Decimal("25"),
    "traders": 2,
    "average_days": Decimal("7.5"),
    "currency": "USD",
    "fees": Decimal("500"),
    "paid": Decimal("200"),
    "net": Decimal("300"),
    "trader_email": "t@example.com",
    "net_pnl": Decimal("10"),
    "day": dt.date(2026, 3, 2),
    "day_net": Decimal("10"),
    "cumulative": Decimal("10"),
}


def _every_figure() -> dict[str, dict]:
    tz = ZoneInfo("Europe/Prague")
    violation = SimpleNamespace(
        unit="money", threshold=Decimal("95000"), time=T0, observed=Decimal("94000")
    )
    path = DayPath(trading_day_bounds("Europe/Prague", 0, DAY.day), DAY, SERIES, SERIES)
    figures = {
        "balance_figure": portal_charts.balance_figure(
            balance=SERIES,
            equity=SERIES,
            days=[DAY],
            reset_tz="Europe/Prague",
            reset_hour=0,
            currency="USD",
            tz=tz,
        ),
        "daily_pnl_figure": portal_charts.daily_pnl_figure(days=[DAY], currency="USD"),
        "drawdown_figure": portal_charts.drawdown_figure(
            series=SERIES, currency="USD", tz=tz, scale=Decimal("100000")
        ),
        "failure_day_figure": portal_charts.failure_day_figure(
            path=path, violation=violation, currency="USD", tz=tz
        ),
    }
    account = type("Account", (), {"login": "1", "trader": SimpleNamespace(email="t@x.example")})
    trade = SimpleNamespace(open_time=T0, ticket="7", side="buy", symbol="EURUSD")
    inputs = {"case_timeline_figure": {account: [trade]}}  # accounts → trades, not rows
    for name, builder in inspect.getmembers(report_charts, inspect.isfunction):
        if name.endswith("_figure"):
            figures[name] = builder(inputs.get(name, [ROW]))
    return figures


def _builders(module) -> set[str]:
    return {n for n, f in inspect.getmembers(module, inspect.isfunction) if n.endswith("_figure")}


def test_every_figure_builder_is_checked():
    assert _builders(portal_charts) | _builders(report_charts) == set(_every_figure())


def test_every_figure_uses_only_trace_types_in_the_bundle():
    used = {
        (name, trace["type"])
        for name, figure in _every_figure().items()
        for trace in figure["data"]
    }
    assert used, "the figures drew nothing"
    assert {pair for pair in used if pair[1] not in TRACE_TYPES} == set()
