"""The risk tasks: recompute after an import, the day rollover, inactivity, hedging, schedules."""

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.db import OperationalError
from django_celery_beat.models import PeriodicTask

from evaluations.models import AccountStatus
from risk import tasks
from risk.models import AccountMetrics, Violation
from tests.factories import T0, EquitySnapshotFactory

from .builders import DAILY_5, TARGET_10, account_in, trade, two_phase_program

pytestmark = pytest.mark.django_db


def test_recompute_accounts_fails_the_breaching_account_and_leaves_the_other():
    program = two_phase_program([DAILY_5, TARGET_10])
    breaching, fine = account_in(program), account_in(program)
    trade(breaching, "-5500.00")
    trade(fine, "200.00")

    summary = tasks.recompute_accounts.delay([breaching.pk, fine.pk]).get()

    breaching.refresh_from_db()
    fine.refresh_from_db()
    assert (breaching.status, fine.status) == (AccountStatus.FAILED, AccountStatus.ACTIVE)
    assert summary["failed"] == [breaching.pk]
    assert summary["accounts"] == 2


def test_ftmo_daily_loss_breach_at_the_reset_is_caught_by_the_rollover():
    """PRODUCT.md: $200k, 5% of initial on balance. Monday closes +$4,000 with a $13,000
    floating loss held overnight; Tuesday's limit 204,000 − 10,000 = $194,000 > equity $191,000."""
    program = two_phase_program([DAILY_5], size="200000.00", reset_tz="Europe/Prague")
    account = account_in(program)
    trade(account, "4000.00", hours=3)  # Monday 11:00 UTC
    EquitySnapshotFactory(  # Monday 22:00 UTC = 23:00 Prague, before the reset
        account=account,
        time=T0 + dt.timedelta(hours=14),
        balance=Decimal("204000.00"),
        equity=Decimal("191000.00"),
    )
    with time_machine.travel(T0 + dt.timedelta(hours=14, minutes=30), tick=False):
        tasks.day_rollover()
        account.refresh_from_db()
        assert account.status == AccountStatus.ACTIVE  # Monday's limit was $190,000

    with time_machine.travel(T0 + dt.timedelta(hours=16, minutes=15), tick=False):
        tasks.day_rollover()

    account.refresh_from_db()
    assert account.status == AccountStatus.FAILED
    violation = Violation.objects.get(account=account)
    assert violation.threshold == Decimal("194000.00")
    assert violation.observed == Decimal("191000.00")
    assert violation.day == dt.date(2026, 3, 3)
    # the reset: Tuesday 00:00 in Prague = Monday 23:00 UTC
    assert violation.time == dt.datetime(2026, 3, 2, 23, 0, tzinfo=dt.UTC)


def test_inactivity_check_fails_an_idle_account():
    account = account_in(two_phase_program([DAILY_5, ("inactivity", "hard", {"days": 5})]))
    other = account_in(two_phase_program([DAILY_5]))
    trade(account, "10.00")

    with time_machine.travel(T0 + dt.timedelta(days=9), tick=False):
        summary = tasks.check_inactivity_and_time_limits()

    account.refresh_from_db()
    assert account.status == AccountStatus.FAILED
    assert Violation.objects.get(account=account).rule_code == "inactivity"
    assert summary["accounts"] == 1  # accounts without such rules are not evaluated
    other.refresh_from_db()
    assert other.status == AccountStatus.ACTIVE


def test_hedging_scan_flags_both_traders_once():
    program = two_phase_program([DAILY_5, ("hedging", "soft", {"seconds": 60})])
    buyer, seller, far = account_in(program), account_in(program), account_in(program)
    trade(buyer, "100.00", hours=50, side="buy", symbol="XAUUSD")
    trade(seller, "-90.00", hours=50 + 30 / 3600, side="sell", symbol="XAUUSD")
    trade(far, "10.00", hours=55, side="sell", symbol="XAUUSD")  # hours apart: no hedge

    with time_machine.travel(T0 + dt.timedelta(days=3), tick=False):
        first = tasks.scan_hedging()
        second = tasks.scan_hedging()

    assert first == {"new_violations": 2}
    assert second == {"new_violations": 0}
    flagged = Violation.objects.filter(rule_code="hedging")
    assert sorted(flagged.values_list("account_id", flat=True)) == sorted([buyer.pk, seller.pk])
    assert all(v.severity == "soft" and v.observed == Decimal("30") for v in flagged)
    buyer.refresh_from_db()
    assert buyer.needs_review is True
    assert buyer.status == AccountStatus.ACTIVE


def test_hedging_scan_ignores_accounts_without_the_rule():
    plain = two_phase_program([DAILY_5])
    a, b = account_in(plain), account_in(plain)
    trade(a, "1.00", hours=50, side="buy")
    trade(b, "1.00", hours=50, side="sell")

    with time_machine.travel(T0 + dt.timedelta(days=3), tick=False):
        assert tasks.scan_hedging() == {"new_violations": 0}


def test_tasks_ack_late_and_retry_on_database_errors():
    for task in (
        tasks.recompute_accounts,
        tasks.recompute_all,
        tasks.day_rollover,
        tasks.check_inactivity_and_time_limits,
        tasks.scan_hedging,
        tasks.send_violation_notification,
    ):
        assert task.acks_late is True
        assert OperationalError in task.autoretry_for
        assert task.retry_kwargs == {"max_retries": 5}


def test_periodic_tasks_are_registered_for_admins_to_edit():
    schedules = {
        t.task: (t.crontab.minute, t.crontab.hour, t.enabled)
        for t in PeriodicTask.objects.filter(task__startswith="risk.tasks.")
    }
    assert schedules == {
        "risk.tasks.day_rollover": ("*/15", "*", True),
        "risk.tasks.scan_hedging": ("5", "*", True),
        "risk.tasks.check_inactivity_and_time_limits": ("30", "0", True),
    }


def test_recompute_all_fans_out_in_chunks_and_evaluates_every_account():
    program = two_phase_program([DAILY_5])
    accounts = [account_in(program) for _ in range(5)]
    trade(accounts[0], "-5100.00")

    summary = tasks.recompute_all.delay(chunk=2).get()

    assert summary == {"accounts": 5, "tasks": 3}
    assert AccountMetrics.objects.count() == 5
    accounts[0].refresh_from_db()
    assert accounts[0].status == AccountStatus.FAILED
