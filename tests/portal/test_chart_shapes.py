"""The portal's figures on the data shapes that broke them: no snapshots, no trades, one day,
flat lines and long gaps. Each test reads the figure the page embeds, as plotly.js gets it."""

import datetime as dt
import json
import re
from decimal import Decimal

import plotly.graph_objects as go
import pytest
from django.urls import reverse

from evaluations.models import EquitySnapshot
from tests.factories import TradingAccountFactory
from tests.portal.builders import DAY0, give_history, two_step_program

pytestmark = pytest.mark.django_db


def _figures(client, login: str) -> dict[str, dict]:
    html = client.get(reverse("portal:account", args=[login])).content.decode()
    blocks = re.findall(
        r'<script id="figure-([a-z]+)" type="application/json">(.*?)</script>', html
    )
    figures = {name: json.loads(body) for name, body in blocks}
    for figure in figures.values():
        go.Figure(figure)  # plotly.js understands it
    return figures


def _account(trader, login="8000001", **kwargs):
    phase1, _, _ = two_step_program()
    return TradingAccountFactory(trader=trader, rule_set=phase1, login=login, **kwargs)


def _stat_max_drawdown(client, login) -> str:
    html = client.get(reverse("portal:account", args=[login])).content.decode()
    return re.search(r"<dt>Max drawdown</dt><dd>([^<]+)</dd>", html).group(1)


def test_drawdown_without_snapshots_reaches_the_max_drawdown_statistic(trader_client, trader):
    account = _account(trader)
    history = give_history(account, [["1000.00", "-1500.50"], ["-734.00", "200.00"], ["900.00"]])
    assert history.metrics.max_drawdown == Decimal("2234.50")
    drawdown = _figures(trader_client, account.login)["drawdown"]
    depths = drawdown["data"][0]["y"]
    assert min(depths) == -2234.50  # the chart's deepest point is the statistic
    assert _stat_max_drawdown(trader_client, account.login) == "2,234.50"
    assert drawdown["data"][0]["line"]["shape"] == "hv"
    low, high = drawdown["layout"]["yaxis"]["range"]
    assert low < -2234.50 and high == 0


def test_the_page_reads_the_stored_path_and_reads_the_trades_only_for_older_metrics(
    trader_client, trader, django_assert_max_num_queries
):
    account = _account(trader)
    history = give_history(account, [["1000.00", "-1500.50"], ["-734.00", "200.00"], ["900.00"]])
    stored = history.metrics.drawdown
    assert min(cents for _, cents in stored) == -223450  # the engine stored the path
    with django_assert_max_num_queries(15) as fresh:
        depths = _figures(trader_client, account.login)["drawdown"]["data"][0]["y"]
    type(history.metrics).objects.filter(pk=history.metrics.pk).update(drawdown=[])
    with django_assert_max_num_queries(25) as older:
        again = _figures(trader_client, account.login)["drawdown"]["data"][0]["y"]

    assert min(depths) == min(again) == -2234.50
    assert depths == again  # the same path, stored or recomputed from the trades
    # the engine's loader reads every trade as integers (the balance chart reads ≤ 400 points)
    loader = "round(volume * 10000)::bigint"
    assert loader not in " ".join(q["sql"] for q in fresh.captured_queries)
    assert loader in " ".join(q["sql"] for q in older.captured_queries)


def test_drawdown_with_snapshots_uses_the_equity_the_statistic_uses(trader_client, trader):
    account = _account(trader)
    EquitySnapshot.objects.create(
        account=account,
        time=DAY0 + dt.timedelta(minutes=2),
        balance=Decimal("100000"),
        equity=Decimal("98765.43"),
    )
    history = give_history(account, [["250.00", "-100.00"]])
    drawdown = _figures(trader_client, account.login)["drawdown"]
    assert min(drawdown["data"][0]["y"]) == -float(history.metrics.max_drawdown) == -1234.57


def test_an_account_without_trades_has_readable_axes_not_plus_minus_one(trader_client, trader):
    account = _account(trader, started_at=DAY0)
    figures = _figures(trader_client, account.login)
    drawdown = figures["drawdown"]
    assert drawdown["data"][0]["y"] == [0.0, 0.0]  # flat at zero, over the first day
    assert drawdown["layout"]["yaxis"]["range"] == [-1080.0, 0.0]  # 1 % of 100,000, padded
    start, end = drawdown["layout"]["xaxis"]["range"]
    assert dt.datetime.fromisoformat(end) - dt.datetime.fromisoformat(start) == dt.timedelta(days=1)
    low, high = figures["balance"]["layout"]["yaxis"]["range"]
    assert low < 100_000 < high and high - low >= 1000  # not 99,999 … 100,001


def test_one_trading_day_gets_a_day_wide_date_axis_labelled_by_day(trader_client, trader):
    account = _account(trader)
    give_history(account, [["150.00"]], as_of=DAY0 + dt.timedelta(hours=12))
    daily = _figures(trader_client, account.login)["daily"]
    xaxis = daily["layout"]["xaxis"]
    assert xaxis["type"] == "date"
    assert xaxis["range"] == ["2026-03-02 00:00", "2026-03-03 00:00"]
    assert xaxis["dtick"] == 86_400_000 and xaxis["tickformat"] == "%b %-d"
    low, high = daily["layout"]["yaxis"]["range"]
    assert low == 0 and 150 < high < 200  # a bar from zero with room above: not 149 … 151


def test_flat_balance_across_a_long_gap_is_a_step_without_diagonals(trader_client, trader):
    account = _account(trader)
    add_days = [["100.00"]] + [[] for _ in range(20)] + [["-50.00"]]
    give_history(account, add_days, as_of=DAY0 + dt.timedelta(days=21, hours=1))
    EquitySnapshot.objects.create(
        account=account, time=DAY0, balance=Decimal("100000"), equity=Decimal("100010")
    )
    figures = _figures(trader_client, account.login)
    lines = {t["name"]: t for t in figures["balance"]["data"]}
    assert lines["Balance"]["line"]["shape"] == "hv"
    assert lines["Equity"]["line"]["shape"] == "hv"
    xaxis = figures["daily"]["layout"]["xaxis"]
    assert xaxis["dtick"] == 7 * 86_400_000  # 22 days: weekly labels, never crowded


def test_daily_bars_hover_with_the_full_date(trader_client, trader):
    account = _account(trader)
    give_history(account, [["10.00"], ["-5.00"]], as_of=DAY0 + dt.timedelta(days=1, hours=1))
    bars = _figures(trader_client, account.login)["daily"]["data"][0]
    assert bars["x"] == ["2026-03-02", "2026-03-03"]
    assert bars["xperiodalignment"] == "middle"
    assert "%Y" in bars["hovertemplate"]
