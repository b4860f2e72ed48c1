"""Accounts with a history, as the risk engine would have stored it, for portal tests.

`give_history` writes trades and the matching DailyMetrics / AccountMetrics for a
closed-trades-only account (equity = balance) under FTMO-style rules: daily floor = day start
balance − 5% of B0, static total floor = 90% of B0, profit target 10%, 4 trading days, best
day ≤ 40% of the profit. The numbers are simple enough to check by hand in the tests.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.utils import timezone

from evaluations.models import AccountStatus, Trade, TradingAccount
from risk.models import AccountMetrics, DailyMetrics, Violation
from tests.factories import (
    FundedPhaseFactory,
    PhaseFactory,
    ProgramFactory,
    RuleSetFactory,
    TradingAccountFactory,
)

UTC = dt.UTC
DAY0 = dt.datetime(2026, 3, 2, 8, 0, tzinfo=UTC)  # Monday 09:00 in Prague
SYMBOLS = ("EURUSD", "XAUUSD", "US30")


@dataclass
class History:
    account: TradingAccount
    trades: list[Trade]
    days: list[DailyMetrics]
    metrics: AccountMetrics


def _day_of(moment: dt.datetime) -> dt.date:
    return moment.astimezone(dt.timezone(dt.timedelta(hours=1))).date()  # Prague in winter


def give_history(
    account: TradingAccount,
    day_nets: list[list[str | Decimal]],
    *,
    first_day: dt.datetime = DAY0,
    now: dt.datetime | None = None,
) -> History:
    """One trade per amount in `day_nets[k]`, closed on day k (consecutive days from
    `first_day`), and the metrics the engine would store for them."""
    b0 = account.initial_balance
    percent_daily, floor_total = b0 * Decimal("0.05"), b0 * Decimal("0.90")
    trades: list[Trade] = []
    days: list[DailyMetrics] = []
    balance = peak = b0
    max_drawdown = Decimal(0)
    ticket = 1_000_000 * (account.pk % 1000)
    for k, nets in enumerate(day_nets):
        day_start = first_day + dt.timedelta(days=k)
        start_balance, low = balance, balance
        day_trades = []
        for i, net in enumerate(nets):
            net = Decimal(net)
            ticket += 1
            opened = day_start + dt.timedelta(minutes=10 * i)
            day_trades.append(
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
                    profit=net,
                )
            )
            balance += net
            low = min(low, balance)
            peak = max(peak, balance)
            max_drawdown = max(max_drawdown, peak - balance)
        trades += day_trades
        days.append(
            DailyMetrics(
                account=account,
                day=_day_of(day_start),
                start_balance=start_balance,
                start_equity=start_balance,
                end_balance=balance,
                end_equity=balance,
                reference=start_balance,
                daily_floor=start_balance - percent_daily,
                total_floor=floor_total,
                min_equity=low,
                net=sum((t.profit for t in day_trades), Decimal(0)),
                trades_opened=len(day_trades),
                trades_closed=len(day_trades),
                lots=sum((t.volume for t in day_trades), Decimal(0)),
            )
        )
    Trade.objects.bulk_create(trades, batch_size=5000)
    DailyMetrics.objects.bulk_create(days, batch_size=5000)
    nets = [t.profit for t in trades]
    net_profit = balance - b0
    best_day = max((d.net for d in days), default=Decimal(0))
    target = b0 * Decimal("0.10")
    now = now or timezone.now()
    metrics = AccountMetrics.objects.create(
        account=account,
        basis="closed_trades",
        balance=balance,
        equity=balance,
        hwm=peak,
        net_profit=net_profit,
        max_drawdown=max_drawdown,
        trades=len(trades),
        trading_days=sum(1 for d in days if d.trades_opened),
        wins=sum(1 for n in nets if n > 0),
        losses=sum(1 for n in nets if n < 0),
        gross_profit=sum((n for n in nets if n > 0), Decimal(0)),
        gross_loss=-sum((n for n in nets if n < 0), Decimal(0)),
        best_day_net=best_day,
        lots=sum((t.volume for t in trades), Decimal(0)),
        day_reference=balance,
        daily_floor=balance - percent_daily,
        total_floor=floor_total,
        room_daily=percent_daily,
        room_total=balance - floor_total,
        objectives=[
            {
                "code": "profit_target",
                "met": net_profit >= target,
                "current": str(net_profit),
                "target": str(target),
                "unit": "money",
                "detail": "",
            },
            {
                "code": "min_trading_days",
                "met": len(days) >= 4,
                "current": len(days),
                "target": 4,
                "unit": "days",
                "detail": "",
            },
            {
                "code": "consistency",
                "met": net_profit > 0 and best_day <= net_profit * Decimal("0.4"),
                "current": str((best_day * 100 / net_profit).quantize(Decimal("0.01")))
                if net_profit > 0
                else "0",
                "target": "40",
                "unit": "percent",
                "detail": "Best day's profit as a share of the total",
            },
        ],
        objectives_met=False,
        evaluated_as_of=now,
        computed_at=now,
    )
    return History(account, trades, days, metrics)


def fail_on_last_day(history: History, *, soft_warning: bool = True) -> Violation:
    """Fail the account with a max-daily-loss breach on its last day, caused by that day's
    losing trades; optionally add a soft weekend-holding warning."""
    account, day = history.account, history.days[-1]
    losing = [t for t in history.trades if t.profit < 0 and _day_of(t.close_time) == day.day]
    breach_time = losing[-1].close_time
    violation = Violation.objects.create(
        account=account,
        rule_code="max_daily_loss",
        severity="hard",
        key=f"max_daily_loss:{day.day}",
        threshold=day.daily_floor,
        observed=day.min_equity,
        unit="money",
        time=breach_time,
        day=day.day,
        message=(
            f"Equity {day.min_equity:,.2f} fell below the daily floor {day.daily_floor:,.2f}."
        ),
        evidence={"trade_ids": [t.pk for t in losing], "details": {}},
        failed_account=True,
    )
    if soft_warning:
        Violation.objects.create(
            account=account,
            rule_code="weekend_holding",
            severity="soft",
            key="weekend_holding:1",
            threshold=0,
            observed=1,
            unit="days",
            time=history.trades[0].close_time,
            day=history.days[0].day,
            message="A position was held over the weekend.",
            evidence={"trade_ids": [history.trades[0].pk]},
        )
    account.mark_failed(breach_time, reason="Max daily loss")
    account.save()
    return violation


def two_step_program():
    program = ProgramFactory(name="2-Step 100k", slug="two-step-100k")
    phase1 = PhaseFactory(program=program, order=1, name="Phase 1")
    phase2 = PhaseFactory(program=program, order=2, name="Phase 2")
    funded = FundedPhaseFactory(program=program, order=3, name="Funded")
    return (
        RuleSetFactory(phase=phase1),
        RuleSetFactory(phase=phase2),
        RuleSetFactory(phase=funded),
    )


def portfolio(trader) -> dict[str, TradingAccount]:
    """A trader with one account of every kind the portal explains: active (with history),
    failed, passed (with its next phase open) and funded."""
    phase1, phase2, funded = two_step_program()
    active = TradingAccountFactory(trader=trader, rule_set=phase1, login="7000001")
    give_history(
        active,
        [["420.50", "-130.25", "610.00"], ["-220.00", "515.75"], ["300.00", "-80.10", "250.00"]],
    )
    failed = TradingAccountFactory(trader=trader, rule_set=phase1, login="7000002")
    history = give_history(failed, [["900.00", "-150.00"], ["-2500.00", "-2700.00", "-400.00"]])
    fail_on_last_day(history)
    passed = TradingAccountFactory(trader=trader, rule_set=phase1, login="7000003")
    give_history(passed, [["4000.00"], ["3500.00"], ["2000.00"], ["1000.00"]])
    passed.mark_passed(DAY0 + dt.timedelta(days=4))
    passed.save()
    following = TradingAccountFactory(
        trader=trader, rule_set=phase2, login="7000004", previous_account=passed
    )
    funded_account = TradingAccountFactory(trader=trader, rule_set=funded, login="7000005")
    funded_account.mark_funded()
    funded_account.save()
    give_history(funded_account, [["1200.00", "300.00"], ["-100.00", "850.00"]])
    assert failed.status == AccountStatus.FAILED
    return {
        "active": active,
        "failed": failed,
        "passed": passed,
        "next": following,
        "funded": funded_account,
    }
