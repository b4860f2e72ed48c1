"""The scaling plan through the lifecycle: paying the payout that completes N qualifying cycles
closes the funded account and opens a larger one, audited, once; the trader sees the progress."""

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse

from accounts.models import AuditAction, AuditEvent
from evaluations.models import AccountStatus, TradingAccount
from evaluations.services.scaling import apply_scaling_plan
from payouts import selectors, services
from tests import builders
from tests.factories import TradeFactory

from .conftest import AFTER_CYCLE, PROFIT_2500

pytestmark = pytest.mark.django_db

SECOND_CYCLE = AFTER_CYCLE + dt.timedelta(days=15)
PLAN = {  # 2 cycles of ≥ 2% (2,000.00 on 100k); +25% of 100k; cap 150k
    "rule_set__phase__scaling_cycles": 2,
    "rule_set__phase__scaling_min_profit_percent": Decimal("2"),
    "rule_set__phase__scaling_growth_percent": Decimal("25"),
    "rule_set__phase__scaling_cap": Decimal("150000.00"),
}


@pytest.fixture
def scaling_account(db):
    return builders.funded_account(daily_profits=PROFIT_2500, **PLAN)


def pay(account, finance, finance_2, at, amount=None):
    with time_machine.travel(at, tick=True):
        payout = services.request_payout(account, by=account.trader, amount=amount)
        services.approve_payout(payout, by=finance)
        return services.mark_payout_paid(payout, by=finance_2, reference=f"WIRE-{at:%m%d}")


def profit_in_second_cycle(account):
    close = AFTER_CYCLE + dt.timedelta(days=2)
    TradeFactory(
        account=account,
        profit=Decimal("2100.00"),
        open_time=close - dt.timedelta(hours=1),
        close_time=close,
    )


def test_second_qualifying_payment_opens_a_larger_account_once(
    scaling_account, finance, finance_2, recompute_calls
):
    pay(scaling_account, finance, finance_2, AFTER_CYCLE)
    scaling_account.refresh_from_db()
    assert scaling_account.status == AccountStatus.FUNDED  # 1 of 2 cycles

    profit_in_second_cycle(scaling_account)
    pay(scaling_account, finance, finance_2, SECOND_CYCLE)

    scaling_account.refresh_from_db()
    assert scaling_account.status == AccountStatus.CLOSED
    assert scaling_account.status_reason == "Scaled up to 125,000.00 USD (scaling plan)"
    scaled = TradingAccount.objects.get(previous_account=scaling_account)
    assert scaled.status == AccountStatus.FUNDED
    assert scaled.initial_balance == Decimal("125000.00")
    assert scaled.trader == scaling_account.trader and scaled.phase == scaling_account.phase
    # The added size is not profit: nothing of it can be paid out.
    assert selectors.account_profit(scaled) == Decimal("0.00")
    [event] = AuditEvent.objects.filter(action=AuditAction.ACCOUNT_SCALED)
    assert event.actor == finance_2
    assert "from 100,000.00 to 125,000.00 USD" in event.summary

    # Idempotent: running the step again finds the old account closed, nothing to do.
    assert apply_scaling_plan(scaling_account, profit_left=Decimal("0"), at=SECOND_CYCLE) is None
    assert TradingAccount.objects.filter(trader=scaling_account.trader).count() == 2


def test_a_cycle_below_the_threshold_does_not_count(
    scaling_account, finance, finance_2, recompute_calls
):
    pay(scaling_account, finance, finance_2, AFTER_CYCLE, amount=Decimal("1999.99"))
    # 500.01 left behind; the next cycle pays it with new profit
    profit_in_second_cycle(scaling_account)
    pay(scaling_account, finance, finance_2, SECOND_CYCLE)

    scaling_account.refresh_from_db()
    assert scaling_account.status == AccountStatus.FUNDED
    assert not TradingAccount.objects.filter(previous_account=scaling_account).exists()


def test_trader_sees_the_scaling_progress(
    client, scaling_account, finance, finance_2, recompute_calls
):
    pay(scaling_account, finance, finance_2, AFTER_CYCLE)
    client.force_login(scaling_account.trader)

    page = client.get(reverse("portal:account", args=[scaling_account.login]))

    assert (
        "Scaling plan: 1 of 2 cycles at ≥ 2% done; next step +25,000.00 to 125,000.00 USD "
        "(cap 150,000.00)." in page.content.decode()
    )
