"""The portable (ORM) risk path used on SQLite stores exactly what the PostgreSQL fast path
stores: the same metrics, days, violations, status changes, review flags and notifications.

Each scenario is built once, run on the fast path inside a savepoint and rolled back, then run
again with `dialect.use_fast_path` patched to False; the saved rows must be equal.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.db import connection, transaction

from evaluations.models import AccountStatus, Trade, TradingAccount
from risk.models import AccountMetrics, DailyMetrics, Violation, ViolationStatus
from risk.services import dialect, hedging, trade_checkpoint, violations
from risk.services.evaluation import evaluate_account, evaluate_accounts
from tests.factories import T0, EquitySnapshotFactory

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


def _run(action, portable: bool, monkeypatch, capture) -> tuple[object, dict]:
    """Run `action` on one path in a savepoint, commit callbacks executed; return what it
    reported and the saved state, then roll everything back."""
    notified: list = []

    def record(ids):
        notified.extend(Violation.objects.filter(pk__in=ids).values_list("account_id", "key"))

    with monkeypatch.context() as patch:
        patch.setattr(dialect, "use_fast_path", lambda: not portable)
        patch.setattr(violations, "enqueue_notifications", record)
        trade_checkpoint.clear()
        savepoint = transaction.savepoint()
        with capture(execute=True):
            outcome = action()
        state = _saved_state(notified)
        transaction.savepoint_rollback(savepoint)
    return outcome, state


def _both(action, monkeypatch, capture) -> tuple[tuple, tuple]:
    assert connection.vendor == "postgresql"  # the fast path needs it; the suite runs there
    return (
        _run(action, False, monkeypatch, capture),
        _run(action, True, monkeypatch, capture),
    )


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
    floating = account_in(program)
    trade(floating, "500.00", hours=2)
    EquitySnapshotFactory(
        account=floating,
        time=T0 + dt.timedelta(hours=5),
        balance=Decimal("100500.00"),
        equity=Decimal("89000.00"),
    )
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


def test_bulk_recompute_saves_the_same_rows_on_both_paths(
    monkeypatch, django_capture_on_commit_callbacks
):
    accounts = _firm()
    ids = [a.pk for a in accounts]

    def recompute():
        with time_machine.travel(AS_OF, tick=False):
            first = evaluate_accounts(ids, as_of=AS_OF)
        # Unchanged rows are not rewritten: their computed_at stays the first run's.
        with time_machine.travel(AS_OF + dt.timedelta(hours=1), tick=False):
            evaluate_accounts(ids, as_of=AS_OF)
        return _report_summary(first)

    (fast_report, fast), (portable_report, portable) = _both(
        recompute, monkeypatch, django_capture_on_commit_callbacks
    )

    assert portable_report == fast_report
    assert portable == fast
    statuses = {row["account_id"]: row for row in fast["metrics"]}
    assert len(statuses) == len(accounts)
    assert {r["computed_at"] for r in fast["metrics"]} == {AS_OF}
    assert fast_report[1] and fast_report[2] and fast_report[3] == 1 and fast_report[4]
    assert fast["notified"]  # new violations are queued for email on both paths


def test_live_single_account_check_saves_the_same_rows_on_both_paths(
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
            # A fixed id: sequences are not rolled back, and the watermark is the highest id.
            Trade.objects.filter(pk=late.pk).update(id=10**9)
            return _report_summary(evaluate_account(account.pk, as_of=AS_OF))

    (fast_report, fast), (portable_report, portable) = _both(
        check, monkeypatch, django_capture_on_commit_callbacks
    )

    assert portable == fast
    assert portable_report == fast_report
    assert [v["status"] for v in fast["violations"]] == ["open", "open"]
    assert fast["accounts"][0][2] == AccountStatus.FAILED


def test_hedging_scan_flags_the_same_accounts_on_both_paths(
    monkeypatch, django_capture_on_commit_callbacks
):
    program = two_phase_program([DAILY_5, ("hedging", "soft", {"seconds": 60})])
    buyer, seller, far = account_in(program), account_in(program), account_in(program)
    trade(buyer, "100.00", hours=50, side="buy", symbol="XAUUSD")
    trade(seller, "-90.00", hours=50 + 30 / 3600, side="sell", symbol="XAUUSD")
    trade(far, "10.00", hours=55, side="sell", symbol="XAUUSD")

    def scan():
        with time_machine.travel(AS_OF, tick=False):
            return len(hedging.scan_recent_trades()), len(hedging.scan_recent_trades())

    (fast_count, fast), (portable_count, portable) = _both(
        scan, monkeypatch, django_capture_on_commit_callbacks
    )

    assert fast_count == portable_count == (2, 0)
    assert portable == fast
    assert sorted(a for a, _ in fast["notified"]) == sorted([buyer.pk, seller.pk])
