"""A small firm whose every staff figure can be computed by hand, judged by the risk engine.

Programs (USD): "Two-Step" (price 540; Phase 1 → Phase 2 → Funded at 80%) and "One-Step"
(price 300; Phase 1 → Funded at 90%). Every account is on B0 = 100,000. Rules (`RULES`):
Phase 1 fails below the daily floor (day start balance − 5%) or the static total floor
(90,000) and passes at +10% (One-Step's Phase 1 also flags news trading, ±2 min of a high-impact
event); Two-Step's Phase 2 has only the total floor and a 5% target; Two-Step's funded phase
both loss limits; One-Step's funded phase the daily limit and a 5% floor trailing the highest
closed balance.

Only trades (and snapshots, a withdrawal) are written; `evaluate` runs the engine, which stores
every metric and violation, fails or passes each account and opens its next phase (the builder
then gives the opened account the pass time as its start: the engine, run after the fact, would
stamp it "now"). All days are 2026, times UTC.

Two-Step, March cohort:
  a1  Phase 1 from 03-02: −5,500 on 03-05 15:00 → failed (max_daily_loss)
  a2  Phase 1 03-02 12:00: +10,000 on 03-06 → passed (4 d) → Phase 2: +5,000 on 03-16 → passed
      (10 d) → Funded: +1,000 on 03-20, paid 03-30 (withdrawal −1,000; trader share 800),
      +500 on 04-01
  a3  Phase 1 03-03: +10,000 on 03-09 → passed (6 d) → Phase 2: −10,500 on 03-12 09:00 →
      failed (max_total_loss)
  a4  Phase 1 active since 03-20 08:00: −4,050 closed 11:00, snapshot 12:00 (95,950 / 96,000),
      +50 XAUUSD sell 10:00–14:00: daily room 1,000, total room 6,000
Two-Step, February cohort:
  a5  Phase 1 02-10: +10,000 on 02-20 → passed (10 d) → Phase 2 active: −1,000 on 02-23
One-Step, March cohort:
  b1  Phase 1 03-02: +10,000 on 03-12 → passed (10 d) → Funded: +200 on 03-19, +1,500.55
      (10:00–14:00) and +300 (sell 11:00–13:00) on 03-20 (= 2,000.55); snapshot 03-20 12:00
      (100,200 / 100,050)
  b2  Phase 1 03-03: −5,500 EURUSD opened 03-04 09:00 at a USD release (soft news_trading),
      closed 10:00 → failed (max_daily_loss)
  b3  Phase 1 03-05: +10,000 on 03-10 → passed (5 d) → Funded: −300 on 03-18
Open accounts are evaluated as of 03-20 15:00 (a2f's last trade takes it to 04-01).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

import pytest

from accounts.roles import ADMINS, FINANCE, RISK, SUPPORT
from evaluations.models import AccountStatus, BalanceOperation, Phase, TradingAccount
from payouts.models import PayoutRequest
from risk.models import EconomicEvent
from tests.builders import RuleSpec, evaluate, rule_set_for
from tests.factories import (
    EquitySnapshotFactory,
    FundedPhaseFactory,
    PhaseFactory,
    ProgramFactory,
    TradeFactory,
    TraderFactory,
    TradingAccountFactory,
    staff_user,
)

UTC = dt.UTC
D = Decimal
DAILY_5: RuleSpec = ("max_daily_loss", "hard", {"percent": "5"})
TOTAL_10: RuleSpec = ("max_total_loss", "hard", {"percent": "10"})
RULES: dict[str, list[RuleSpec]] = {
    "two_1": [DAILY_5, TOTAL_10, ("profit_target", "soft", {"percent": "10"})],
    "two_2": [TOTAL_10, ("profit_target", "soft", {"percent": "5"})],
    "two_f": [DAILY_5, TOTAL_10],
    "one_1": [
        DAILY_5,
        TOTAL_10,
        ("profit_target", "soft", {"percent": "10"}),
        ("news_trading", "soft", {}),
    ],
    "one_f": [DAILY_5, ("max_total_loss", "hard", {"percent": "5", "mode": "trailing_closed"})],
}


def at(month: int, day: int, hour: int = 12, minute: int = 0) -> dt.datetime:
    return dt.datetime(2026, month, day, hour, minute, tzinfo=UTC)


AS_OF = at(3, 20, 15)  # "now" for the open accounts


@dataclass
class Firm:
    two_step: object
    one_step: object
    accounts: dict[str, TradingAccount] = field(default_factory=dict)
    traders: dict[str, object] = field(default_factory=dict)
    finance: object = None


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


def first_phase(phase: Phase, trader, started) -> TradingAccount:
    return TradingAccountFactory(rule_set=phase.current_rule_set, trader=trader, started_at=started)


def judged(account: TradingAccount, status: str) -> TradingAccount:
    """Run the engine on `account` and check it reached `status`."""
    evaluate(account, as_of=AS_OF)
    assert account.status == status, (account, account.status)
    return account


def passed(account: TradingAccount) -> TradingAccount:
    """Evaluate an account whose trades meet its target; return the next phase's account the
    pass opened, started when the pass ended this one."""
    judged(account, AccountStatus.PASSED)
    following = TradingAccount.objects.get(previous_account=account)
    following.started_at = account.ended_at  # opened by this run "now"; it opened at the pass
    following.save(update_fields=["started_at"])
    return following


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
    for phase, rules in zip((t1, t2, tf, o1, of), RULES.values(), strict=True):
        rule_set_for(phase, rules)
    EconomicEvent.objects.get_or_create(
        time=at(3, 4, 9), currency="USD", impact="high", defaults={"title": "Non-farm payrolls"}
    )
    firm = Firm(two_step=two, one_step=one)
    firm.finance = staff_user(FINANCE, f"payer{tag}@firm.example")
    traders = {k: TraderFactory(email=f"{k}{tag}@traders.example") for k in (*"abcdefgh",)}
    firm.traders = traders
    acc = firm.accounts

    acc["a1"] = first_phase(t1, traders["a"], at(3, 2))
    trade(acc["a1"], "-5500.00", at(3, 5, 15))  # below 95,000: the daily floor
    judged(acc["a1"], AccountStatus.FAILED)

    acc["a2e1"] = first_phase(t1, traders["b"], at(3, 2))
    trade(acc["a2e1"], "10000.00", at(3, 6))
    acc["a2e2"] = passed(acc["a2e1"])
    trade(acc["a2e2"], "5000.00", at(3, 16))
    acc["a2f"] = passed(acc["a2e2"])
    trade(acc["a2f"], "1000.00", at(3, 20, 15))
    withdrawal = BalanceOperation.objects.create(
        account=acc["a2f"],
        kind="withdrawal",
        amount=D("-1000.00"),
        time=at(3, 30),
        reason="x",
        status="approved",
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
    judged(acc["a2f"], AccountStatus.FUNDED)  # balance 100,000 + 1,000 − 1,000 paid + 500

    acc["a3e1"] = first_phase(t1, traders["c"], at(3, 3))
    trade(acc["a3e1"], "10000.00", at(3, 9))
    acc["a3e2"] = passed(acc["a3e1"])
    trade(acc["a3e2"], "-10500.00", at(3, 12, 9))  # 89,500: below the total floor
    judged(acc["a3e2"], AccountStatus.FAILED)

    acc["a4"] = first_phase(t1, traders["d"], at(3, 20, 8))
    trade(acc["a4"], "-4050.00", at(3, 20, 11))
    trade(acc["a4"], "50.00", at(3, 20, 14), symbol="XAUUSD", side="sell", hours=4)
    EquitySnapshotFactory(
        account=acc["a4"], time=at(3, 20, 12), balance=D("95950"), equity=D("96000")
    )
    judged(acc["a4"], AccountStatus.ACTIVE)  # 96,000: 1,000 above 95,000, 6,000 above 90,000

    acc["a5e1"] = first_phase(t1, traders["e"], at(2, 10))
    trade(acc["a5e1"], "10000.00", at(2, 20))
    acc["a5e2"] = passed(acc["a5e1"])
    trade(acc["a5e2"], "-1000.00", at(2, 23))  # 9,000 above the total floor; no daily limit
    judged(acc["a5e2"], AccountStatus.ACTIVE)

    acc["b1e1"] = first_phase(o1, traders["f"], at(3, 2))
    trade(acc["b1e1"], "10000.00", at(3, 12))
    acc["b1f"] = passed(acc["b1e1"])
    trade(acc["b1f"], "1500.55", at(3, 20, 14), volume="2.00", hours=4)  # open 10:00–14:00
    trade(acc["b1f"], "300.00", at(3, 20, 13), side="sell", volume="0.50", hours=2)  # 11–13
    trade(acc["b1f"], "200.00", at(3, 19, 14))  # closed before the snapshot
    EquitySnapshotFactory(
        account=acc["b1f"], time=at(3, 20, 12), balance=D("100200"), equity=D("100050")
    )
    judged(acc["b1f"], AccountStatus.FUNDED)

    acc["b2"] = first_phase(o1, traders["g"], at(3, 3))
    trade(acc["b2"], "-5500.00", at(3, 4, 10))  # opened 09:00, at the USD release
    judged(acc["b2"], AccountStatus.FAILED)

    acc["b3e1"] = first_phase(o1, traders["h"], at(3, 5))
    trade(acc["b3e1"], "10000.00", at(3, 10))
    acc["b3f"] = passed(acc["b3e1"])
    trade(acc["b3f"], "-300.00", at(3, 18))
    judged(acc["b3f"], AccountStatus.FUNDED)
    return firm


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
