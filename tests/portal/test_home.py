"""The home page: every account of the trader, the one that needs attention first."""

import datetime as dt
import re
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse

from portal.selectors import dashboard_rows
from risk.models import DailyMetrics
from tests.factories import TradingAccountFactory
from tests.portal.builders import DAY0, give_history, portfolio, two_step_program

pytestmark = pytest.mark.django_db


def _logins_in_order(html: str) -> list[str]:
    return re.findall(r'<th scope="row"><a href="/trading/(\d+)/">', html)


def test_home_lists_every_account_with_program_phase_status_and_money(trader_client, accounts):
    html = trader_client.get(reverse("portal:home")).content.decode()
    assert sorted(_logins_in_order(html)) == ["7000001", "7000002", "7000003", "7000004", "7000005"]
    assert "2-Step 100k" in html and "Phase 2" in html and "Funded" in html
    # active account: 100,000 + 1,665.90 of closed trades, equity = balance
    assert "101,665.90" in html
    assert 'class="badge status-failed"' in html


def test_just_failed_account_comes_first_with_a_link_to_why(trader_client, accounts):
    with time_machine.travel(DAY0 + dt.timedelta(days=3), tick=False):
        html = trader_client.get(reverse("portal:home")).content.decode()
    assert _logins_in_order(html)[0] == "7000002"
    assert "Needs your attention" in html
    assert reverse("portal:failure", args=["7000002"]) in html


def test_an_old_failure_gives_way_to_the_open_account_closest_to_a_limit(trader):
    phase1, _, _ = two_step_program()
    roomy = TradingAccountFactory(trader=trader, rule_set=phase1, login="8000001")
    give_history(roomy, [["2000.00"]])
    tight = TradingAccountFactory(trader=trader, rule_set=phase1, login="8000002")
    # evaluated during its losing day: 650.00 above that day's floor of 95,000.00
    give_history(tight, [["-4350.00"]], as_of=DAY0 + dt.timedelta(hours=1))
    rows = dashboard_rows(trader, DAY0 + dt.timedelta(days=60))
    assert [r.account.login for r in rows] == ["8000002", "8000001"]
    assert rows[0].room == Decimal("650.00") and rows[0].room_limit == "daily"
    assert "650.00" in rows[0].attention


def test_todays_pnl_is_equity_against_the_start_of_the_current_trading_day(trader):
    phase1, _, _ = two_step_program()
    account = TradingAccountFactory(trader=trader, rule_set=phase1, login="8000003")
    # the engine last ran during the last history day (Prague)
    during = DAY0 + dt.timedelta(days=1, hours=3)
    give_history(account, [["500.00"], ["-120.00", "20.00"]], as_of=during)
    last_day = DailyMetrics.objects.filter(account=account).order_by("-day").first()
    # then, today's P&L is that day's result
    assert dashboard_rows(trader, during)[0].today_pnl == Decimal("-100.00")
    # a day later nothing has happened yet today
    after = DAY0 + dt.timedelta(days=2, hours=3)
    assert dashboard_rows(trader, after)[0].today_pnl == Decimal("0.00")
    assert last_day.day == dt.date(2026, 3, 3)


def test_home_needs_three_queries_whatever_the_number_of_accounts(
    trader, django_assert_max_num_queries
):
    portfolio(trader)
    with django_assert_max_num_queries(3):
        dashboard_rows(trader, DAY0)


def test_another_traders_accounts_are_not_listed(client, accounts, other_trader):
    client.force_login(other_trader)
    html = client.get(reverse("portal:home")).content.decode()
    assert "7000001" not in html
    assert "You have no trading accounts yet." in html
