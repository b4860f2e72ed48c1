"""The real Tradovate Performance export: 43 round trips, shorts opened by the sell."""

import datetime as dt
from decimal import Decimal

from django.db.models import Sum

from evaluations.models import Trade
from imports.service import import_file

UTC = dt.UTC


def test_all_43_round_trips_import_with_net_pnl_to_the_cent(account, fixture_path):
    batch = import_file(fixture_path("tradovate_performance.csv"), account=account)

    assert (batch.format, batch.status) == ("tradovate", "committed")
    assert (batch.rows_total, batch.rows_new, batch.rows_rejected) == (43, 43, 0)
    trades = Trade.objects.filter(account=account)
    assert trades.count() == 43
    assert trades.aggregate(total=Sum("net"))["total"] == Decimal("364.00")
    assert trades.aggregate(total=Sum("commission"))["total"] == Decimal("0.00")


def test_a_short_is_a_sell_opened_at_the_sold_timestamp(account, fixture_path):
    import_file(fixture_path("tradovate_performance.csv"), account=account)

    short = Trade.objects.get(account=account, ticket="163781410766-163781410701")
    assert short.side == "sell"
    assert short.open_time == dt.datetime(2025, 12, 1, 16, 19, 49, tzinfo=UTC)
    assert short.close_time == dt.datetime(2025, 12, 1, 16, 33, 5, tzinfo=UTC)
    assert (short.open_price, short.close_price) == (Decimal("25271.50"), Decimal("25271.00"))
    assert short.profit == Decimal("1.00")
    assert Trade.objects.filter(account=account, side="sell").count() == 33


def test_a_long_is_a_buy_and_negative_pnl_in_parentheses_is_a_loss(account, fixture_path):
    import_file(fixture_path("tradovate_performance.csv"), account=account)

    long = Trade.objects.get(account=account, ticket="163781411024-163781411052")
    assert long.side == "buy"
    assert long.open_time == dt.datetime(2025, 12, 2, 10, 22, 55, tzinfo=UTC)
    assert long.volume == Decimal("3")
    assert long.net == Decimal("-42.00")


def test_one_sell_fill_paired_with_several_buy_fills_gives_distinct_tickets(account, fixture_path):
    import_file(fixture_path("tradovate_performance.csv"), account=account)

    tickets = set(
        Trade.objects.filter(account=account, ticket__endswith="-163781410701").values_list(
            "ticket", flat=True
        )
    )
    assert tickets == {"163781410766-163781410701", "163781410771-163781410701"}


def test_broker_time_zone_shifts_stored_times_to_utc(account, fixture_path):
    import_file(
        fixture_path("tradovate_performance.csv"), account=account, broker_tz="America/Chicago"
    )

    short = Trade.objects.get(account=account, ticket="163781410766-163781410701")
    assert short.open_time == dt.datetime(2025, 12, 1, 22, 19, 49, tzinfo=UTC)  # CST = UTC-6


def test_reimporting_the_file_changes_nothing_and_says_so(account, fixture_path):
    import_file(fixture_path("tradovate_performance.csv"), account=account)
    again = import_file(fixture_path("tradovate_performance.csv"), account=account)

    assert (again.rows_new, again.rows_updated, again.rows_unchanged) == (0, 0, 43)
    assert again.status == "committed"
    assert Trade.objects.filter(account=account).count() == 43
