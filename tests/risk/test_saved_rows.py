"""What the risk services save: metrics, days, violations, status changes, review flags and
notifications, for the bulk recompute, the live single-account check and the hedging scan.
"""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from evaluations.models import AccountStatus, Trade, TradingAccount
from risk.models import AccountMetrics, DailyMetrics, Violation, ViolationStatus
from risk.services import hedging, trade_checkpoint, violations
from risk.services.evaluation import evaluate_account, evaluate_accounts
from tests.factories import T0

from . import builders
from .builders import DAILY_5, TARGET_10, TOTAL_10, account_in, trade, two_phase_program

pytestmark = pytest.mark.django_db
AS_OF = T0 + dt.timedelta(days=3)
SOFT_SIZE = ("max_position_size", "soft", {"max_volume": "5"})


def _without_id(query) -> list[dict]:
    return [{k: v for k, v in row.items() if k != "id"} for row in query.values()]


def _saved_state(notified: list) -> dict:
    """Every row the risk services write, without ids the database sequences hand out."""
    accounts = sorted(
        TradingAccount.objects.values_list(
            "previous_account_id",
            "phase_id",
            "status",
            "ended_at",
            "needs_review",
            "initial_balance",
        ),
        key=repr,
    )
    return {
        "metrics": list(AccountMetrics.objects.order_by("account_id").values()),
        "days": _without_id(DailyMetrics.objects.order_by("account_id", "day")),
        "violations": _without_id(Violation.objects.order_by("account_id", "key")),
        "accounts": accounts,
        "notified": sorted(notified),
    }


def _run(action, monkeypatch, capture) -> tuple[object, dict]:
    """Run `action` with commit callbacks executed; return what it reported and the saved
    state, with the accounts whose violations were queued for email."""
    notified: list = []

    def record(ids):
        notified.extend(Violation.objects.filter(pk__in=ids).values_list("account_id", "key"))

    monkeypatch.setattr(violations, "enqueue_notifications", record)
    trade_checkpoint.clear()
    with capture(execute=True):
        outcome = action()
    return outcome, _saved_state(notified)


def _report_summary(report) -> tuple:
    keys = sorted(Violation.objects.filter(pk__in=report.new_violations).values_list("key"))
    return (report.accounts, report.failed, report.passed, len(report.opened), report.flagged, keys)


def _firm() -> list[TradingAccount]:
    """Accounts that stay quiet, fail on a daily loss, pass (opening phase 2), fail on floating
    equity, get flagged for a soft breach, and one with a dismissed violation and a stale day."""
    program = two_phase_program([DAILY_5, TOTAL_10, TARGET_10, SOFT_SIZE])
    quiet = account_in(program)
    losing = account_in(program)
    trade(losing, "-3000.00", hours=2)
    trade(losing, "-2500.00", hours=4)
    winning = account_in(program)
    trade(winning, "4000.00", hours=2, volume="0.37")
    trade(winning, "6500.00", hours=28, volume="1.2345")
    floating = builders.floating_loss_account(program)
    big = account_in(program)
    trade(big, "50.05", volume="6.00", hours=26)
    reviewed = account_in(program)
    trade(reviewed, "-6000.00", hours=3)
    trade(reviewed, "12.34", hours=30, volume="7.00")
    evaluate_account(reviewed.pk, as_of=AS_OF, notify=False)
    Violation.objects.filter(account=reviewed, severity="hard").update(
        status=ViolationStatus.DISMISSED
    )
    TradingAccount.objects.filter(pk=reviewed.pk).update(
        status=AccountStatus.ACTIVE, ended_at=None, needs_review=False
    )
    stale = DailyMetrics.objects.filter(account=reviewed).first()
    DailyMetrics.objects.filter(pk=stale.pk).update(day=stale.day - dt.timedelta(days=30))
    return [quiet, losing, winning, floating, big, reviewed]


def test_bulk_recompute_fails_passes_flags_and_rewrites_only_changed_rows(
    monkeypatch, django_capture_on_commit_callbacks
):
    accounts = _firm()
    quiet, losing, winning, floating, big, reviewed = accounts
    ids = [a.pk for a in accounts]
    stale_day = DailyMetrics.objects.filter(account=reviewed).order_by("day").first().day

    def recompute():
        with time_machine.travel(AS_OF, tick=False):
            first = evaluate_accounts(ids, as_of=AS_OF)
        # Unchanged rows are not rewritten: their computed_at stays the first run's.
        with time_machine.travel(AS_OF + dt.timedelta(hours=1), tick=False):
            evaluate_accounts(ids, as_of=AS_OF)
        return _report_summary(first)

    report, saved = _run(recompute, monkeypatch, django_capture_on_commit_callbacks)

    assert {row["account_id"] for row in saved["metrics"]} == set(ids)
    assert {r["computed_at"] for r in saved["metrics"]} == {AS_OF}
    assert report[0] == len(accounts)
    assert sorted(report[1]) == sorted([losing.pk, floating.pk])
    assert report[2] == [winning.pk] and report[3] == 1  # phase 2 opened
    # Soft breaches flag for review: the big position, and the reviewed account's new one.
    assert sorted(report[4]) == sorted([big.pk, reviewed.pk])
    # The day moved before the account's start is stale and deleted.
    assert not DailyMetrics.objects.filter(account=reviewed, day=stale_day).exists()
    # Every new violation is queued for email; the dismissed hard one does not fail again.
    notified = {account for account, _ in saved["notified"]}
    assert notified == {losing.pk, floating.pk, big.pk, reviewed.pk}
    assert len(saved["notified"]) == len(report[5])
    assert quiet.pk not in notified


def test_live_single_account_check_reads_a_late_trade_through_the_checkpoint(
    monkeypatch, django_capture_on_commit_callbacks
):
    program = two_phase_program([DAILY_5, TOTAL_10, TARGET_10, SOFT_SIZE])
    account = account_in(program)
    trade(account, "-1200.10", hours=2, volume="6.5")
    trade(account, "-4000.00", hours=5)

    def check():
        with time_machine.travel(AS_OF, tick=False):
            evaluate_account(account.pk, as_of=AS_OF)  # reads through the checkpoint
            late = trade(account, "300.00", hours=40, ticket="LATE-1")
            # A fixed id: the watermark is the highest id seen.
            Trade.objects.filter(pk=late.pk).update(id=10**9)
            return _report_summary(evaluate_account(account.pk, as_of=AS_OF))

    report, saved = _run(check, monkeypatch, django_capture_on_commit_callbacks)

    assert [v["status"] for v in saved["violations"]] == ["open", "open"]
    assert saved["accounts"][0][2] == AccountStatus.FAILED
    assert saved["metrics"][0]["trades"] == 3  # the late trade is counted


def test_hedging_scan_flags_both_sides_once(monkeypatch, django_capture_on_commit_callbacks):
    program = two_phase_program([DAILY_5, ("hedging", "soft", {"seconds": 60})])
    buyer, seller, far = account_in(program), account_in(program), account_in(program)
    trade(buyer, "100.00", hours=50, side="buy", symbol="XAUUSD")
    trade(seller, "-90.00", hours=50 + 30 / 3600, side="sell", symbol="XAUUSD")
    trade(far, "10.00", hours=55, side="sell", symbol="XAUUSD")

    def scan():
        with time_machine.travel(AS_OF, tick=False):
            return len(hedging.scan_recent_trades()), len(hedging.scan_recent_trades())

    counts, saved = _run(scan, monkeypatch, django_capture_on_commit_callbacks)

    assert counts == (2, 0)
    assert sorted(a for a, _ in saved["notified"]) == sorted([buyer.pk, seller.pk])
    flagged = {pk for pk, *_ in TradingAccount.objects.filter(needs_review=True).values_list("pk")}
    assert flagged == {buyer.pk, seller.pk}
