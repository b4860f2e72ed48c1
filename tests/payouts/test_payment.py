"""Paying: one withdrawal of the paid profit, balance back to B0, metrics recomputed, new cycle."""

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.db import IntegrityError, transaction

from evaluations.models import BalanceOperation
from payouts import selectors, services
from payouts.models import PayoutStatus
from risk.models import AccountMetrics
from tests import builders
from tests.factories import TradeFactory

from .conftest import AFTER_CYCLE, PROFIT_2500

pytestmark = pytest.mark.django_db


@pytest.fixture
def approved(funded_account, finance, after_cycle):
    payout = services.request_payout(funded_account, by=funded_account.trader)
    return services.approve_payout(payout, by=finance)


def test_paying_withdraws_the_whole_profit_and_balance_returns_to_initial(
    approved, funded_account, finance_2, recompute_calls, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        payout = services.mark_payout_paid(approved, by=finance_2, reference=" WIRE-2026-0042 ")

    assert payout.status == PayoutStatus.PAID
    assert payout.payment_reference == "WIRE-2026-0042"
    assert payout.paid_by == finance_2
    [withdrawal] = BalanceOperation.objects.filter(account=funded_account)
    assert withdrawal.kind == "withdrawal"
    assert withdrawal.amount == Decimal("-2500.00")
    assert withdrawal.reference == f"payout:{payout.pk}"
    assert withdrawal.created_by == finance_2
    assert payout.withdrawal == withdrawal
    assert selectors.account_balance(funded_account.pk) == funded_account.initial_balance
    assert recompute_calls == [[funded_account.pk]]


def test_paying_needs_a_reference(approved, finance, finance_2, recompute_calls):
    with pytest.raises(services.PayoutError, match="payment reference"):
        services.mark_payout_paid(approved, by=finance_2, reference="")

    approved.refresh_from_db()
    assert approved.status == PayoutStatus.APPROVED


def test_paying_twice_records_one_withdrawal(approved, finance, finance_2, recompute_calls):
    services.mark_payout_paid(approved, by=finance_2, reference="WIRE-1")

    with pytest.raises(services.PayoutError, match="is paid"):
        services.mark_payout_paid(approved, by=finance_2, reference="WIRE-2")

    assert BalanceOperation.objects.filter(account=approved.account).count() == 1


def test_ledger_refuses_a_second_withdrawal_for_the_same_payout(
    approved, finance, finance_2, recompute_calls
):
    services.mark_payout_paid(approved, by=finance_2, reference="WIRE-1")

    with pytest.raises(IntegrityError), transaction.atomic():
        BalanceOperation.objects.create(
            account=approved.account,
            kind="withdrawal",
            amount=Decimal("-2500.00"),
            reason="duplicate",
            reference=f"payout:{approved.pk}",
        )


def test_partial_payout_leaves_the_rest_of_the_profit(
    funded_account, finance, finance_2, after_cycle, recompute_calls
):
    payout = services.request_payout(funded_account, by=funded_account.trader, amount="1000")
    services.approve_payout(payout, by=finance)
    services.mark_payout_paid(payout, by=finance_2, reference="WIRE-7")

    assert selectors.account_balance(funded_account.pk) == Decimal("101500.00")


def test_profit_lost_since_the_request_blocks_payment(
    approved, funded_account, finance, finance_2, recompute_calls
):
    TradeFactory(account=funded_account, profit=Decimal("-600.00"))

    with pytest.raises(services.PayoutError, match="profit is now 1900.00"):
        services.mark_payout_paid(approved, by=finance_2, reference="WIRE-1")

    assert not BalanceOperation.objects.exists()


def test_failed_account_cannot_be_paid(
    approved, funded_account, finance, finance_2, recompute_calls
):
    funded_account.mark_failed(at=AFTER_CYCLE, reason="Max total loss")
    funded_account.save()

    with pytest.raises(services.PayoutError, match="no longer funded"):
        services.mark_payout_paid(approved, by=finance_2, reference="WIRE-1")


def test_next_cycle_starts_at_the_payment(
    approved, funded_account, finance, finance_2, recompute_calls
):
    paid = services.mark_payout_paid(approved, by=finance_2, reference="WIRE-1")
    TradeFactory(
        account=funded_account,
        profit=Decimal("900.00"),
        open_time=paid.paid_at + dt.timedelta(hours=1),
        close_time=paid.paid_at + dt.timedelta(hours=2),
    )

    eligibility = selectors.account_eligibility(funded_account)

    next_date = (paid.paid_at + dt.timedelta(days=14)).date().isoformat()
    assert eligibility.cycle_start == paid.paid_at
    assert eligibility.reasons == (f"payout cycle: next eligible {next_date}",)
    assert eligibility.profit == Decimal("900.00")
    with time_machine.travel(paid.paid_at + dt.timedelta(days=14), tick=False):
        assert selectors.account_eligibility(funded_account).eligible


@pytest.mark.parametrize("mode", ["trailing_closed", "trailing_eod", "static"])
def test_after_payment_metrics_follow_the_new_balance_without_a_breach(
    finance, finance_2, after_cycle, django_capture_on_commit_callbacks, mode
):
    # 6% of 100k: the floor trailed to 96,500 at a 102,500 balance; after paying the 2,500 out,
    # the recompute puts balance and high-water mark at 100,000 and the floor at 94,000.
    account = builders.funded_account(daily_profits=PROFIT_2500)
    account.rule_set.rules.create(
        code="max_total_loss", severity="hard", params={"percent": "6", "mode": mode}
    )
    payout = services.request_payout(account, by=account.trader)
    services.approve_payout(payout, by=finance)

    with django_capture_on_commit_callbacks(execute=True):
        services.mark_payout_paid(payout, by=finance_2, reference="WIRE-1")

    metrics = AccountMetrics.objects.get(account=account)
    account.refresh_from_db()
    assert (metrics.balance, metrics.hwm, metrics.total_floor) == (
        Decimal("100000.00"),
        Decimal("100000.00"),
        Decimal("94000.00"),
    )
    assert account.status == "funded"
    assert not account.violations.exists()
