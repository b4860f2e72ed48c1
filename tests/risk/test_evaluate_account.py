"""evaluate_account: the live check after an import — metrics, violations, pass/fail, review."""

import datetime as dt
from decimal import Decimal

import pytest

from evaluations.models import AccountStatus, TradingAccount
from risk.models import AccountMetrics, DailyMetrics, Violation, ViolationStatus
from risk.services.evaluation import evaluate_account
from risk.services.violations import dismiss_violation
from tests.builders import funded_account
from tests.factories import T0, staff_user

from .builders import DAILY_5, TARGET_10, account_in, trade, two_phase_program

pytestmark = pytest.mark.django_db


def test_breaching_trade_fails_the_account_at_the_breach_time():
    account = account_in(two_phase_program([DAILY_5, TARGET_10]))
    losing = trade(account, "-5001.00", hours=3)

    report = evaluate_account(account.pk)

    account.refresh_from_db()
    assert account.status == AccountStatus.FAILED
    assert account.ended_at == losing.close_time
    assert report.failed == [account.pk]
    violation = Violation.objects.get(account=account)
    assert violation.rule_code == "max_daily_loss"
    assert violation.severity == "hard"
    assert violation.threshold == Decimal("95000.00")
    assert violation.observed == Decimal("94999.00")
    assert violation.unit == "money"
    assert violation.time == losing.close_time
    assert violation.day == dt.date(2026, 3, 2)
    assert losing.pk in violation.evidence["trade_ids"]
    assert losing.ticket in violation.evidence["tickets"]
    assert violation.failed_account is True
    assert violation.rule.code == "max_daily_loss"
    assert violation.rule_set_id == account.rule_set_id


def test_loss_equal_to_the_limit_is_not_a_breach():
    account = account_in(two_phase_program([DAILY_5]))
    trade(account, "-5000.00")

    evaluate_account(account.pk)

    account.refresh_from_db()
    assert account.status == AccountStatus.ACTIVE
    assert not Violation.objects.filter(account=account).exists()


def test_metrics_and_days_are_saved_in_account_currency():
    account = account_in(two_phase_program([DAILY_5, TARGET_10]))
    trade(account, "1200.50", hours=2)
    trade(account, "-200.25", hours=3)
    trade(account, "300.00", hours=26)  # next day (UTC reset)

    evaluate_account(account.pk, as_of=T0 + dt.timedelta(hours=30))

    metrics = AccountMetrics.objects.get(account=account)
    assert metrics.balance == Decimal("101300.25")
    assert metrics.equity == Decimal("101300.25")
    assert metrics.net_profit == Decimal("1300.25")
    assert metrics.trades == 3
    assert metrics.trading_days == 2
    assert metrics.wins == 2
    assert metrics.losses == 1
    assert metrics.gross_loss == Decimal("200.25")
    assert metrics.lots == Decimal("3.0000")
    assert metrics.basis == "closed_trades"
    assert metrics.daily_floor == Decimal("96000.25")  # day 2 reference 101,000.25 − 5,000
    target = metrics.objectives[0]
    assert target["code"] == "profit_target"
    assert target["met"] is False
    assert target["unit"] == "money"
    days = list(DailyMetrics.objects.filter(account=account).order_by("day"))
    assert [d.day for d in days] == [dt.date(2026, 3, 2), dt.date(2026, 3, 3)]
    assert days[0].net == Decimal("1000.25")
    assert days[0].trades_closed == 2
    assert days[1].start_balance == Decimal("101000.25")


def test_evaluating_twice_keeps_one_row_of_each():
    account = account_in(two_phase_program([DAILY_5]))
    trade(account, "-6000.00")

    first = evaluate_account(account.pk)
    second = evaluate_account(account.pk)

    assert len(first.new_violations) == 1
    assert second.new_violations == []
    assert Violation.objects.filter(account=account).count() == 1
    assert AccountMetrics.objects.filter(account=account).count() == 1
    assert DailyMetrics.objects.filter(account=account).count() == 1


def test_profitable_trades_after_a_breach_never_revive_the_account():
    account = account_in(two_phase_program([DAILY_5, TARGET_10]))
    trade(account, "-6000.00", hours=2)
    evaluate_account(account.pk)
    trade(account, "20000.00", hours=30)

    evaluate_account(account.pk)

    account.refresh_from_db()
    assert account.status == AccountStatus.FAILED
    assert account.ended_at == T0 + dt.timedelta(hours=2)
    assert not TradingAccount.objects.filter(previous_account=account).exists()


def test_meeting_every_objective_passes_and_opens_the_next_phase():
    program = two_phase_program([DAILY_5, TARGET_10])
    account = account_in(program)
    last = trade(account, "10000.00", hours=5)

    report = evaluate_account(account.pk)

    account.refresh_from_db()
    assert account.status == AccountStatus.PASSED
    assert account.ended_at == last.close_time
    assert report.passed == [account.pk]
    nxt = TradingAccount.objects.get(previous_account=account)
    assert nxt.phase.order == 2
    assert nxt.status == AccountStatus.ACTIVE
    assert nxt.trader_id == account.trader_id
    assert report.opened == [nxt.pk]

    evaluate_account(account.pk)  # again: no second next-phase account
    assert TradingAccount.objects.filter(previous_account=account).count() == 1


def test_pass_without_auto_advance_waits_for_staff():
    account = account_in(two_phase_program([DAILY_5, TARGET_10], auto_advance=False))
    trade(account, "10000.00")

    evaluate_account(account.pk)

    account.refresh_from_db()
    assert account.status == AccountStatus.PASSED
    assert not TradingAccount.objects.filter(previous_account=account).exists()


def test_soft_violation_flags_the_account_for_review_without_failing_it():
    rules = [DAILY_5, ("max_position_size", "soft", {"max_volume": "5"})]
    account = account_in(two_phase_program(rules))
    big = trade(account, "50.00", volume="6.00")

    report = evaluate_account(account.pk)

    account.refresh_from_db()
    assert account.status == AccountStatus.ACTIVE
    assert account.needs_review is True
    assert report.flagged == [account.pk]
    violation = Violation.objects.get(account=account)
    assert (violation.rule_code, violation.severity, violation.unit) == (
        "max_position_size",
        "soft",
        "lots",
    )
    assert violation.threshold == Decimal("5")
    assert violation.observed == Decimal("6")
    assert big.pk in violation.evidence["trade_ids"]
    assert violation.failed_account is False


def test_reviewed_account_is_not_flagged_again_for_the_same_violation():
    rules = [("max_position_size", "soft", {"max_volume": "5"})]
    account = account_in(two_phase_program(rules))
    trade(account, "50.00", volume="6.00")
    evaluate_account(account.pk)
    TradingAccount.objects.filter(pk=account.pk).update(needs_review=False)

    evaluate_account(account.pk)

    account.refresh_from_db()
    assert account.needs_review is False


def test_dismissed_hard_violation_does_not_fail_a_reinstated_account_again():
    account = account_in(two_phase_program([DAILY_5]))
    trade(account, "-6000.00")
    evaluate_account(account.pk)
    risk_officer = staff_user("risk", "officer@firm.example")
    dismiss_violation(Violation.objects.get(account=account), by=risk_officer)
    account.refresh_from_db()
    account.reinstate(reason="bad price feed")
    account.save()

    evaluate_account(account.pk)

    account.refresh_from_db()
    assert account.status == AccountStatus.ACTIVE
    assert Violation.objects.get(account=account).status == ViolationStatus.DISMISSED


def test_closed_account_is_not_failed():
    account = account_in(two_phase_program([DAILY_5]))
    account.mark_closed(at=T0 + dt.timedelta(hours=1))
    account.save()
    trade(account, "-6000.00", hours=3)

    evaluate_account(account.pk)

    account.refresh_from_db()
    assert account.status == AccountStatus.CLOSED
    assert not Violation.objects.filter(account=account).exists()  # after its end


def test_funded_account_fails_on_a_hard_breach_and_never_passes():
    profitable = funded_account(rules=[DAILY_5, TARGET_10])
    trade(profitable, "20000.00")
    losing = funded_account(rules=[DAILY_5])
    trade(losing, "-7000.00")

    evaluate_account(profitable.pk)
    evaluate_account(losing.pk)

    profitable.refresh_from_db()
    losing.refresh_from_db()
    assert profitable.status == AccountStatus.FUNDED
    assert losing.status == AccountStatus.FAILED


def test_missing_account_is_nothing_to_do():
    assert evaluate_account(987654321).accounts == 0


def test_new_violations_are_emailed_after_commit(
    django_capture_on_commit_callbacks, mailoutbox, settings
):
    settings.ADMINS = [("Risk Desk", "desk@firm.example")]
    account = account_in(two_phase_program([DAILY_5]))
    trade(account, "-6000.00")

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        evaluate_account(account.pk)
        assert mailoutbox == []  # nothing leaves before the commit
    for callback in callbacks:
        callback()

    assert sorted(m.to[0] for m in mailoutbox) == sorted(
        ["desk@firm.example", account.trader.email]
    )


def test_one_account_costs_a_fixed_number_of_queries(django_assert_max_num_queries):
    account = account_in(two_phase_program([DAILY_5, TARGET_10]))
    for n in range(40):
        trade(account, "10.00", hours=2 + n)

    with django_assert_max_num_queries(16):
        evaluate_account(account.pk)
