"""The trade journal: pages, sorting, filters in the trader's zone, and the exact CSV."""

import csv
import datetime as dt
import io
import re
from decimal import Decimal

import pytest
from django.urls import reverse

from accounts.models import TraderProfile
from evaluations.models import Trade
from tests.factories import TradeFactory, TradingAccountFactory
from tests.portal.builders import give_history, two_step_program

pytestmark = pytest.mark.django_db


@pytest.fixture
def busy_account(trader):
    """120 trades over 4 days; symbols cycle EURUSD, XAUUSD, US30; sides alternate."""
    phase1, _, _ = two_step_program()
    account = TradingAccountFactory(trader=trader, rule_set=phase1, login="7100001")
    nets = [[f"{(i % 7 - 3) * 10 + i / 100:.2f}" for i in range(30)] for _ in range(4)]
    give_history(account, nets)
    return account


def _tickets(html: str) -> list[str]:
    body = html.split("<tbody>")[1].split("</tbody>")[0]
    return re.findall(r"<tr>\s*<td>(\d+)</td>", body)


def _journal(client, login="7100001", **params):
    response = client.get(reverse("portal:journal", args=[login]), params)
    assert response.status_code == 200
    return response.content.decode()


def test_journal_pages_fifty_trades_newest_first(trader_client, busy_account):
    html = _journal(trader_client)
    newest = Trade.objects.filter(account=busy_account).order_by("-close_time", "-id")
    assert _tickets(html) == [t.ticket for t in newest[:50]]
    assert "120 trades" in html and "Page 1 of 3" in html
    page3 = _journal(trader_client, page=3)
    assert _tickets(page3) == [t.ticket for t in newest[100:]]


def test_journal_sorts_by_a_column_and_back(trader_client, busy_account):
    html = _journal(trader_client, sort="net")
    by_net = Trade.objects.filter(account=busy_account).order_by("net", "close_time", "id")
    assert _tickets(html) == [t.ticket for t in by_net[:50]]
    assert 'aria-sort="ascending"' in html
    assert "sort=-net" in html  # clicking again sorts descending
    desc = _journal(trader_client, sort="-net")
    assert _tickets(desc)[0] == by_net.last().ticket


def test_unknown_sort_falls_back_to_newest_first(trader_client, busy_account):
    html = _journal(trader_client, sort="password")
    newest = Trade.objects.filter(account=busy_account).order_by("-close_time", "-id")
    assert _tickets(html)[0] == newest[0].ticket


def test_journal_filters_by_symbol_and_side(trader_client, busy_account):
    html = _journal(trader_client, symbol="XAUUSD", side="sell")
    expected = Trade.objects.filter(account=busy_account, symbol="XAUUSD", side="sell")
    assert expected.exists()
    assert sorted(_tickets(html)) == sorted(t.ticket for t in expected)
    assert f"{expected.count()} trades" in html
    assert '<option value="XAUUSD" selected>' in html


def test_journal_date_range_is_in_the_traders_local_days(trader_client, trader):
    phase1, _, _ = two_step_program()
    account = TradingAccountFactory(trader=trader, rule_set=phase1, login="7100002")
    late = TradeFactory(
        account=account,
        ticket="late",
        open_time=dt.datetime(2026, 3, 3, 3, 0, tzinfo=dt.UTC),
        close_time=dt.datetime(2026, 3, 3, 4, 30, tzinfo=dt.UTC),  # 2 March 23:30 in New York
    )
    TradeFactory(
        account=account,
        ticket="next",
        open_time=dt.datetime(2026, 3, 3, 6, 0, tzinfo=dt.UTC),
        close_time=dt.datetime(2026, 3, 3, 6, 30, tzinfo=dt.UTC),  # 3 March 01:30 in New York
    )
    TraderProfile.objects.filter(user=trader).update(timezone="America/New_York")
    html = _journal(trader_client, "7100002", date_from="2026-03-02", date_to="2026-03-02")
    assert _tickets(html) == [late.ticket] or "late" in html.split("<tbody>")[1]
    assert "next" not in html.split("<tbody>")[1].split("</tbody>")[0]


def test_reversed_date_range_is_explained(trader_client, busy_account):
    html = _journal(trader_client, date_from="2026-03-05", date_to="2026-03-01")
    assert "The end date is before the start date." in html


def test_filter_form_is_labelled(trader_client, busy_account):
    html = _journal(trader_client)
    for field in ("symbol", "side", "date_from", "date_to"):
        assert f'<label for="id_{field}">' in html


def test_csv_download_streams_every_filtered_trade_exactly(trader_client, busy_account):
    Trade.objects.filter(account=busy_account, ticket=busy_account.trades.first().ticket).update(
        commission=Decimal("-3.33"), swap=Decimal("0.01"), fees=Decimal("-0.07")
    )
    response = trader_client.get(
        reverse("portal:journal_csv", args=["7100001"]), {"symbol": "EURUSD", "sort": "close_time"}
    )
    assert response.status_code == 200
    assert response.streaming
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert 'filename="journal-7100001.csv"' in response["Content-Disposition"]
    text = b"".join(response.streaming_content).decode()
    rows = list(csv.DictReader(io.StringIO(text)))
    expected = list(
        Trade.objects.filter(account=busy_account, symbol="EURUSD").order_by("close_time", "id")
    )
    assert [r["ticket"] for r in rows] == [t.ticket for t in expected]
    for row, trade in zip(rows, expected, strict=True):
        assert Decimal(row["net"]) == trade.net
        assert row["net"] == str(trade.net)  # as stored: two places, no float noise
        assert row["volume"] == str(trade.volume)
        assert row["close_time"] == trade.close_time.isoformat()
    assert sum(Decimal(r["net"]) for r in rows) == sum(t.net for t in expected)


def test_csv_cells_cannot_run_as_spreadsheet_formulas(trader_client, trader):
    phase1, _, _ = two_step_program()
    account = TradingAccountFactory(trader=trader, rule_set=phase1, login="7100003")
    TradeFactory(account=account, ticket="=HYPERLINK(1)", symbol="@SUM")
    text = b"".join(
        trader_client.get(reverse("portal:journal_csv", args=["7100003"])).streaming_content
    ).decode()
    assert "'=HYPERLINK(1)" in text and "'@SUM" in text


def test_journal_needs_a_bounded_number_of_queries(
    trader_client, busy_account, django_assert_max_num_queries
):
    # session, user, time zone, account, symbols, count, page, session save (+ savepoints)
    with django_assert_max_num_queries(10):
        _journal(trader_client, symbol="EURUSD", sort="-net", page=2)
