"""Payouts decide with the engine's one definition of each rule: the consistency gate, its
cycle start and the trading day. These tests fail if payouts grows a copy that drifts."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from payouts.eligibility import PayoutFacts, payout_eligibility
from payouts.selectors import cycle_daily_nets, payout_cycle_start
from payouts.services import approve_payout, mark_payout_paid, request_payout
from risk.days import trading_day_at
from risk.engine import evaluate
from risk.engine.types import AccountIn, RuleIn, TradeIn
from risk.services.loading import load_account
from risk.services.money import to_ts
from tests.builders import funded_account
from tests.factories import BalanceOperationFactory, TradeFactory
from tests.payouts.conftest import PROFIT_2500

START = dt.datetime(2026, 3, 2, 8, 0, tzinfo=dt.UTC)
DAY = 86_400

FACTS = PayoutFacts(
    as_of=START + dt.timedelta(days=30),
    account_status="funded",
    phase_kind="funded",
    kyc_status="verified",
    cycle_start=START,
    cycle_days=14,
    open_hard_violations=(),
    profit=Decimal("2500.00"),
    min_payout=Decimal("100.00"),
    split_percent=Decimal("80"),
    has_open_request=False,
)


def _engine_gate(day_nets: list[int], percent: str):
    """The payout gate as the engine reports it for one trade closing on each day."""
    started = int(START.timestamp())
    trades = tuple(
        TradeIn(k + 1, f"T{k}", "EURUSD", "buy", 10_000, started + k * DAY, started + k * DAY, net)
        for k, net in enumerate(day_nets)
    )
    rule = RuleIn("consistency", "soft", {"percent": percent, "applies_to": "payout"})
    result = evaluate(
        AccountIn(
            account_id=1,
            initial_balance=10_000_000,
            started_ts=started,
            reset_tz="UTC",
            reset_hour=0,
            rules=(rule,),
            trades=trades,
            payout_cycle_start_ts=started,
        )
    )
    (gate,) = result.objectives
    return gate


@settings(max_examples=300, deadline=None)
@given(
    day_nets=st.lists(st.integers(-500_000, 500_000), min_size=1, max_size=12),
    percent=st.sampled_from(["20", "30", "33.33", "40", "45.5", "50", "100"]),
)
def test_payout_consistency_check_equals_the_engines_gate_for_any_daily_nets(day_nets, percent):
    facts = replace(
        FACTS,
        consistency_percent=Decimal(percent),
        cycle_daily_nets=tuple(Decimal(n) / 100 for n in day_nets),
    )
    (check,) = [c for c in payout_eligibility(facts).checks if c.code == "consistency"]
    gate = _engine_gate(day_nets, percent)

    assert check.ok == gate.met
    needed = gate.details["needed_total"]
    if not gate.met and gate.details["total_net"] > 0:
        assert f"reaches {Decimal(needed) / 100:,.2f})" in check.message


@pytest.mark.django_db
def test_cycle_start_is_the_same_instant_for_payouts_and_the_engine(
    funded_account, after_cycle, finance, finance_2, recompute_calls
):
    account = funded_account
    _, before = load_account(account.pk)
    assert before.payout_cycle_start_ts == to_ts(payout_cycle_start(account))

    payout = request_payout(account, by=account.trader)
    approve_payout(payout, by=finance)
    mark_payout_paid(payout, by=finance_2, reference="BANK-1")

    _, after = load_account(account.pk)
    paid_at = payout_cycle_start(account)
    assert after.payout_cycle_start_ts == to_ts(paid_at) > before.payout_cycle_start_ts


@pytest.mark.django_db
@pytest.mark.parametrize(
    "tz,hour",
    [("America/New_York", 17), ("Europe/Prague", 0), ("Europe/Prague", 2), ("Australia/Sydney", 8)],
)
def test_cycle_daily_nets_use_the_portals_trading_days_across_dst_changes(tz, hour):
    """Trades every 5 hours across both 2026 DST changes of each zone: the payout gate's days
    are exactly the days the portal names (risk.days) and the engine stores."""
    account = funded_account(daily_profits=(), start=dt.datetime(2026, 3, 1, tzinfo=dt.UTC))
    account.phase.reset_tz, account.phase.reset_hour = tz, hour
    account.phase.save(update_fields=["reset_tz", "reset_hour"])
    expected: dict[dt.date, Decimal] = {}
    moments = [
        dt.datetime(2026, 3, 1, tzinfo=dt.UTC) + dt.timedelta(hours=5 * k) for k in range(60)
    ]
    moments += [
        dt.datetime(2026, 10, 20, tzinfo=dt.UTC) + dt.timedelta(hours=5 * k) for k in range(60)
    ]
    for k, close in enumerate(moments):
        profit = Decimal(100 + k)
        TradeFactory(
            account=account,
            profit=profit,
            open_time=close - dt.timedelta(minutes=1),
            close_time=close,
        )
        day = trading_day_at(tz, hour, close).day
        expected[day] = expected.get(day, Decimal("0.00")) + profit

    nets = cycle_daily_nets(account, payout_cycle_start(account))

    assert nets == tuple(expected[day] for day in sorted(expected))


@pytest.mark.django_db
def test_a_manual_withdrawal_starts_a_new_cycle_for_payouts_and_the_engine():
    account = funded_account(daily_profits=PROFIT_2500)
    BalanceOperationFactory(
        account=account,
        kind="withdrawal",
        amount=Decimal("-10.00"),
        time=START + dt.timedelta(days=2),
    )
    _, engine_input = load_account(account.pk)
    assert engine_input.payout_cycle_start_ts == to_ts(payout_cycle_start(account))
