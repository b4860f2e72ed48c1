"""evaluate_accounts (full recompute, rollover) gives the same outcome as one-by-one evaluation,
with a number of queries that does not grow with the number of accounts."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from evaluations.models import AccountStatus, TradingAccount
from risk.models import AccountMetrics, DailyMetrics, Violation
from risk.services.evaluation import evaluate_account, evaluate_accounts
from tests.factories import T0

from . import builders
from .builders import DAILY_5, TARGET_10, TOTAL_10, account_in, trade, two_phase_program

pytestmark = pytest.mark.django_db
AS_OF = T0 + dt.timedelta(days=3)


def _snapshot_of_results():
    metrics = {
        m.account_id: (m.balance, m.equity, m.net_profit, m.trades, m.trading_days, m.daily_floor)
        for m in AccountMetrics.objects.all()
    }
    days = sorted(
        DailyMetrics.objects.values_list("account_id", "day", "end_balance", "min_equity", "net")
    )
    violations = sorted(
        Violation.objects.values_list("account_id", "key", "threshold", "observed", "time")
    )
    statuses = sorted(TradingAccount.objects.values_list("pk", "status", "ended_at"))
    return metrics, days, violations, statuses


def _mixed_accounts():
    program = two_phase_program([DAILY_5, TOTAL_10, TARGET_10])
    quiet = account_in(program)
    losing = account_in(program)
    trade(losing, "-3000.00", hours=2)
    trade(losing, "-2500.00", hours=4)  # day 1: 94,500 < 95,000
    winning = account_in(program)
    trade(winning, "4000.00", hours=2)
    trade(winning, "6500.00", hours=28)
    floating = builders.floating_loss_account(program)
    return [quiet, losing, winning, floating]


def test_bulk_and_single_evaluations_agree():
    accounts = _mixed_accounts()
    for account in accounts:
        evaluate_account(account.pk, as_of=AS_OF, notify=False)
    single = _snapshot_of_results()
    AccountMetrics.objects.all().delete()
    DailyMetrics.objects.all().delete()

    report = evaluate_accounts([a.pk for a in accounts], as_of=AS_OF, notify=False)

    assert report.accounts == 4
    assert report.new_violations == []  # the violations were already stored
    assert _snapshot_of_results() == single


def test_bulk_evaluation_fails_passes_and_uses_equity_snapshots():
    quiet, losing, winning, floating = _mixed_accounts()

    report = evaluate_accounts(None, as_of=AS_OF, notify=False)

    statuses = dict(TradingAccount.objects.values_list("pk", "status"))
    assert statuses[quiet.pk] == AccountStatus.ACTIVE
    assert statuses[losing.pk] == AccountStatus.FAILED
    assert statuses[winning.pk] == AccountStatus.PASSED
    assert statuses[floating.pk] == AccountStatus.FAILED  # equity 89,000 < both floors
    assert sorted(report.failed) == sorted([losing.pk, floating.pk])
    assert report.passed == [winning.pk]
    assert len(report.opened) == 1
    assert AccountMetrics.objects.get(account=floating).basis == "equity_snapshots"


def test_bulk_query_count_does_not_grow_with_accounts(django_assert_num_queries):
    program = two_phase_program([DAILY_5, TARGET_10])
    accounts = [account_in(program) for _ in range(15)]
    for n, account in enumerate(accounts):
        for k in range(5):
            trade(account, f"{10 + n}.00", hours=2 + 3 * k)
    with CaptureQueriesContext(connection) as three:
        evaluate_accounts([a.pk for a in accounts[:3]], as_of=AS_OF, notify=False)

    with django_assert_num_queries(len(three.captured_queries)):
        evaluate_accounts([a.pk for a in accounts[3:]], as_of=AS_OF, notify=False)

    assert AccountMetrics.objects.count() == 15


def test_recompute_of_unchanged_data_changes_no_row():
    accounts = _mixed_accounts()
    evaluate_accounts([a.pk for a in accounts], as_of=AS_OF, notify=False)
    before = _snapshot_of_results()
    ids_before = sorted(Violation.objects.values_list("pk", flat=True))

    evaluate_accounts([a.pk for a in accounts], as_of=AS_OF, notify=False)

    assert _snapshot_of_results() == before
    assert sorted(Violation.objects.values_list("pk", flat=True)) == ids_before


def test_deleted_trade_removes_its_day():
    program = two_phase_program([DAILY_5])
    account = account_in(program)
    trade(account, "100.00", hours=2)
    late = trade(account, "100.00", hours=30)
    evaluate_account(account.pk, as_of=T0 + dt.timedelta(hours=31))
    assert DailyMetrics.objects.filter(account=account).count() == 2

    late.delete()
    evaluate_account(account.pk, as_of=T0 + dt.timedelta(hours=12))

    assert list(DailyMetrics.objects.filter(account=account).values_list("day", flat=True)) == [
        dt.date(2026, 3, 2)
    ]
    assert AccountMetrics.objects.get(account=account).balance == Decimal("100100.00")
