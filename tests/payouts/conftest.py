"""Funded accounts with profit, finance staff, and a record of recompute requests.

The clock: accounts start at T0 (Monday 2026-03-02 08:00 UTC) on a 14-day payout cycle, so a
payout is possible from 2026-03-16 08:00 UTC; `after_cycle` freezes time on 2026-03-20.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import time_machine

from accounts.roles import FINANCE, RISK, SUPPORT
from tests.factories import (
    T0,
    FundedPhaseFactory,
    RuleFactory,
    RuleSetFactory,
    TradeFactory,
    TradingAccountFactory,
    staff_user,
)

AFTER_CYCLE = dt.datetime(2026, 3, 20, 12, 0, tzinfo=dt.UTC)


def make_funded_account(
    *,
    daily_profits: tuple[str, ...] = ("1000.00", "800.00", "700.00"),
    split: str = "80.00",
    min_payout: str = "100.00",
    cycle_days: int = 14,
    consistency: str | None = None,
    status: str = "funded",
    start: dt.datetime = T0,
    **account_kwargs,
):
    """A funded account started at `start` with one closing trade per day (day 1 = start + 1
    day)."""
    phase = FundedPhaseFactory(
        profit_split=Decimal(split),
        min_payout=Decimal(min_payout),
        payout_cycle_days=cycle_days,
        reset_tz="UTC",
    )
    rule_set = RuleSetFactory(phase=phase)
    if consistency is not None:
        RuleFactory(
            rule_set=rule_set,
            code="consistency",
            severity="soft",
            params={"percent": consistency, "applies_to": "payout"},
        )
    account = TradingAccountFactory(
        rule_set=rule_set, status=status, started_at=start, **account_kwargs
    )
    for day, profit in enumerate(daily_profits, start=1):
        close = start + dt.timedelta(days=day, hours=2)
        TradeFactory(
            account=account,
            profit=Decimal(profit),
            open_time=close - dt.timedelta(hours=1),
            close_time=close,
        )
    return account


@pytest.fixture
def after_cycle():
    with time_machine.travel(AFTER_CYCLE, tick=True) as traveller:
        yield traveller


@pytest.fixture
def funded_account(db):
    """Profit 2,500.00 on a 100k funded account, 80% split: the trader's share is 2,000.00."""
    return make_funded_account()


@pytest.fixture
def finance(db):
    return staff_user(FINANCE, "fin.one@firm.example")


@pytest.fixture
def finance_2(db):
    return staff_user(FINANCE, "fin.two@firm.example")


@pytest.fixture
def support(db):
    return staff_user(SUPPORT, "support@firm.example")


@pytest.fixture
def risk_user(db):
    return staff_user(RISK, "risk@firm.example")


@pytest.fixture
def recompute_calls(monkeypatch) -> list[list[int]]:
    """Record the risk recompute the payment enqueues instead of running the engine."""
    from risk import tasks as risk_tasks

    calls: list[list[int]] = []
    monkeypatch.setattr(
        risk_tasks.recompute_accounts,
        "apply_async",
        lambda args, **options: calls.append(args[0]),
    )
    return calls
