"""Issue 14 case 6 for MT5: history reports with translated titles and headers (French HTML,
German XLSX, Russian CSV), a language we have no words for (read by the table's layout), and
a report with neither (refused as an unknown template, never as an encoding problem)."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db.models import Sum

from evaluations.models import BalanceOperation, Trade
from imports.service import import_file
from tests.imports.mt5_reports import (
    FRENCH,
    GERMAN,
    NET,
    RUSSIAN,
    TURKISH,
    report_csv,
    report_html,
    report_rows,
    report_xlsx,
)

RENDER = {"htm": report_html, "xlsx": report_xlsx, "csv": report_csv}


def _report(tmp_path, language, kind, currency="USD"):
    path = tmp_path / f"ReportHistory.{kind}"
    path.write_bytes(RENDER[kind](report_rows(language, currency)))
    return path


def _stored() -> list[tuple]:
    return list(
        Trade.objects.order_by("ticket").values_list("ticket", "symbol", "side", "volume", "net")
    )


@pytest.mark.parametrize(
    ("language", "kind"), [(FRENCH, "htm"), (GERMAN, "xlsx"), (RUSSIAN, "csv")]
)
def test_translated_mt5_report_imports_to_the_cent_and_reimports_unchanged(
    account, tmp_path, language, kind
):
    path = _report(tmp_path, language, kind)

    batch = import_file(path, balance_rows=True)  # the account from "Compte:", "Konto:", "Счет:"

    assert (batch.status, batch.format, batch.rows_new) == ("committed", "mt5", 3)
    assert _stored() == [
        ("1001", "EURUSD", "buy", Decimal("1.0000"), Decimal("333.00")),
        ("1002", "XAUUSD", "sell", Decimal("0.5000"), Decimal("-716.08")),
        ("1003", "US30", "buy", Decimal("2.0000"), Decimal("4182.00")),
    ]
    assert Trade.objects.aggregate(n=Sum("net"))["n"] == Decimal(NET)
    opened = Trade.objects.get(ticket="1002")
    assert (opened.open_time, opened.close_time, opened.open_price, opened.swap) == (
        dt.datetime(2025, 3, 4, 9, 0, tzinfo=dt.UTC),
        dt.datetime(2025, 3, 5, 16, 30, tzinfo=dt.UTC),
        Decimal("2901.50000000"),
        Decimal("-0.08"),
    )
    deposit = BalanceOperation.objects.get()  # the translated Deals section's deposit
    assert (deposit.amount, deposit.reference) == (Decimal("100000.00"), "mt:3000")
    again = import_file(path, balance_rows=True)
    assert (again.rows_new, again.rows_updated, again.rows_unchanged) == (0, 0, 3)
    assert BalanceOperation.objects.count() == 1


@pytest.mark.parametrize(("language", "kind"), [(FRENCH, "htm"), (RUSSIAN, "csv")])
def test_translated_report_in_another_currency_is_refused(account, tmp_path, language, kind):
    batch = import_file(_report(tmp_path, language, kind, currency="EUR"))

    assert batch.status == "rejected"
    assert "this MT5 report is in EUR, account 52603751 is in USD" in batch.errors[0]["reason"]
    assert not Trade.objects.exists()


@pytest.mark.parametrize("kind", ["htm", "xlsx", "csv"])
def test_a_language_we_do_not_know_is_read_by_the_positions_layout(account, tmp_path, kind):
    path = _report(tmp_path, TURKISH, kind)

    batch = import_file(path, account=account, fmt="auto" if kind != "csv" else "mt5")

    assert (batch.status, batch.format, batch.rows_new) == ("committed", "mt5", 3)
    assert Trade.objects.aggregate(n=Sum("net"))["n"] == Decimal(NET)
    assert import_file(path, account=account, fmt="mt5").rows_unchanged == 3


def test_an_unknown_html_report_with_positions_rows_is_detected_as_mt5(account, tmp_path):
    batch = import_file(_report(tmp_path, TURKISH, "htm"), account=account)

    assert (batch.format, batch.rows_new) == ("mt5", 3)


def _without_positions(language: dict) -> list[list[str]]:
    """The report with its positions rows in a layout of no MT5 table (columns moved)."""
    rows = report_rows(language)
    return [
        [*cells[1:], cells[0]] if cells[:1] and cells[0].startswith("2025.03.0") else cells
        for cells in rows
    ]


@pytest.mark.parametrize("kind", ["htm", "xlsx"])
def test_a_report_with_neither_known_words_nor_the_layout_is_an_unknown_template(
    account, tmp_path, kind
):
    path = tmp_path / f"ReportHistory.{kind}"
    path.write_bytes(RENDER[kind](_without_positions(TURKISH)))

    batch = import_file(path, account=account, fmt="mt5")

    reason = batch.errors[0]["reason"]
    assert batch.status == "rejected"
    assert reason.startswith("unknown statement template: no 'Positions' section")
    assert "encoding" not in reason
