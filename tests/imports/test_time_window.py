"""The import time window: no trade or snapshot before 2000-01-01 or after now + 5 minutes.

A recompute walks every trading day between an account's first and last event, so one time in
year 9999 (or 0001) would make it walk millions of days; the window is refused row by row, each
error naming the line, the column and the reason.
"""

import datetime as dt
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from evaluations.models import EquitySnapshot, ImportStatus, Trade, TradingAccount
from imports import service
from imports.window import EARLIEST
from tests.factories import TradingAccountFactory

NOW = dt.datetime(2026, 6, 1, 12, 0, tzinfo=dt.UTC)  # a Monday
TRADES = "account,ticket,symbol,side,volume,open_time,open_price,close_time,close_price,profit\n"
SNAPSHOTS = "account,time,balance,equity\n"


def _trade(ticket: str, opened: str, closed: str) -> str:
    return f"8100001,{ticket},EURUSD,buy,1,{opened},1.08,{closed},1.09,10\n"


def _file(tmp_path, text: str):
    path = tmp_path / "import.csv"
    path.write_text(text)
    return path


@pytest.fixture
def at_noon(time_machine):
    """The clock stands still at NOW (Monday 2026-06-01 12:00 UTC)."""
    time_machine.move_to(NOW, tick=False)
    return NOW


def test_a_file_with_one_trade_in_year_9999_reports_its_line_and_commits_nothing(
    two_accounts, tmp_path, at_noon
):
    path = _file(
        tmp_path,
        TRADES
        + _trade("A", "2026-03-02T08:00:00Z", "2026-03-02T09:00:00Z")
        + _trade("B", "2026-03-02T08:00:00Z", "9999-12-31T23:59:59Z")
        + _trade("C", "2026-03-03T08:00:00Z", "2026-03-03T09:00:00Z"),
    )
    out = StringIO()

    with pytest.raises(CommandError, match="1 bad row"):
        call_command("import_trades", str(path), stdout=out)

    assert (
        "line 3, column close_time: 9999-12-31 23:59:59 UTC is in the future "
        "(now 2026-06-01 12:00:00 UTC; 5 min ahead at most)"
    ) in out.getvalue()
    assert not Trade.objects.exists()


def test_with_partial_the_good_rows_commit_and_the_far_time_is_reported(
    two_accounts, tmp_path, at_noon
):
    path = _file(
        tmp_path,
        TRADES
        + _trade("A", "0001-01-01T00:00:00Z", "2026-03-02T09:00:00Z")
        + _trade("B", "2026-03-02T08:00:00Z", "2026-03-02T09:00:00Z"),
    )

    batch = service.import_file(path, partial=True)

    assert (batch.status, batch.rows_new, batch.rows_rejected) == (ImportStatus.PARTIAL, 1, 1)
    assert batch.errors == [
        {
            "line": 2,
            "column": "open_time",
            "reason": "0001-01-01 00:00:00 UTC is before 2000-01-01 00:00:00 UTC, "
            "the earliest time accepted",
        }
    ]
    assert list(Trade.objects.values_list("ticket", flat=True)) == ["B"]


def test_trade_times_exactly_at_the_limits_are_accepted_and_one_second_past_them_refused(
    two_accounts, tmp_path, at_noon
):
    # accounts that started at the window's floor, so only the window judges these times
    for account in two_accounts:
        TradingAccount.objects.filter(pk=account.pk).update(started_at=EARLIEST)
    path = _file(
        tmp_path,
        TRADES
        + _trade("at-latest", "2026-06-01T11:00:00Z", "2026-06-01T12:05:00Z")
        + _trade("past-latest", "2026-06-01T11:00:00Z", "2026-06-01T12:05:01Z")
        + _trade("at-earliest", "2000-01-01T00:00:00Z", "2000-01-01T00:30:00Z")
        + _trade("before-earliest", "1999-12-31T23:59:59Z", "2000-01-01T00:30:00Z"),
    )

    batch = service.import_file(path, partial=True)

    assert [(e["line"], e["column"]) for e in batch.errors] == [
        (3, "close_time"),
        (5, "open_time"),
    ]
    assert batch.errors[0]["reason"].startswith("2026-06-01 12:05:01 UTC is 5 min in the future")
    assert sorted(Trade.objects.values_list("ticket", flat=True)) == ["at-earliest", "at-latest"]


def test_snapshot_times_exactly_at_the_limits_are_accepted_and_past_them_refused(
    two_accounts, tmp_path, at_noon
):
    path = _file(
        tmp_path,
        SNAPSHOTS
        + "8100001,2026-06-01T12:05:00Z,100000,100000\n"
        + "8100001,2026-06-01T12:05:01Z,100000,100000\n"
        + "8100001,2000-01-01T00:00:00Z,100000,100000\n"
        + "8100001,1999-12-31T23:59:59Z,100000,100000\n"
        + "8100001,9999-12-31T23:59:59Z,100000,100000\n",
    )

    batch = service.import_file(path, partial=True)

    assert [(e["line"], e["column"]) for e in batch.errors] == [
        (3, "time"),
        (5, "time"),
        (6, "time"),
    ]
    assert sorted(EquitySnapshot.objects.values_list("time", flat=True)) == [
        dt.datetime(2000, 1, 1, tzinfo=dt.UTC),
        NOW + dt.timedelta(minutes=5),
    ]


def test_the_allowance_comes_from_the_setting(two_accounts, tmp_path, at_noon, settings):
    settings.IMPORT_MAX_FUTURE_SECONDS = 3600
    path = _file(
        tmp_path,
        TRADES
        + _trade("A", "2026-06-01T11:00:00Z", "2026-06-01T13:00:00Z")
        + _trade("B", "2026-06-01T11:00:00Z", "2026-06-01T13:00:01Z"),
    )

    batch = service.import_file(path, partial=True)

    assert [e["line"] for e in batch.errors] == [3]
    assert list(Trade.objects.values_list("ticket", flat=True)) == ["A"]


# Monday after Europe moved to summer time (Sunday 2026-03-29): Athens is UTC+3 (EEST).
AFTER_DST = dt.datetime(2026, 3, 30, 10, 0, tzinfo=dt.UTC)
BROKER_ROW = _trade("D-1", "2026-03-30 12:40:00", "2026-03-30 12:55:00")  # 09:55 UTC in Athens


@pytest.mark.parametrize(
    ("broker_tz", "ahead"),
    [
        ("Etc/GMT-2", "55 min"),  # UTC+2 all year: the broker's change to summer time missed
        ("UTC", "2 h 55 min"),  # broker time imported as UTC
    ],
)
def test_broker_time_ahead_only_because_of_a_wrong_zone_says_so(
    two_accounts, tmp_path, time_machine, broker_tz, ahead
):
    time_machine.move_to(AFTER_DST, tick=False)
    path = _file(tmp_path, TRADES + BROKER_ROW)

    wrong = service.import_file(path, broker_tz=broker_tz)
    right = service.import_file(path, broker_tz="Europe/Athens")

    assert wrong.status == ImportStatus.REJECTED
    closed = (AFTER_DST + dt.timedelta(minutes=55 if ahead == "55 min" else 175)).time()
    assert wrong.errors == [
        {
            "line": 2,
            "column": "close_time",
            "reason": f"2026-03-30 {closed} UTC is {ahead} in the future "
            "(now 2026-03-30 10:00:00 UTC): wrong time zone? "
            f"Times without a UTC offset were read as {broker_tz}",
        }
    ]
    assert right.status == ImportStatus.COMMITTED
    assert Trade.objects.get().close_time == dt.datetime(2026, 3, 30, 9, 55, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    ("name", "login", "broker_tz"),
    [
        ("mt5_report.csv", "52603751", "Europe/Athens"),
        ("mt5_report.html", "52603751", "Europe/Athens"),
        ("mt4_statement.htm", "2090123", "Europe/Athens"),
        ("ctrader_history.csv", "700100", "UTC"),
        ("tradovate_performance.csv", "700200", "America/Chicago"),
        ("ninjatrader_trades.csv", "Sim101", "America/New_York"),
    ],
)
def test_every_platform_parser_refuses_trades_after_now(
    db, fixture_path, time_machine, name, login, broker_tz
):
    account = TradingAccountFactory(login=login)
    time_machine.move_to(dt.datetime(2025, 1, 1, tzinfo=dt.UTC), tick=False)  # before the files

    batch = service.import_file(
        fixture_path(name), account=account, broker_tz=broker_tz, partial=True
    )

    assert batch.status == ImportStatus.REJECTED
    assert batch.rows_rejected == batch.rows_total > 0
    assert all(
        " is in the future (now 2025-01-01 00:00:00 UTC" in e["reason"] for e in batch.errors
    )
    assert not Trade.objects.exists()
