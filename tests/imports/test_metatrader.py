"""MetaTrader 5 reports (CSV, XLSX, UTF-16 HTML) and the MetaTrader 4 detailed statement."""

import csv
import datetime as dt
from decimal import Decimal

import pytest
from django.db.models import Sum
from openpyxl import Workbook

from evaluations.models import Trade
from imports.service import import_file
from tests.factories import TradingAccountFactory

UTC = dt.UTC
MT5_NET = Decimal("3798.92")  # 333.00 - 716.08 + 4182.00


@pytest.fixture
def mt5_xlsx(tmp_path, fixture_path):
    """The CSV report laid out as MT5 writes its workbook: labels in A, values from D."""
    workbook = Workbook()
    sheet = workbook.active
    with fixture_path("mt5_report.csv").open(newline="") as handle:
        for cells in csv.reader(handle):
            if cells and cells[0].endswith(":") and len(cells) == 2:
                sheet.append([cells[0], None, None, cells[1]])
            else:
                sheet.append([_typed(cell) for cell in cells])
    path = tmp_path / "ReportHistory-52603751.xlsx"
    workbook.save(path)
    return path


def _typed(cell: str):
    """Plain numbers become numeric cells, as in a real workbook; the rest stays text."""
    try:
        return float(cell) if "." in cell else int(cell)
    except ValueError:
        return cell or None


def _mt5_trades(account):
    return {t.ticket: t for t in Trade.objects.filter(account=account)}


@pytest.mark.parametrize("name", ["mt5_report.csv", "mt5_report.html"])
def test_mt5_report_positions_import_with_space_thousands_and_split_minus(
    account, fixture_path, name
):
    batch = import_file(fixture_path(name), account=account)

    assert (batch.format, batch.status, batch.rows_new) == ("mt5", "committed", 3)
    gold = _mt5_trades(account)["1002"]
    assert (gold.side, gold.volume, gold.symbol) == ("sell", Decimal("0.5"), "XAUUSD")
    assert (gold.open_price, gold.close_price) == (Decimal("2901.5"), Decimal("2915.75"))
    assert (gold.swap, gold.profit, gold.commission) == (
        Decimal("-0.08"),
        Decimal("-712.50"),
        Decimal("-3.50"),
    )
    assert gold.open_time == dt.datetime(2025, 3, 4, 9, 0, tzinfo=UTC)
    assert Trade.objects.filter(account=account).aggregate(s=Sum("net"))["s"] == MT5_NET


def test_mt5_xlsx_workbook_gives_the_same_trades_as_the_csv(account, mt5_xlsx):
    batch = import_file(mt5_xlsx, account=account)

    assert (batch.format, batch.status, batch.rows_new) == ("mt5", "committed", 3)
    assert Trade.objects.filter(account=account).aggregate(s=Sum("net"))["s"] == MT5_NET
    assert _mt5_trades(account)["1003"].close_price == Decimal("43329.1")


def test_mt5_html_hidden_cells_do_not_shift_columns(account, fixture_path):
    import_file(fixture_path("mt5_report.html"), account=account)

    euro = _mt5_trades(account)["1001"]
    assert (euro.volume, euro.open_price, euro.profit) == (
        Decimal("1"),
        Decimal("1.04210"),
        Decimal("340.00"),
    )


def test_mt5_report_names_its_account_so_none_needs_to_be_given(account, fixture_path):
    batch = import_file(fixture_path("mt5_report.csv"))

    assert batch.status == "committed"
    assert Trade.objects.filter(account=account).count() == 3


def test_mt5_report_for_another_account_is_refused_whole(db, fixture_path):
    other = TradingAccountFactory(login="999")

    batch = import_file(fixture_path("mt5_report.csv"), account=other)

    assert batch.status == "rejected"
    assert "for account 52603751, not 999" in batch.errors[0]["reason"]
    assert not Trade.objects.exists()


def test_mt5_broker_time_is_converted_to_utc(account, fixture_path):
    import_file(fixture_path("mt5_report.csv"), account=account, broker_tz="Europe/Athens")

    euro = _mt5_trades(account)["1001"]
    assert euro.open_time == dt.datetime(2025, 3, 3, 8, 15, 23, tzinfo=UTC)  # EET = UTC+2


@pytest.fixture
def mt4_account(db):
    return TradingAccountFactory(login="2090123")


def test_mt4_statement_skips_balance_credit_pending_and_comment_rows(mt4_account, fixture_path):
    batch = import_file(fixture_path("mt4_statement.htm"))

    assert (batch.format, batch.status, batch.rows_total, batch.rows_new) == (
        "mt4",
        "committed",
        2,
        2,
    )
    assert set(Trade.objects.values_list("ticket", flat=True)) == {"50002", "50003"}


def test_mt4_taxes_are_fees_and_net_matches_the_statement(mt4_account, fixture_path):
    import_file(fixture_path("mt4_statement.htm"))

    gold = Trade.objects.get(ticket="50003")
    assert (gold.symbol, gold.side, gold.volume) == ("xauusd", "sell", Decimal("0.50"))
    assert (gold.fees, gold.swap, gold.commission) == (
        Decimal("-1.00"),
        Decimal("-0.08"),
        Decimal("-3.50"),
    )
    # Closed P/L of the statement: -10.50 - 1.00 - 0.08 - 372.50
    assert Trade.objects.aggregate(s=Sum("net"))["s"] == Decimal("-384.08")
