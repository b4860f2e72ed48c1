"""The statistics page and the journal's new columns, on an account the engine evaluated."""

import pytest
from django.urls import reverse

from portal.views.journal import CSV_COLUMNS

pytestmark = pytest.mark.django_db


def test_statistics_page_shows_the_hand_checked_figures(trader_client, accounts):
    # 7000001: +420.50 −130.25 +610.00 | −220.00 +515.75 | +300.00 −80.10 +250.00
    response = trader_client.get(reverse("portal:statistics", args=["7000001"]))
    html = response.content.decode()
    assert response.status_code == 200
    assert "208.24 USD" in html  # expectancy: 1,665.90 / 8
    assert 'data-testid="win-loss-ratio">2.92<' in html  # 419.25 / 143.45
    assert 'data-testid="win-streak">2<' in html
    assert 'data-testid="loss-streak">1<' in html
    assert 'data-testid="holding-time">5 min 00 s<' in html
    assert "1,360.50" in html and "305.40" in html  # long, short
    assert "500.50" in html and "860.00" in html  # EURUSD, US30
    # one row per trading day, with the engine's stored start balance and floor
    assert "Mon 2 Mar 2026" in html and "Wed 4 Mar 2026" in html
    assert "100,900.25" in html  # end of day 1
    assert "95,000.00" in html  # day 1's floor: 100,000 − 5% of B0
    assert "the lowest closed balance of the day" in html


def test_calendar_navigates_by_month(trader_client, accounts):
    url = reverse("portal:statistics", args=["7000001"])
    html = trader_client.get(url).content.decode()
    assert "March 2026" in html
    assert 'data-day="2026-03-02"' in html and "900.25" in html
    assert "?month=2026-02" not in html  # nothing traded before March
    february = trader_client.get(url, {"month": "2026-02"}).content.decode()
    assert "February 2026" in february and "data-day=" not in february
    assert "?month=2026-03" in february


def test_statistics_of_another_traders_account_is_404(client, other_trader, accounts):
    client.force_login(other_trader)
    assert client.get(reverse("portal:statistics", args=["7000001"])).status_code == 404


def test_journal_shows_entry_exit_commission_swap_and_holding(trader_client, accounts):
    html = trader_client.get(reverse("portal:journal", args=["7000001"])).content.decode()
    for heading in ("Entry", "Exit", "Held", "Commission", "Swap"):
        assert f">{heading}" in html
    assert "1.08000" in html and "1.08100" in html
    assert "5 min 00 s" in html
    sorted_by_holding = trader_client.get(
        reverse("portal:journal", args=["7000001"]), {"sort": "-holding"}
    )
    assert sorted_by_holding.status_code == 200


def test_journal_csv_has_the_holding_time_in_seconds(trader_client, accounts):
    response = trader_client.get(reverse("portal:journal_csv", args=["7000001"]))
    lines = b"".join(response.streaming_content).decode().splitlines()
    assert lines[0].split(",") == list(CSV_COLUMNS)
    assert lines[1].endswith(",300")


def test_statistics_page_uses_a_fixed_number_of_queries(
    trader_client, accounts, django_assert_max_num_queries
):
    url = reverse("portal:statistics", args=["7000001"])
    trader_client.get(url)  # warm-up: day calendar cache, templates
    with django_assert_max_num_queries(10):
        assert trader_client.get(url).status_code == 200
