"""Portal read helpers: series are exact where kept."""

import datetime as dt
from decimal import Decimal

import pytest

from evaluations.models import EquitySnapshot
from portal.selectors import closed_balance_series, equity_series
from tests.factories import BalanceOperationFactory, TradingAccountFactory
from tests.portal.builders import DAY0, give_history, two_step_program

UTC = dt.UTC


@pytest.mark.django_db
def test_equity_series_keeps_first_last_and_evenly_spaced_snapshots(trader):
    phase1, _, _ = two_step_program()
    account = TradingAccountFactory(trader=trader, rule_set=phase1, login="7300002")
    EquitySnapshot.objects.bulk_create(
        EquitySnapshot(
            account=account,
            time=DAY0 + dt.timedelta(minutes=k),
            balance=Decimal("100000.00"),
            equity=Decimal("100000.00") + k,
        )
        for k in range(1000)
    )
    series = equity_series(account, max_points=40)
    minutes = [int((t - DAY0).total_seconds() // 60) for t, _ in series]
    assert minutes[0] == 0 and minutes[-1] == 999
    assert 40 <= len(series) <= 42
    gaps = {b - a for a, b in zip(minutes[1:-1], minutes[2:-1], strict=False)}
    assert gaps <= {25}  # evenly spaced
    assert all(
        value == Decimal("100000.00") + m for m, (_, value) in zip(minutes, series, strict=True)
    )
    assert len(equity_series(account, max_points=5000)) == 1000  # short series kept whole


@pytest.mark.django_db
def test_closed_balance_series_is_exact_at_every_kept_point(trader):
    phase1, _, _ = two_step_program()
    account = TradingAccountFactory(trader=trader, rule_set=phase1, login="7300001")
    history = give_history(account, [[f"{(i % 9 - 4) * 3.33:.2f}" for i in range(60)]] * 20)
    BalanceOperationFactory(
        account=account, amount=Decimal("250.00"), time=DAY0 + dt.timedelta(days=10)
    )
    series = closed_balance_series(account, max_points=50)
    assert len(series) <= 53
    running, expected = account.initial_balance, {}
    for trade in sorted(history.trades, key=lambda t: (t.close_time, t.pk)):
        running += trade.profit
        expected[trade.close_time] = running
    for time, balance in series[1:]:
        bonus = Decimal("250.00") if time >= DAY0 + dt.timedelta(days=10) else 0
        assert balance == expected[time] + bonus
    assert series[-1][1] == history.metrics.balance + Decimal("250.00")
