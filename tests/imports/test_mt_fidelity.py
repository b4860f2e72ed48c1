"""Issue 14 (5, 6, 7, 9, 10, 11): MetaTrader statements as real terminals write them.

Statements in a Windows code page without a declared charset, translated templates, the
account currency, trades before the account's start, the server time zone, balance rows.
Every file imports a second time without changing anything.
"""

import datetime as dt
from decimal import Decimal

import pytest

from evaluations.models import BalanceOperation, Trade
from imports.service import import_file, import_items, report_text
from tests.factories import TradingAccountFactory
from tests.imports.statements import JAPANESE, TRADES, mt4_statement

UTC = dt.UTC


@pytest.fixture
def mt4_account(db):
    return TradingAccountFactory(login="2090123")


def _write(tmp_path, text: str, encoding: str, name="DetailedStatement.htm"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


@pytest.mark.parametrize(
    ("encoding", "name", "comment"),
    [
        ("gbk", "张伟", "专家顾问：趋势跟踪策略 止盈平仓"),
        ("cp932", "山田太郎", "エキスパート：トレンドフォロー 利益確定"),
        ("cp1251", "Иван Петров", "советник: следование за трендом, тейк-профит"),
        ("cp1252", "José Müller", "expert: prise de bénéfice"),
    ],
)
def test_mt4_statement_in_a_windows_code_page_imports_and_names_its_encoding(
    mt4_account, tmp_path, encoding, name, comment
):
    path = _write(tmp_path, mt4_statement(name=name, comment=comment), encoding)

    batch = import_file(path, account=mt4_account)

    assert (batch.status, batch.rows_new, batch.encoding) == ("committed", 2, encoding)
    assert f"Encoding: {encoding}." in report_text(batch)
    assert Trade.objects.get(ticket="70002").profit == Decimal("-712.50")
    again = import_file(path, account=mt4_account)
    assert (again.rows_new, again.rows_updated, again.rows_unchanged) == (0, 0, 2)


def test_binary_bytes_are_still_refused_as_no_text(mt4_account, tmp_path):
    path = tmp_path / "DetailedStatement.htm"
    path.write_bytes(b"<html><table>" + bytes(range(256)) * 40)

    batch = import_file(path, account=mt4_account)

    assert batch.status == "rejected"
    assert "wrong encoding" in batch.errors[0]["reason"]


JPY_TRADES = [
    ("80001", "2025.03.03 10:00:00", "buy", "1.00", "usdjpy", "149.500", "2025.03.03 12:00:00",
     "147.200", "0", "0", "-1 200", "-348 604"),
]  # fmt: skip


def test_translated_japanese_jpy_statement_imports_by_its_translated_titles(db, tmp_path):
    account = TradingAccountFactory(login="2090123", currency="JPY")
    text = mt4_statement(
        name="山田太郎", currency="JPY", words=JAPANESE, trades=JPY_TRADES, comment="利益確定"
    )
    path = _write(tmp_path, text, "cp932")

    batch = import_file(path)  # the account comes from the translated "ログインID:" label

    assert (batch.status, batch.rows_new, batch.format) == ("committed", 1, "mt4")
    trade = Trade.objects.get(account=account)
    assert (trade.profit, trade.swap, trade.net) == (
        Decimal("-348604"),
        Decimal("-1200"),
        Decimal("-349804"),
    )
    assert import_file(path).rows_unchanged == 1


def test_a_jpy_statement_into_a_usd_account_is_refused_naming_both_currencies(
    mt4_account, tmp_path
):
    path = _write(tmp_path, mt4_statement(currency="JPY", trades=JPY_TRADES), "ascii")

    batch = import_file(path, account=mt4_account)

    assert batch.status == "rejected"
    assert "this MT4 statement is in JPY, account 2090123 is in USD" in batch.errors[0]["reason"]
    assert not Trade.objects.exists()


def test_an_eur_mt5_report_into_a_usd_account_is_refused(account, fixture_path, tmp_path):
    text = fixture_path("mt5_report.csv").read_text().replace("(USD,", "(EUR,")
    path = tmp_path / "ReportHistory.csv"
    path.write_text(text)

    batch = import_file(path, account=account)

    assert "this MT5 report is in EUR, account 52603751 is in USD" in batch.errors[0]["reason"]


def test_unknown_words_are_read_by_the_table_layout(mt4_account, tmp_path):
    words = {**JAPANESE, "closed": "Geschlossene Transaktionen:", "header": ["?"] * 14}
    path = _write(tmp_path, mt4_statement(words=words), "utf-8")

    batch = import_file(path, account=mt4_account, fmt="mt4")

    assert (batch.status, batch.rows_new) == ("committed", 2)


def test_html_with_no_statement_table_is_an_unknown_template(mt4_account, tmp_path):
    path = _write(tmp_path, "<html><table><tr><td>注文</td><td>1</td></tr></table></html>", "gbk")

    batch = import_file(path, account=mt4_account)

    reason = batch.errors[0]["reason"]
    assert reason.startswith("unknown statement template")
    assert "encoding" not in reason


def test_trade_opened_before_the_account_started_is_a_row_error_naming_both_times(db, tmp_path):
    account = TradingAccountFactory(
        login="2090123", started_at=dt.datetime(2025, 3, 4, 0, 0, tzinfo=UTC)
    )
    path = _write(tmp_path, mt4_statement(balance=()), "ascii")

    batch = import_file(path, account=account)

    assert batch.status == "rejected"
    assert batch.errors == [
        {
            "line": 4,
            "column": "open_time",
            "reason": "opened 2025-03-03 10:15:23 UTC, before the account started "
            "(2025-03-04 00:00:00 UTC); correct the account's start date if this is its history",
        }
    ]
    assert not Trade.objects.exists()


def test_canonical_csv_and_bridge_trades_before_the_start_are_refused(db, tmp_path):
    TradingAccountFactory(login="8100001", started_at=dt.datetime(2026, 11, 1, tzinfo=UTC))
    path = tmp_path / "trades.csv"
    path.write_text(
        "account,ticket,symbol,side,volume,open_time,open_price,close_time,close_price,profit\n"
        "8100001,T1,EURUSD,buy,1,2025-12-02T08:00:00Z,1.08,2025-12-02T09:00:00Z,1.09,100.00\n"
    )
    item = {
        "account": "8100001", "ticket": "A1", "symbol": "EURUSD", "side": "buy", "volume": "1",
        "open_time": "2025-12-02T08:00:00Z", "open_price": "1.08",
        "close_time": "2025-12-02T09:00:00Z", "close_price": "1.09", "profit": "1",
    }  # fmt: skip

    from_file = import_file(path)
    from_bridge = import_items("trades", [item])

    assert "before the account started (2026-11-01 00:00:00 UTC)" in from_file.errors[0]["reason"]
    assert "before the account started" in from_bridge.errors[0]["reason"]
    assert not Trade.objects.exists()


def test_the_accounts_server_zone_is_used_and_stated(db, tmp_path):
    account = TradingAccountFactory(login="2090123", server_tz="Europe/Athens")
    path = _write(tmp_path, mt4_statement(), "ascii")

    batch = import_file(path, account=account)

    # 2025-03-03 10:15:23 in Athens (EET, UTC+2 in March before DST)
    assert Trade.objects.get(ticket="70001").open_time == dt.datetime(
        2025, 3, 3, 8, 15, 23, tzinfo=UTC
    )
    assert batch.broker_tz == "Europe/Athens"
    assert "Times read as Europe/Athens." in report_text(batch)
    assert not any("UTC" in warning for warning in batch.warnings)


def test_no_zone_anywhere_reads_utc_with_a_warning(mt4_account, tmp_path):
    batch = import_file(_write(tmp_path, mt4_statement(), "ascii"), account=mt4_account)

    assert Trade.objects.get(ticket="70001").open_time.hour == 10
    assert "times read as UTC: account 2090123 has no server time zone" in report_text(batch)


def test_balance_rows_are_counted_not_traded(mt4_account, fixture_path):
    batch = import_file(fixture_path("mt4_statement.htm"), account=mt4_account)

    assert batch.rows_new == 2
    assert (
        "2 balance row(s) not imported as trades: +100,000.00 deposits, +500.00 credit"
        in report_text(batch)
    )
    assert not BalanceOperation.objects.exists()


def test_balance_rows_flag_adds_pending_operations_once(mt4_account, tmp_path):
    balance = (
        ("70000", "2025.03.01 08:00:00", "balance", "Deposit", "10 000.00"),
        ("70003", "2025.03.06 08:00:00", "balance", "Withdrawal", "-500.00"),
        ("70004", "2025.03.06 09:00:00", "credit", "Bonus", "250.00"),
    )
    path = _write(tmp_path, mt4_statement(balance=balance, trades=TRADES), "ascii")

    first = import_file(path, account=mt4_account, balance_rows=True)
    again = import_file(path, account=mt4_account, balance_rows=True)

    operations = BalanceOperation.objects.order_by("time")
    assert [(o.kind, o.amount, o.status, o.reference) for o in operations] == [
        ("deposit", Decimal("10000.00"), "pending", "mt:70000"),
        ("withdrawal", Decimal("-500.00"), "pending", "mt:70003"),
        ("adjustment", Decimal("250.00"), "pending", "mt:70004"),
    ]
    assert "3 added as balance operation(s) pending approval" in report_text(first)
    assert "0 added" in report_text(again) and again.rows_unchanged == 2


def test_mt5_deals_deposit_is_a_balance_row(account, fixture_path):
    batch = import_file(fixture_path("mt5_report.csv"), account=account, balance_rows=True)

    assert batch.rows_new == 3
    deposit = BalanceOperation.objects.get()
    assert (deposit.kind, deposit.amount, deposit.reference) == (
        "deposit",
        Decimal("100000.00"),
        "mt:3000",
    )


def test_command_reads_in_the_accounts_zone_and_imports_balance_rows(db, fixture_path):
    from io import StringIO

    from django.core.management import call_command

    TradingAccountFactory(login="2090123", server_tz="Europe/Athens")
    out = StringIO()

    call_command(
        "import_trades",
        str(fixture_path("mt4_statement.htm")),
        "--account=2090123",
        "--balance-rows",
        stdout=out,
    )

    assert "Times read as Europe/Athens." in out.getvalue()
    assert "2 added as balance operation(s) pending approval" in out.getvalue()
    assert BalanceOperation.objects.filter(status="pending").count() == 2
