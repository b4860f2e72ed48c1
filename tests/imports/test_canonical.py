"""PropDesk canonical CSV: many accounts per file, snapshots, corrections, broker zones."""

import datetime as dt
from decimal import Decimal

from evaluations.models import EquitySnapshot, ImportBatch, Trade
from imports.service import import_file

UTC = dt.UTC
HEADER = "account,ticket,symbol,side,volume,open_time,open_price,close_time,close_price,profit\n"


def test_one_file_carries_trades_for_several_accounts(two_accounts, fixture_path):
    first, second = two_accounts

    batch = import_file(fixture_path("canonical_trades.csv"))

    assert (batch.format, batch.status, batch.rows_new) == ("canonical", "committed", 3)
    assert Trade.objects.filter(account=first).count() == 2
    us30 = Trade.objects.get(account=second, ticket="T-1")
    assert (us30.fees, us30.net) == (Decimal("-1.00"), Decimal("-101.00"))
    gold = Trade.objects.get(account=first, ticket="T-2")
    assert gold.open_time == dt.datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # from +01:00


def test_a_corrected_row_updates_the_trade_and_counts_as_updated(two_accounts, tmp_path):
    first, _ = two_accounts
    path = tmp_path / "t.csv"
    row = "8100001,A,EURUSD,buy,1,2026-03-02T08:00:00Z,1.08,2026-03-02T09:00:00Z,1.09,{}\n"
    path.write_text(HEADER + row.format("100.00") + row.replace(",A,", ",B,").format("5"))
    import_file(path)
    path.write_text(HEADER + row.format("120.00") + row.replace(",A,", ",B,").format("5.00"))

    batch = import_file(path)

    assert (batch.rows_new, batch.rows_updated, batch.rows_unchanged) == (0, 1, 1)
    trade = Trade.objects.get(account=first, ticket="A")
    assert trade.profit == Decimal("120.00")
    assert trade.import_batch == batch


def test_naive_times_are_read_in_the_broker_zone(two_accounts, tmp_path):
    path = tmp_path / "t.csv"
    path.write_text(
        HEADER + "8100001,A,EURUSD,buy,1,2026-07-01T10:00:00,1.08,2026-07-01T11:00:00,1.09,1\n"
    )

    import_file(path, broker_tz="Europe/Prague")

    assert Trade.objects.get().open_time == dt.datetime(2026, 7, 1, 8, 0, tzinfo=UTC)  # CEST


def test_ambiguous_autumn_time_is_the_first_occurrence(two_accounts, tmp_path):
    path = tmp_path / "t.csv"
    # 2026-10-25 02:30 happens twice in Prague; fold=0 takes the summer-time one (UTC+2).
    path.write_text(
        HEADER + "8100001,A,EURUSD,buy,1,2026-10-25T02:30:00,1.08,2026-10-25T04:00:00,1.09,1\n"
    )

    import_file(path, broker_tz="Europe/Prague")

    assert Trade.objects.get().open_time == dt.datetime(2026, 10, 25, 0, 30, tzinfo=UTC)


def test_nonexistent_spring_time_uses_the_offset_before_the_change(two_accounts, tmp_path):
    path = tmp_path / "t.csv"
    # 2026-03-29 02:30 does not exist in Prague (02:00 -> 03:00); read with UTC+1.
    path.write_text(
        HEADER + "8100001,A,EURUSD,buy,1,2026-03-29T02:30:00,1.08,2026-03-29T04:00:00,1.09,1\n"
    )

    import_file(path, broker_tz="Europe/Prague")

    trade = Trade.objects.get()
    assert trade.open_time == dt.datetime(2026, 3, 29, 1, 30, tzinfo=UTC)
    assert trade.close_time == dt.datetime(2026, 3, 29, 2, 0, tzinfo=UTC)


def test_single_account_import_needs_no_account_column(account, tmp_path):
    path = tmp_path / "t.csv"
    path.write_text(
        "ticket,symbol,side,volume,open_time,open_price,close_time,close_price,profit\n"
        "9,EURUSD,SELL,0.1,2026-03-02T08:00:00Z,1.08,2026-03-02T08:00:00Z,1.08,0\n"
    )

    batch = import_file(path, account=account)

    assert batch.status == "committed"
    assert Trade.objects.get(account=account).side == "sell"


def test_equity_snapshots_import_and_reimport_unchanged(two_accounts, fixture_path):
    first, second = two_accounts

    batch = import_file(fixture_path("canonical_snapshots.csv"))
    again = import_file(fixture_path("canonical_snapshots.csv"))

    assert (batch.format, batch.rows_new) == ("snapshots", 3)
    assert (again.rows_new, again.rows_unchanged) == (0, 3)
    assert EquitySnapshot.objects.get(account=second).equity == Decimal("49650.25")
    assert EquitySnapshot.objects.filter(account=first).count() == 2
    assert ImportBatch.objects.count() == 2
