"""Every bad row is reported (line, column, reason); by default a bad file writes nothing."""

import pytest

from evaluations.models import ImportBatch, ImportSource, Trade
from imports.service import import_file

HEADER = "account,ticket,symbol,side,volume,open_time,open_price,close_time,close_price,profit\n"
GOOD = "8100001,G1,EURUSD,buy,1,2026-03-02T08:00:00Z,1.08,2026-03-02T09:00:00Z,1.09,100.00\n"


def _import(tmp_path, *rows, partial=False, **kwargs):
    path = tmp_path / "trades.csv"
    path.write_text(HEADER + "".join(rows))
    return import_file(path, partial=partial, **kwargs)


BAD_ROWS = [
    (
        "9999999,B,EURUSD,buy,1,2026-03-02T08:00:00Z,1.08,2026-03-02T09:00:00Z,1.09,1\n",
        "account",
        "unknown account '9999999'",
    ),
    (
        "8100001,B,EURUSD,buy,1,2026-03-02T08:00:00Z,1.08,2026-03-02T09:00:00Z,1.09,1O0.00\n",
        "profit",
        "not a number",
    ),
    (
        "8100001,B,EURUSD,buy,1,2026-02-30T08:00:00Z,1.08,2026-03-02T09:00:00Z,1.09,1\n",
        "open_time",
        "not a date/time",
    ),
    (
        "8100001,B,EURUSD,buy,1,2026-03-02T10:00:00Z,1.08,2026-03-02T09:00:00Z,1.09,1\n",
        "close_time",
        "closes before it opens",
    ),
    (
        "8100001,B,EURUSD,buy,-1,2026-03-02T08:00:00Z,1.08,2026-03-02T09:00:00Z,1.09,1\n",
        "volume",
        "volume must be positive",
    ),
    (
        "8100001,B,EURUSD,long,1,2026-03-02T08:00:00Z,1.08,2026-03-02T09:00:00Z,1.09,1\n",
        "side",
        "side must be buy or sell",
    ),
    (
        "8100001,B,EURUSD,buy,1,2026-03-02T08:00:00Z,1.08,2026-03-02T09:00:00Z,1.09,1.005\n",
        "profit",
        "more than 2 decimal places",
    ),
]


@pytest.mark.parametrize(("row", "column", "reason"), BAD_ROWS)
def test_a_bad_row_is_reported_and_nothing_is_written(two_accounts, tmp_path, row, column, reason):
    batch = _import(tmp_path, GOOD, row)

    assert batch.status == "rejected"
    assert (batch.rows_total, batch.rows_rejected, batch.rows_new) == (2, 1, 0)
    [error] = batch.errors
    assert (error["line"], error["column"]) == (3, column)
    assert reason in error["reason"]
    assert not Trade.objects.exists()


def test_partial_commits_the_good_rows_and_reports_the_rest(two_accounts, tmp_path):
    batch = _import(tmp_path, GOOD, BAD_ROWS[0][0], BAD_ROWS[3][0], partial=True)

    assert batch.status == "partial"
    assert (batch.rows_total, batch.rows_new, batch.rows_rejected) == (3, 1, 2)
    assert [e["line"] for e in batch.errors] == [3, 4]
    assert list(Trade.objects.values_list("ticket", flat=True)) == ["G1"]


def test_duplicate_ticket_with_different_data_in_one_file_is_rejected(two_accounts, tmp_path):
    changed = GOOD.replace("100.00", "90.00")

    batch = _import(tmp_path, GOOD, GOOD.replace("G1", "G2"), changed, partial=True)

    assert batch.status == "partial"
    assert [(e["line"], e["column"]) for e in batch.errors] == [(2, "ticket"), (4, "ticket")]
    assert "duplicate ticket G1 with different data (lines 2, 4)" in batch.errors[0]["reason"]
    assert list(Trade.objects.values_list("ticket", flat=True)) == ["G2"]


def test_the_same_row_twice_in_one_file_is_one_trade(two_accounts, tmp_path):
    batch = _import(tmp_path, GOOD, GOOD)

    assert (batch.status, batch.rows_new, batch.rows_unchanged) == ("committed", 1, 1)
    assert Trade.objects.count() == 1


def test_a_row_with_missing_or_extra_columns_names_its_line(two_accounts, tmp_path):
    decimal_comma = GOOD.replace("100.00", "100,50")

    batch = _import(tmp_path, GOOD, "8100001,short,row\n", decimal_comma)

    assert batch.errors == [
        {"line": 3, "column": "", "reason": "expected 10 columns, found 3"},
        {"line": 4, "column": "", "reason": "expected 10 columns, found 11"},
    ]


def _file_error(batch):
    assert batch.status == "rejected"
    assert batch.rows_total == 0
    assert not Trade.objects.exists()
    return batch.errors[0]["reason"]


def test_wrong_format_is_a_clear_message(db, tmp_path):
    path = tmp_path / "x.csv"
    path.write_text("date,description,amount\n2026-01-01,coffee,3.50\n")

    assert "unrecognised format" in _file_error(import_file(path))


def test_a_file_of_another_format_than_asked_is_refused(db, fixture_path):
    reason = _file_error(import_file(fixture_path("tradovate_performance.csv"), fmt="mt4"))

    assert "no 'Closed Transactions' section" in reason


def test_empty_file_is_a_clear_message(db, tmp_path):
    path = tmp_path / "empty.csv"
    path.write_bytes(b"")

    assert "empty file" in _file_error(import_file(path))


def test_header_only_file_has_no_trades(two_accounts, tmp_path):
    assert "no trades found" in _file_error(_import(tmp_path))


def test_bytes_that_are_no_text_in_any_code_page_are_a_clear_message(two_accounts, tmp_path):
    path = tmp_path / "binary.csv"
    path.write_bytes(HEADER.encode() + b"8100001,\x00\x81\xff\xfe\x8d\x00\x90\x9d," * 50)

    assert "wrong encoding" in _file_error(import_file(path))


def test_wrong_encoding_far_into_a_large_file_is_caught(two_accounts, tmp_path):
    path = tmp_path / "late.csv"
    rows = "".join(GOOD.replace("G1", f"G{n}") for n in range(2000))
    path.write_bytes((HEADER + rows).encode() + b"8100001,\xff\xfe,EURUSD\n")

    assert "wrong encoding" in _file_error(import_file(path))


def test_oversize_upload_is_refused_unread(two_accounts, tmp_path, settings):
    settings.IMPORT_MAX_UPLOAD_BYTES = 100

    batch = _import(tmp_path, GOOD, source=ImportSource.ADMIN)

    assert "file too large" in _file_error(batch)
    assert ImportBatch.objects.get().source == "admin"


def test_unknown_time_zone_is_a_clear_message(two_accounts, tmp_path):
    assert "unknown time zone 'Mars/Olympus'" in _file_error(
        _import(tmp_path, GOOD, broker_tz="Mars/Olympus")
    )


def test_platform_file_without_an_account_asks_for_one(db, fixture_path):
    reason = _file_error(import_file(fixture_path("tradovate_performance.csv")))

    assert "name the account" in reason
