"""S/L and T/P from MT4 and MT5 reports: an empty or 0 cell is "none set" (0), a price is
kept (space thousands read as in the other price columns)."""

from decimal import Decimal

import pytest

from evaluations.models import Trade
from imports.service import import_file
from tests.factories import TradingAccountFactory


def stops(account) -> dict:
    return {t.ticket: (t.stop_loss, t.take_profit) for t in Trade.objects.filter(account=account)}


@pytest.mark.parametrize("name", ["mt5_report.csv", "mt5_report.html"])
def test_mt5_report_stop_loss_and_take_profit(account, fixture_path, name):
    import_file(fixture_path(name), account=account)

    assert stops(account) == {
        "1001": (Decimal("0"), Decimal("0")),  # empty cells: none set
        "1002": (Decimal("2930.00"), Decimal("0")),  # "2 930.00": space thousands
        "1003": (Decimal("0"), Decimal("43400.0")),
    }


def test_mt4_statement_stop_loss_and_take_profit(db, fixture_path):
    account = TradingAccountFactory(login="2090123")

    import_file(fixture_path("mt4_statement.htm"))

    assert stops(account)["50003"] == (Decimal("2930.00"), Decimal("0"))
