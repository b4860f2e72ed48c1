"""Inputs the coverage-guided fuzzer (tests/imports/fuzz_parsers.py) found, kept as examples.

Each once escaped the import as an exception (a 500 in the admin), stored something other
than what was validated, or was a row or message PostgreSQL refused; now each is a row error
or a file error naming the problem, with its line where the format has lines.
"""

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from evaluations.models import Trade
from evaluations.models.programs import validate_time_zone
from imports import mt5
from imports.htmltable import table_rows
from imports.rows import ImportFileError
from imports.service import import_file
from tests.factories import TradingAccountFactory
from tests.imports.fuzz_parsers import minimal_xlsx

CANONICAL = (
    "account,ticket,symbol,side,volume,open_time,open_price,close_time,close_price,"
    "commission,swap,fees,profit\n"
)
ROW = "8100001,{ticket},EURUSD,buy,1,2026-03-02T08:00:00Z,1.08,{close},1.09,-7.00,0,0,{profit}\n"


def _row(ticket="T-1", close="2026-03-02T09:30:00Z", profit="250.00") -> str:
    return ROW.format(ticket=ticket, close=close, profit=profit)


def _import(tmp_path, data: bytes, name="trades.csv", **kwargs):
    path = tmp_path / name
    path.write_bytes(data)
    return import_file(path, **kwargs)


def _file_error(batch) -> str:
    assert (batch.status, batch.rows_total) == ("rejected", 0)
    assert not Trade.objects.exists()
    [error] = batch.errors
    assert error["line"] is None
    return error["reason"]


def _row_errors(batch) -> list[tuple[int, str, str]]:
    assert batch.status == "rejected"
    assert not Trade.objects.exists()
    return [(e["line"], e["column"], e["reason"]) for e in batch.errors]


# --- rows PostgreSQL could not store -----------------------------------------------------


@pytest.mark.parametrize("ticket", ["T-1\x00", "T\x00\x01"])
def test_a_nul_in_a_ticket_is_a_row_error_not_a_database_error(two_accounts, tmp_path, ticket):
    batch = _import(tmp_path, (CANONICAL + _row() + _row(ticket=ticket)).encode())

    [(line, column, reason)] = _row_errors(batch)
    assert (line, column) == (3, "ticket")
    assert "holds a NUL" in reason


def test_a_nul_in_a_tradovate_symbol_is_a_row_error(account, fixture_path, tmp_path):
    lines = fixture_path("tradovate_performance.csv").read_text().splitlines(keepends=True)
    lines[2] = lines[2].replace("MNQZ5", "MNQ\x00Z5", 1)

    batch = _import(tmp_path, "".join(lines).encode(), account=account, fmt="tradovate")

    assert _row_errors(batch)[0][:2] == (3, "symbol")


def test_a_net_profit_too_large_for_the_money_column_is_a_row_error(two_accounts, tmp_path):
    # 9-digit profit and commission each fit; their sum (the stored net) does not
    huge = "999999999.99"
    data = CANONICAL + _row(profit=huge).replace("-7.00", huge)

    batch = _import(tmp_path, data.encode())

    [(line, column, reason)] = _row_errors(batch)
    assert (line, column) == (2, "profit")
    assert "net profit (profit + costs) too large" in reason


def test_ctrader_fees_too_large_for_the_money_column_are_a_row_error(
    account, fixture_path, tmp_path
):
    lines = fixture_path("ctrader_history.csv").read_text().splitlines(keepends=True)
    # fees = net - gross - commission - swap: two legal amounts, an illegal difference
    lines[1] = lines[1].replace(",340.00,333.00,", ",999999999.00,-999999999.00,")

    batch = _import(tmp_path, "".join(lines).encode(), account=account, fmt="ctrader")

    assert ("fees", "fees too large") in {(c, r.split(":")[0]) for _, c, r in _row_errors(batch)}


def test_another_accounts_login_with_a_nul_is_reported_readably(two_accounts, tmp_path):
    data = CANONICAL + _row().replace("8100001", "81\x0001", 1)

    batch = _import(tmp_path, data.encode(), account=two_accounts[0])

    [(line, column, reason)] = _row_errors(batch)  # stored: the NUL is escaped
    assert (line, column) == (2, "account")
    assert reason == "row is for account '81\\x0001', the import is for 8100001"


# --- the COPY fast path stores what was validated ----------------------------------------


def test_a_time_postgresql_reads_differently_is_stored_as_validated(two_accounts, tmp_path):
    # fromisoformat reads 09:30.50 as 09:30:00.5; PostgreSQL read the same text as 00:09:30.5
    batch = _import(tmp_path, (CANONICAL + _row(close="2026-03-02T09:30.50Z")).encode())

    assert (batch.status, batch.rows_new) == ("committed", 1)
    stored = Trade.objects.get().close_time
    assert stored == dt.datetime(2026, 3, 2, 9, 30, 0, 500000, tzinfo=dt.UTC)


# --- text that stops being readable part-way ---------------------------------------------


def test_a_file_cut_inside_a_utf8_character_names_the_line(two_accounts, tmp_path):
    data = (CANONICAL + _row()).encode() + b"8100001,T-2,EURUSD\xe3"

    reason = _file_error(_import(tmp_path, data))

    assert reason.startswith("wrong encoding on line 3: the file is not valid UTF-8")


def test_a_bad_byte_far_into_a_large_file_names_its_line(two_accounts, tmp_path):
    rows = "".join(_row(ticket=f"G{n}") for n in range(2000))
    data = (CANONICAL + rows).encode() + b"8100001,\xff\xfe,EURUSD\n"

    assert "wrong encoding on line 2002" in _file_error(_import(tmp_path, data))


def _open_quote(lines: list[str]) -> bytes:
    """The file's lines, then a record whose quote never closes: 140,000 characters."""
    return ("".join(lines) + 'x,"' + "y" * 140_000 + "\n").encode()


@pytest.mark.parametrize(
    ("fixture", "fmt"),
    [
        ("canonical_trades.csv", "canonical"),
        ("canonical_snapshots.csv", "snapshots"),
        ("tradovate_performance.csv", "tradovate"),
        ("ninjatrader_trades.csv", "ninjatrader"),
        ("mt5_report.csv", "mt5"),
    ],
)
def test_a_quote_left_open_is_a_file_error_naming_where_it_starts(
    account, fixture_path, tmp_path, fixture, fmt
):
    lines = fixture_path(fixture).read_text().splitlines(keepends=True)

    reason = _file_error(_import(tmp_path, _open_quote(lines), account=account, fmt=fmt))

    assert reason.startswith(f"unreadable CSV from line {len(lines) + 1}: field larger than")
    assert "is a quote left open?" in reason


# --- declared charsets, headers and zones ------------------------------------------------


@pytest.mark.parametrize(
    "charset", ["hex", "rot13", "base64", "undefined", "utf-7", "unicode_escape"]
)
def test_a_page_declaring_a_codec_that_is_no_html_charset_is_never_decoded_with_it(
    db, fixture_path, tmp_path, charset
):
    TradingAccountFactory(login="2090123")
    html = fixture_path("mt4_statement.htm").read_bytes()
    html = html.replace(b"charset=windows-1252", f"charset={charset}".encode())
    html = html.replace(b"Ana Trader", b"Ana Tr\xe4der")  # not UTF-8

    batch = _import(tmp_path, html, name="statement.htm")

    # The declaration is ignored, as if there were none: the code page is read off the bytes.
    assert (batch.status, batch.encoding) == ("committed", "cp1252")
    assert any("no encoding declared" in warning for warning in batch.warnings)


def test_a_windows_1252_statement_still_imports(db, fixture_path, tmp_path):
    TradingAccountFactory(login="2090123")
    html = fixture_path("mt4_statement.htm").read_bytes().replace(b"Ana Trader", b"Ana Tr\xe4der")

    batch = _import(tmp_path, html, name="statement.htm")

    assert (batch.format, batch.status, batch.rows_new) == ("mt4", "committed", 2)


def test_a_nul_in_a_platform_header_is_a_file_error(account, fixture_path, tmp_path):
    data = fixture_path("ninjatrader_trades.csv").read_bytes().replace(b"Clearing", b"C\x00learing")

    reason = _file_error(_import(tmp_path, data, fmt="ninjatrader"))

    assert reason.startswith("not a NinjaTrader 8 trades CSV: the header holds a NUL character")


@pytest.mark.parametrize("offset", ["UTC+99", "UTC-15", "UTC+2:75"])
def test_a_ctrader_header_offset_no_zone_has_is_a_file_error(
    account, fixture_path, tmp_path, offset
):
    data = fixture_path("ctrader_history.csv").read_text().replace("UTC+2", offset, 1)

    reason = _file_error(_import(tmp_path, data.encode(), account=account, fmt="ctrader"))

    assert (
        reason == f"not a cTrader history CSV: 'Opening Time ({offset})' names no real UTC offset"
    )


@pytest.mark.parametrize("name", ["Europe", "P" * 300], ids=["a directory", "too long"])
def test_a_time_zone_name_that_is_no_zone_file_is_an_unknown_zone(two_accounts, tmp_path, name):
    batch = _import(tmp_path, (CANONICAL + _row()).encode(), broker_tz=name)

    assert _file_error(batch).startswith(f"unknown time zone {name!r}")
    assert batch.broker_tz == name[:255]  # cut where stored (the column holds 255)


@pytest.mark.parametrize("name", ["Europe", "P" * 300], ids=["a directory", "too long"])
def test_the_upload_forms_zone_check_refuses_what_is_no_zone_file(name):
    with pytest.raises(ValidationError, match="is not a known IANA time zone"):
        validate_time_zone(name)


# --- HTML the standard library parser gave up on -----------------------------------------


@pytest.mark.parametrize("section", ["<![C]>", "<![<!DOCTYPE html>", "<![if !vml]>"])
def test_a_marked_section_html_parser_rejects_is_skipped(db, fixture_path, tmp_path, section):
    TradingAccountFactory(login="2090123")
    html = fixture_path("mt4_statement.htm").read_text()
    html = html.replace("</title>", "</title>" + section, 1)

    batch = _import(tmp_path, html.encode(), name="statement.htm")

    assert (batch.format, batch.status, batch.rows_new) == ("mt4", "committed", 2)


def test_cells_around_marked_sections_are_kept():
    html = "<table><tr><td>a</td><![if !supportLists]><td>b</td><![endif]><![C]><td>c</td></table>"

    assert table_rows(html) == [["a", "b", "c"]]


def test_markup_html_parser_cannot_read_on_is_a_file_error_with_its_place(monkeypatch):
    from imports import htmltable

    def give_up(self, tag, attrs):
        raise AssertionError("we should not get here!")

    monkeypatch.setattr(htmltable._Rows, "handle_starttag", give_up)

    with pytest.raises(ImportFileError, match=r"^unreadable HTML on line 1, column 0: we should"):
        table_rows("<td>")


# --- XLSX that claims more than it holds -------------------------------------------------

POSITIONS_HEADER = (
    "Time", "Position", "Symbol", "Type", "Volume", "Price", "S / L", "T / P", "Time", "Price",
    "Commission", "Swap", "Profit",
)  # fmt: skip
TRADE = (
    "2025.03.03 10:15:23", "1001", "EURUSD", "buy", "1", "1.0421", "", "",
    "2025.03.03 14:02:11", "1.0455", "-7.00", "0.00", "340.00",
)  # fmt: skip


def _text_row(number: int, values) -> str:
    cells = "".join(
        f'<c r="{col}{number}" t="inlineStr"><is><t>{value}</t></is></c>'
        for col, value in zip("ABCDEFGHIJKLM", values, strict=False)
        if value
    )
    return f'<row r="{number}">{cells}</row>'


def _mt5_sheet(extra_rows: str = "", dimension: str = "") -> bytes:
    """An MT5 workbook: account, Positions title, header and one trade, then `extra_rows`."""
    rows = (
        _text_row(1, ["Account:", "", "", "52603751 (USD, Demo)"])
        + _text_row(2, ["Positions"])
        + _text_row(3, POSITIONS_HEADER)
        + _text_row(4, TRADE)
    )
    return minimal_xlsx(f"{dimension}<sheetData>{rows}{extra_rows}</sheetData>")


def test_a_declared_sheet_size_does_not_widen_every_row(account, tmp_path):
    # 16,384 declared columns and a cell in the last one: rows stay as wide as their cells
    far = '<row r="5"><c r="XFD5"><v>1</v></c></row>'
    data = _mt5_sheet(far, dimension='<dimension ref="A1:XFD1048576"/>')

    lines = mt5.xlsx_lines(io.BytesIO(data))
    batch = _import(tmp_path, data, name="report.xlsx", account=account)

    assert max(len(cells) for _, cells in lines) <= mt5.MAX_COLUMNS
    assert [n for n, _ in lines] == [1, 2, 3, 4]
    assert (batch.status, batch.rows_new) == ("committed", 1)
    assert Trade.objects.get().profit == Decimal("340.00")


def test_a_row_past_excels_last_is_a_file_error(account, tmp_path):
    far = '<row r="2000000000"><c r="A2000000000"><v>1</v></c></row>'

    reason = _file_error(_import(tmp_path, _mt5_sheet(far), name="report.xlsx", account=account))

    assert reason == "not an MT5 report: the workbook has rows past row 1,048,576"


def test_a_workbook_that_unzips_too_large_is_a_file_error(account, tmp_path, monkeypatch):
    monkeypatch.setattr(mt5, "MAX_UNZIPPED_BYTES", 1000)
    data = _mt5_sheet()

    reason = _file_error(_import(tmp_path, data, name="report.xlsx", account=account))

    assert reason.startswith("not an MT5 report: the workbook unzips to ")
    assert reason.endswith("bytes (at most 1,000)")


def test_a_long_cell_is_cut_before_it_is_read(account):
    long_cell = '<row r="5"><c r="A5" t="inlineStr"><is><t>' + "x " * 5000 + "</t></is></c></row>"

    lines = mt5.xlsx_lines(io.BytesIO(_mt5_sheet(long_cell)))

    assert lines[-1] == (5, [("x " * 512).strip()])


def test_a_workbook_without_a_worksheet_is_a_file_error(account, fixture_path):
    # found by the atheris mt5_xlsx target: a workbook whose sheet list is empty
    batch = import_file(fixture_path("fuzz_workbook_without_sheets.xlsx"), account=account)

    assert _file_error(batch) == "not an MT5 report: the workbook has no worksheet"


# --- balance rows (the fuzzer's 2026-12-07 find: a half-UTF-16 MT4 statement) -------------


def _balance(ticket: str, comment: str):
    from imports.report import balance_row
    from imports.rows import ParseContext

    cells = [ticket, "2025.03.03 09:00:00", "balance", comment, "100000.00"]
    cols = {"ticket": 0, "open_time": 1, "side": 2, "profit": 4}
    return balance_row(3, cells, cols, "2090123", "balance", ParseContext(tz=dt.UTC))


def test_a_nul_in_a_balance_rows_comment_is_dropped_and_the_row_kept():
    row = _balance("50001", "Deposit\x00 via\ud800 wire")

    assert (row.ticket, row.amount, row.comment) == (
        "50001",
        Decimal("100000.00"),
        "Deposit via wire",
    )


def test_a_nul_in_a_balance_rows_ticket_is_a_row_error():
    error = _balance("500\x0001", "Deposit")

    assert (error.line, error.column) == (3, "ticket")
    assert "holds a NUL" in error.reason
