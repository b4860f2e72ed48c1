"""Accounts with a history for portal tests: trades, then the risk engine's own evaluation.

`two_step_program` gives Phase 1 and Phase 2 FTMO-style rules (daily floor = day start balance
− 5% of B0, static total floor = 90% of B0, profit target 10%, 4 trading days, best day ≤ 40%
of the profit) and the funded phase the two loss limits; `portfolio` adds a soft
weekend-holding warning.
`give_history` writes closed trades and runs the engine, so every metric, violation and status
the portal shows is what the product stores. The numbers are simple enough to check by hand in
the tests.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from evaluations.models import AccountStatus, EquitySnapshot, Trade, TradingAccount
from risk.models import AccountMetrics, DailyMetrics
from tests.builders import RuleSpec, evaluate, funded_account, rule_set_for
from tests.factories import (
    FundedPhaseFactory,
    PhaseFactory,
    ProgramFactory,
    TradeFactory,
    TradingAccountFactory,
)

UTC = dt.UTC
DAY0 = dt.datetime(2026, 3, 2, 8, 0, tzinfo=UTC)  # Monday 09:00 in Prague
SYMBOLS = ("EURUSD", "XAUUSD", "US30")
LOSS_LIMITS: list[RuleSpec] = [
    ("max_daily_loss", "hard", {"percent": "5"}),
    ("max_total_loss", "hard", {"percent": "10"}),
]
FTMO_RULES: list[RuleSpec] = [
    *LOSS_LIMITS,
    ("profit_target", "soft", {"percent": "10"}),
    ("min_trading_days", "soft", {"days": 4}),
    ("consistency", "soft", {"percent": "40"}),
]
WEEKEND_WARNING: RuleSpec = ("weekend_holding", "soft", {})  # Friday 21:00 → Sunday 21:00 UTC


@dataclass
class History:
    account: TradingAccount
    trades: list[Trade]
    days: list[DailyMetrics]
    metrics: AccountMetrics


def add_trades(
    account: TradingAccount, day_nets: list[list[str | Decimal]], *, first_day: dt.datetime = DAY0
) -> list[Trade]:
    """One closed trade per amount in `day_nets[k]`, on day k (consecutive days from
    `first_day`), ten minutes apart, each open five minutes."""
    trades: list[Trade] = []
    ticket = 1_000_000 * (account.pk % 1000) + account.trades.count()
    for k, nets in enumerate(day_nets):
        day_start = first_day + dt.timedelta(days=k)
        for i, net in enumerate(nets):
            ticket += 1
            opened = day_start + dt.timedelta(minutes=10 * i)
            trades.append(
                Trade(
                    account=account,
                    ticket=str(ticket),
                    symbol=SYMBOLS[i % len(SYMBOLS)],
                    side="buy" if i % 2 == 0 else "sell",
                    volume=Decimal("1.50") if i % 3 else Decimal("0.25"),
                    open_time=opened,
                    open_price=Decimal("1.08000"),
                    close_time=opened + dt.timedelta(minutes=5),
                    close_price=Decimal("1.08100"),
                    profit=Decimal(net),
                )
            )
    return Trade.objects.bulk_create(trades, batch_size=5000)


def give_history(
    account: TradingAccount,
    day_nets: list[list[str | Decimal]],
    *,
    first_day: dt.datetime = DAY0,
    as_of: dt.datetime | None = None,
) -> History:
    """`add_trades`, then the risk engine evaluates the account (as of `as_of`, default now)."""
    trades = add_trades(account, day_nets, first_day=first_day)
    evaluate(account, as_of=as_of)
    return History(
        account,
        trades,
        list(account.daily_metrics.order_by("day")),
        AccountMetrics.objects.get(account=account),
    )


def two_step_program(rules: list[RuleSpec] = FTMO_RULES):
    """The rule sets of "2-Step 100k": Phase 1 and Phase 2 with `rules`, Funded with the loss
    limits; each phase's trading day starts at midnight in Prague."""
    program = ProgramFactory(name="2-Step 100k", slug="two-step-100k")
    phase1 = PhaseFactory(program=program, order=1, name="Phase 1")
    phase2 = PhaseFactory(program=program, order=2, name="Phase 2")
    funded = FundedPhaseFactory(program=program, order=3, name="Funded")
    return (
        rule_set_for(phase1, rules),
        rule_set_for(phase2, rules),
        rule_set_for(funded, LOSS_LIMITS),
    )


def portfolio(trader) -> dict[str, TradingAccount]:
    """A trader with one account of every kind the portal explains, each judged by the engine:
    active (with history), failed (max daily loss on its last day, after a weekend warning),
    passed (with its next phase opened by the pass) and funded."""
    phase1, _, funded = two_step_program(rules=[*FTMO_RULES, WEEKEND_WARNING])
    active = TradingAccountFactory(trader=trader, rule_set=phase1, login="7000001")
    give_history(
        active,
        [["420.50", "-130.25", "610.00"], ["-220.00", "515.75"], ["300.00", "-80.10", "250.00"]],
    )
    failed = TradingAccountFactory(
        trader=trader, rule_set=phase1, login="7000002", started_at=DAY0 - dt.timedelta(days=3)
    )
    TradeFactory(  # a flat position held over the weekend before: a soft warning
        account=failed,
        profit=Decimal("0.00"),
        open_time=DAY0 - dt.timedelta(days=2, hours=12),  # Friday 20:00 UTC
        close_time=DAY0 - dt.timedelta(hours=1),  # Monday 07:00 UTC
    )
    # Day 2 starts at 100,750.00, so its floor is 95,750.00; the third loss takes equity to
    # 95,150.00, below it: the engine fails the account there.
    give_history(failed, [["900.00", "-150.00"], ["-2700.00", "-2200.00", "-700.00"]])
    passed = TradingAccountFactory(trader=trader, rule_set=phase1, login="7000003")
    # The target (10,000.00) is reached on day 5 (6 March), best day 4,000.00 = 40% of it.
    give_history(passed, [["4000.00"], ["3500.00"], ["1000.00"], ["500.00"], ["1000.00"]])
    following = TradingAccount.objects.get(previous_account=passed)
    following.login = "7000004"  # the engine drew a login; give it one the tests can name
    following.save(update_fields=["login"])
    funded_one = funded_account(trader=trader, rule_set=funded, login="7000005", start=DAY0)
    give_history(funded_one, [["1200.00", "300.00"], ["-100.00", "850.00"]])
    assert (failed.status, passed.status) == (AccountStatus.FAILED, AccountStatus.PASSED)
    assert (active.status, funded_one.status) == (AccountStatus.ACTIVE, AccountStatus.FUNDED)
    return {
        "active": active,
        "failed": failed,
        "passed": passed,
        "next": following,
        "funded": funded_one,
    }


def big_account(trader, login: str) -> TradingAccount:
    """200 trading days × 50 trades = 10,000 trades and 20,000 equity snapshots (every 14
    minutes, equity within ±20.00 of the closed balance), evaluated by the engine on its last
    trading day: the account of the portal's performance test and of bench/portal.py."""
    phase1, _, _ = two_step_program()
    account = TradingAccountFactory(trader=trader, rule_set=phase1, login=login)
    nets = [[f"{((d * 50 + i) % 13 - 6) * 7.5 + 1:.2f}" for i in range(50)] for d in range(200)]
    closes = sorted((t.close_time, t.profit) for t in add_trades(account, nets))
    snapshots, balance, n = [], account.initial_balance, 0
    for k in range(20_000):
        time = DAY0 + dt.timedelta(minutes=14 * k)
        while n < len(closes) and closes[n][0] <= time:
            balance += closes[n][1]
            n += 1
        equity = balance + Decimal(k % 400 - 200) / 10
        snapshots.append(EquitySnapshot(account=account, time=time, balance=balance, equity=equity))
    EquitySnapshot.objects.bulk_create(snapshots, batch_size=5000)
    evaluate(account, as_of=DAY0 + dt.timedelta(days=199, hours=10))  # the last trading day
    return account
