"""A small firm whose every staff figure can be computed by hand.

Programs (USD): "Two-Step" (price 540; Phase 1 → Phase 2 → Funded at 80%) and "One-Step"
(price 300; Phase 1 → Funded at 90%). Every account is on B0 = 100,000.

Two-Step, March 2026 cohort:
  a1  Phase 1 failed 03-05 (max_daily_loss)
  a2  Phase 1 passed 03-02→03-06 (4 d) → Phase 2 passed 03-06→03-16 (10 d) → Funded: trade +1,000
      on 03-20, paid 03-30 (withdrawal −1,000; trader share 800), trade +500 on 04-01
  a3  Phase 1 passed 03-03→03-09 (6 d) → Phase 2 failed 03-12 (max_total_loss)
  a4  Phase 1 active since 03-20; trade +50 (XAUUSD, open across its snapshot)
Two-Step, February cohort:
  a5  Phase 1 passed 02-10→02-20 (10 d) → Phase 2 active
One-Step, March cohort:
  b1  Phase 1 passed 03-02→03-12 (10 d) → Funded: trades +1,500.55, +300, +200 (= 2,000.55)
  (funded accounts' AccountMetrics.balance agrees with their trades and withdrawals; one
  DailyMetrics row per account and day with closed trades)
  b2  Phase 1 failed 03-04 (max_daily_loss), plus a soft news_trading violation
  b3  Phase 1 passed 03-05→03-10 (5 d) → Funded: trade −300
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

import pytest
from django.db.models import Count, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone

from accounts.roles import ADMINS, FINANCE, RISK, SUPPORT
from evaluations.models import BalanceOperation, Phase, Trade, TradingAccount
from payouts.models import PayoutRequest
from risk.models import AccountMetrics, DailyMetrics, Violation
from tests.factories import (
    EquitySnapshotFactory,
    FundedPhaseFactory,
    PhaseFactory,
    ProgramFactory,
    RuleSetFactory,
    TradeFactory,
    TraderFactory,
    TradingAccountFactory,
    staff_user,
)

UTC = dt.UTC
D = Decimal


def at(month: int, day: int, hour: int = 12, minute: int = 0) -> dt.datetime:
    return dt.datetime(2026, month, day, hour, minute, tzinfo=UTC)


@dataclass
class Firm:
    two_step: object
    one_step: object
    accounts: dict[str, TradingAccount] = field(default_factory=dict)
    traders: dict[str, object] = field(default_factory=dict)
    finance: object = None


class FirmBuilder:
    def __init__(self) -> None:
        self.rule_sets: dict[int, object] = {}

    def account(
        self, phase: Phase, trader, status: str, started, ended=None, previous=None
    ) -> TradingAccount:
        if phase.pk not in self.rule_sets:
            self.rule_sets[phase.pk] = RuleSetFactory(phase=phase)
        return TradingAccountFactory(
            rule_set=self.rule_sets[phase.pk],
            trader=trader,
            status=status,
            started_at=started,
            ended_at=ended,
            previous_account=previous,
        )


def violation(account, code: str, time, *, failed: bool = True, severity: str = "hard"):
    return Violation.objects.create(
        account=account,
        rule_code=code,
        severity=severity,
        key=f"{code}:{time:%Y-%m-%d}",
        threshold=D("95000"),
        observed=D("94000"),
        unit="money",
        time=time,
        day=time.date(),
        message=f"{code} broken",
        failed_account=failed,
    )


def trade(account, net: str, close, *, symbol="EURUSD", side="buy", volume="1.00", hours=1):
    return TradeFactory(
        account=account,
        profit=D(net),
        symbol=symbol,
        side=side,
        volume=D(volume),
        open_time=close - dt.timedelta(hours=hours),
        close_time=close,
    )


def metrics(account, *, room_daily=None, room_total=None, equity="100000", balance=None):
    now = timezone.now()
    return AccountMetrics.objects.create(
        account=account,
        basis="closed_trades",
        balance=D(balance or equity),
        equity=D(equity),
        hwm=D(equity),
        net_profit=D(equity) - account.initial_balance,
        max_drawdown=D("0"),
        room_daily=None if room_daily is None else D(room_daily),
        room_total=None if room_total is None else D(room_total),
        evaluated_as_of=now,
        computed_at=now,
    )


def build_firm(copy: int = 0) -> Firm:
    """The firm above; `copy` > 0 builds another one beside it (other programs and people)."""
    tag = f"-{copy}" if copy else ""
    two = ProgramFactory(name=f"Two-Step{tag}", slug=f"two-step{tag}", price=D("540.00"))
    one = ProgramFactory(name=f"One-Step{tag}", slug=f"one-step{tag}", price=D("300.00"))
    t1 = PhaseFactory(program=two, order=1, name="Phase 1")
    t2 = PhaseFactory(program=two, order=2, name="Phase 2")
    tf = FundedPhaseFactory(program=two, order=3, profit_split=D("80.00"))
    o1 = PhaseFactory(program=one, order=1, name="Phase 1")
    of = FundedPhaseFactory(program=one, order=2, profit_split=D("90.00"))
    b = FirmBuilder()
    firm = Firm(two_step=two, one_step=one)
    firm.finance = staff_user(FINANCE, f"payer{tag}@firm.example")
    traders = {k: TraderFactory(email=f"{k}{tag}@traders.example") for k in (*"abcdefgh",)}
    firm.traders = traders
    acc = firm.accounts

    acc["a1"] = b.account(t1, traders["a"], "failed", at(3, 2), at(3, 5))
    violation(acc["a1"], "max_daily_loss", at(3, 5, 15))

    acc["a2e1"] = b.account(t1, traders["b"], "passed", at(3, 2), at(3, 6))
    acc["a2e2"] = b.account(t2, traders["b"], "passed", at(3, 6), at(3, 16), acc["a2e1"])
    acc["a2f"] = b.account(tf, traders["b"], "funded", at(3, 16), None, acc["a2e2"])
    trade(acc["a2f"], "1000.00", at(3, 20, 15))
    withdrawal = BalanceOperation.objects.create(
        account=acc["a2f"], kind="withdrawal", amount=D("-1000.00"), time=at(3, 30), reason="x"
    )
    PayoutRequest.objects.create(
        account=acc["a2f"],
        requested_by=traders["b"],
        status="paid",
        currency="USD",
        eligible_amount=D("1000.00"),
        amount=D("1000.00"),
        split_percent=D("80.00"),
        trader_share=D("800.00"),
        cycle_start=at(3, 16),
        requested_at=at(3, 28),
        approved_by=firm.finance,
        approved_at=at(3, 29),
        paid_by=firm.finance,
        paid_at=at(3, 30),
        payment_reference="PAY-1",
        withdrawal=withdrawal,
    )
    trade(acc["a2f"], "500.00", at(4, 1))
    metrics(acc["a2f"], balance="100500.00")  # 100,000 + 1,000 − 1,000 paid + 500

    acc["a3e1"] = b.account(t1, traders["c"], "passed", at(3, 3), at(3, 9))
    acc["a3e2"] = b.account(t2, traders["c"], "failed", at(3, 9), at(3, 12), acc["a3e1"])
    violation(acc["a3e2"], "max_total_loss", at(3, 12, 9))

    acc["a4"] = b.account(t1, traders["d"], "active", at(3, 20))
    trade(acc["a4"], "50.00", at(3, 20, 14), symbol="XAUUSD", side="sell", hours=4)
    EquitySnapshotFactory(
        account=acc["a4"], time=at(3, 20, 12), balance=D("100000"), equity=D("100050")
    )
    metrics(acc["a4"], room_daily="1000.00", room_total="6000.00")

    acc["a5e1"] = b.account(t1, traders["e"], "passed", at(2, 10), at(2, 20))
    acc["a5e2"] = b.account(t2, traders["e"], "active", at(2, 20), None, acc["a5e1"])
    metrics(acc["a5e2"], room_daily=None, room_total="9000.00")

    acc["b1e1"] = b.account(o1, traders["f"], "passed", at(3, 2), at(3, 12))
    acc["b1f"] = b.account(of, traders["f"], "funded", at(3, 12), None, acc["b1e1"])
    trade(acc["b1f"], "1500.55", at(3, 20, 14), volume="2.00", hours=4)  # open 10:00–14:00
    trade(acc["b1f"], "300.00", at(3, 20, 13), side="sell", volume="0.50", hours=2)  # 11–13
    trade(acc["b1f"], "200.00", at(3, 19, 14))  # closed before the snapshot
    EquitySnapshotFactory(
        account=acc["b1f"], time=at(3, 20, 12), balance=D("100200"), equity=D("100050")
    )
    metrics(acc["b1f"], room_daily="4000.00", room_total="2500.00", balance="102000.55")

    acc["b2"] = b.account(o1, traders["g"], "failed", at(3, 3), at(3, 4))
    violation(acc["b2"], "max_daily_loss", at(3, 4, 10))
    violation(acc["b2"], "news_trading", at(3, 4, 9), failed=False, severity="soft")
    metrics(acc["b2"], room_daily="-50.00", room_total="5000.00")  # failed: never listed

    acc["b3e1"] = b.account(o1, traders["h"], "passed", at(3, 5), at(3, 10))
    acc["b3f"] = b.account(of, traders["h"], "funded", at(3, 10), None, acc["b3e1"])
    trade(acc["b3f"], "-300.00", at(3, 18))
    metrics(acc["b3f"], balance="99700.00")
    daily_metrics_from_trades(list(acc.values()))
    return firm


def daily_metrics_from_trades(accounts) -> None:
    """One DailyMetrics row per account and (UTC) day with closed trades, as the engine stores
    them; balances are placeholders, the staff figures read net, trades and lots."""
    rows = (
        Trade.objects.filter(account__in=accounts)
        .annotate(day=TruncDate("close_time", tzinfo=UTC))
        .values("account_id", "day")
        .annotate(net=Sum("net"), count=Count("id"), lots=Sum("volume"))
        .order_by()
    )
    money = D("100000")
    DailyMetrics.objects.bulk_create(
        DailyMetrics(
            account_id=r["account_id"],
            day=r["day"],
            net=r["net"],
            trades_opened=r["count"],
            trades_closed=r["count"],
            lots=r["lots"],
            start_balance=money,
            start_equity=money,
            end_balance=money,
            end_equity=money,
            reference=money,
            min_equity=money,
        )  # fmt: skip
        for r in rows
    )


@pytest.fixture
def firm(db) -> Firm:
    return build_firm()


@pytest.fixture
def role_users(db) -> dict:
    users = {role: staff_user(role, f"{role}.staff@firm.example") for role in (ADMINS, RISK)}
    users[FINANCE] = staff_user(FINANCE, "finance.staff@firm.example")
    users[SUPPORT] = staff_user(SUPPORT, "support.staff@firm.example")
    users["trader"] = TraderFactory(email="plain.trader@traders.example")
    return users
