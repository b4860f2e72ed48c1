"""cTrader history CSV and NinjaTrader 8 trades CSV."""

import datetime as dt
from decimal import Decimal

import pytest

from evaluations.models import AccountAlias, Trade
from imports.service import import_file

UTC = dt.UTC


def test_ctrader_times_use_the_offset_in_the_header(account, fixture_path):
    batch = import_file(
        fixture_path("ctrader_history.csv"), account=account, broker_tz="Asia/Tokyo"
    )

    assert (batch.format, batch.status, batch.rows_new) == ("ctrader", "committed", 2)
    euro = Trade.objects.get(ticket="30001")
    assert euro.open_time == dt.datetime(2025, 3, 3, 8, 15, 23, 120000, tzinfo=UTC)
    assert euro.close_time == dt.datetime(2025, 3, 3, 12, 2, 11, 480000, tzinfo=UTC)
    assert (euro.side, euro.volume) == ("buy", Decimal("1.00"))


def test_ctrader_net_equals_the_files_net_usd_to_the_cent(account, fixture_path):
    import_file(fixture_path("ctrader_history.csv"), account=account)

    gold = Trade.objects.get(ticket="30002")
    assert gold.net == Decimal("-717.08")
    assert (gold.profit, gold.commission, gold.swap, gold.fees) == (
        Decimal("-712.50"),
        Decimal("-3.50"),
        Decimal("-0.08"),
        Decimal("-1.00"),
    )


@pytest.fixture
def nt_account(account):
    """The account, known to NinjaTrader's file as `Sim101`."""
    AccountAlias.objects.create(account=account, name="Sim101", platform="NinjaTrader")
    return account


def test_ninjatrader_money_and_costs(nt_account, fixture_path):
    account = nt_account
    batch = import_file(fixture_path("ninjatrader_trades.csv"), account=account)

    assert (batch.format, batch.status, batch.rows_new) == ("ninjatrader", "committed", 2)
    long, short = Trade.objects.filter(account=account).order_by("open_time")
    assert (long.side, long.profit, long.commission, long.net) == (
        "buy",
        Decimal("1130.00"),
        Decimal("-3.98"),
        Decimal("1126.02"),
    )
    assert (short.side, short.net) == ("sell", Decimal("-18.98"))
    assert short.open_time == dt.datetime(2025, 3, 14, 13, 2, tzinfo=UTC)
    assert long.symbol == "NQ 03-25"


def test_ninjatrader_reexport_with_renumbered_trades_changes_nothing(
    nt_account, fixture_path, tmp_path
):
    account = nt_account
    import_file(fixture_path("ninjatrader_trades.csv"), account=account)
    text = fixture_path("ninjatrader_trades.csv").read_text()
    renumbered = tmp_path / "trades.csv"
    renumbered.write_text(text.replace("\n1,NQ", "\n7,NQ").replace("\n2,NQ", "\n8,NQ"))

    again = import_file(renumbered, account=account)

    assert (again.rows_new, again.rows_unchanged) == (0, 2)


def test_ninjatrader_without_an_account_uses_the_account_column(db, fixture_path):
    from tests.factories import TradingAccountFactory

    TradingAccountFactory(login="Sim101")

    batch = import_file(fixture_path("ninjatrader_trades.csv"))

    assert (batch.status, batch.rows_new) == ("committed", 2)
