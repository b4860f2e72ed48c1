"""Funded accounts with profit (`tests.builders.funded_account`), finance staff, and a record
of recompute requests.

The clock: accounts start at T0 (Monday 2026-03-02 08:00 UTC) on a 14-day payout cycle, so a
payout is possible from 2026-03-16 08:00 UTC; `after_cycle` freezes time on 2026-03-20.
"""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from accounts.roles import FINANCE, RISK, SUPPORT
from tests import builders
from tests.factories import staff_user

AFTER_CYCLE = dt.datetime(2026, 3, 20, 12, 0, tzinfo=dt.UTC)
PROFIT_2500 = ("1000.00", "800.00", "700.00")  # one closing trade on each of days 1–3


@pytest.fixture
def after_cycle():
    with time_machine.travel(AFTER_CYCLE, tick=True) as traveller:
        yield traveller


@pytest.fixture
def funded_account(db):
    """Profit 2,500.00 on a 100k funded account, 80% split: the trader's share is 2,000.00."""
    return builders.funded_account(daily_profits=PROFIT_2500)


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
