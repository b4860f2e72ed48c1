"""The account page: objectives, limits, reset countdown, charts, statistics, pass/fail/funded."""

import datetime as dt
import json
import re
from decimal import Decimal
from html.parser import HTMLParser

import plotly.graph_objects as go
import pytest
import time_machine
from django.urls import reverse

from accounts.models import TraderProfile
from evaluations.models import Phase
from tests.portal.builders import DAY0

pytestmark = pytest.mark.django_db


def _page(client, login: str) -> str:
    response = client.get(reverse("portal:account", args=[login]))
    assert response.status_code == 200
    return response.content.decode()


def _figures(html: str) -> dict[str, dict]:
    blocks = re.findall(
        r'<script id="(figure-[a-z]+)" type="application/json">(.*?)</script>', html
    )
    return {name: json.loads(body) for name, body in blocks}


def test_objectives_show_progress_with_numbers(trader_client, accounts):
    html = _page(trader_client, "7000001")
    assert "Profit target" in html
    # 1,665.90 of 10,000.00 USD → 16 %
    assert "1,665.90 USD" in html and "10,000.00 USD" in html
    assert 'max="100" value="16"' in html
    assert "Minimum trading days" in html and "3 days" in html and "4 days" in html
    assert "of at most" in html  # consistency is a ceiling


def test_limits_show_floor_room_and_next_reset_in_the_traders_time_zone(
    trader_client, trader, accounts
):
    TraderProfile.objects.filter(user=trader).update(timezone="America/New_York")
    # Prague resets at midnight = 18:00 in New York (both on winter time on 5 March 2026)
    with time_machine.travel(dt.datetime(2026, 3, 5, 20, 30, tzinfo=dt.UTC), tick=False):
        html = _page(trader_client, "7000001")
    assert "Today&#x27;s floor" in html or "Today's floor" in html
    assert "96,665.90 USD" in html  # 101,665.90 − 5% of 100,000
    assert "5,000.00 USD" in html  # room to the daily limit
    assert "11,665.90 USD" in html  # room to the total limit (floor 90,000)
    assert "Thu 5 Mar, 18:00 EST" in html
    assert 'data-seconds="9000"' in html  # 21:30 in Prague: 2 h 30 min to midnight
    assert "times in America/New_York" in html


def test_reset_countdown_follows_daylight_saving_time(trader_client, trader, accounts):
    TraderProfile.objects.filter(user=trader).update(timezone="Europe/London")
    # Prague jumps to summer time on 29 March 2026: the day after the reset at 00:00 CET
    # of the 29th is 23 hours long; the next reset is 00:00 CEST on the 30th = 22:00 UTC.
    with time_machine.travel(dt.datetime(2026, 3, 29, 12, 0, tzinfo=dt.UTC), tick=False):
        html = _page(trader_client, "7000001")
    assert 'data-seconds="36000"' in html
    assert "Sun 29 Mar, 23:00 BST" in html


def test_charts_are_valid_plotly_figures_with_the_floor_lines(trader_client, accounts):
    figures = _figures(_page(trader_client, "7000001"))
    assert set(figures) == {"figure-balance", "figure-daily", "figure-drawdown"}
    for figure in figures.values():
        go.Figure(figure)  # raises on anything plotly.js would not understand
    names = [trace["name"] for trace in figures["figure-balance"]["data"]]
    assert names[0] == "Balance" and "Daily loss floor" in names and "Total loss floor" in names
    balance = figures["figure-balance"]["data"][0]
    assert balance["y"][0] == 100000.0 and balance["y"][-1] == 101665.9
    # the three trading days, then every quiet day the engine has stored since (all zero)
    daily = figures["figure-daily"]["data"][0]["y"]
    assert daily[:3] == [900.25, 295.75, 469.9] and not any(daily[3:])
    assert min(figures["figure-drawdown"]["data"][0]["y"]) == -220.0


def test_key_statistics(trader_client, accounts):
    html = _page(trader_client, "7000001")
    # 8 trades: 5 wins (2,096.25), 3 losses (430.35)
    assert "62.5%" in html  # win rate
    assert "4.87" in html  # profit factor 2,096.25 / 430.35
    assert "419.25" in html  # average win
    assert "143.45" in html  # average loss
    assert "54.0% of profit" in html  # best day 900.25 of 1,665.90


def test_passed_account_shows_when_and_the_next_phase_login(trader_client, accounts):
    html = _page(trader_client, "7000003")
    assert "Phase passed on 6 Mar 2026" in html
    assert "Phase 2" in html
    assert reverse("portal:account", args=["7000004"]) in html


def test_passed_account_without_next_account_is_under_review_when_not_auto_advancing(
    trader_client, accounts
):
    accounts["next"].delete()
    Phase.objects.filter(pk=accounts["passed"].phase_id).update(auto_advance=False)
    html = _page(trader_client, "7000003")
    assert "under review" in html


def test_failed_account_shows_a_failure_snapshot_with_its_numbers(trader_client, accounts):
    html = _page(trader_client, "7000002")
    assert "Max daily loss" in html
    # day 2 starts at 100,750.00: floor 95,750.00; three losses take equity to 95,150.00
    assert "95,750.00 USD" in html and "95,150.00 USD" in html
    assert reverse("portal:failure", args=["7000002"]) in html
    assert "Limits today" not in html  # a closed book has no limits to watch


def test_funded_account_shows_payout_eligibility_with_reasons_and_the_way_to_request(
    trader_client, accounts
):
    html = _page(trader_client, "7000005")
    panel = html.split('id="payouts-title"')[1].split("</section>")[0]
    assert "2,250.00 USD" in panel  # profit
    assert "80%" in panel  # split
    assert 'data-testid="eligibility-checks"' in panel
    assert 'data-check="kyc"' in panel and 'data-check="profit"' in panel
    assert reverse("payouts:account", args=["7000005"]) in panel


def test_evaluation_account_has_no_payouts_panel(trader_client, accounts):
    assert 'id="payouts-title"' not in _page(trader_client, "7000001")


def test_soft_violations_are_listed_as_warnings(trader_client, accounts):
    html = _page(trader_client, "7000002")
    assert "Warnings" in html and "was held over the weekend" in html


class _ScriptAudit(HTMLParser):
    def __init__(self):
        super().__init__()
        self.problems = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if any(name.startswith("on") for name in attrs):
            self.problems.append(f"inline handler on <{tag}>")
        if tag == "script" and "src" not in attrs and attrs.get("type") != "application/json":
            self.problems.append("inline script")
        if tag in ("script", "link") and "//" in (attrs.get("src") or attrs.get("href") or ""):
            self.problems.append(f"external resource {attrs}")


@pytest.mark.parametrize(
    "name,args",
    [
        ("portal:home", []),
        ("portal:account", ["7000001"]),
        ("portal:journal", ["7000001"]),
        ("portal:failure", ["7000002"]),
    ],
)
def test_pages_have_no_inline_code_and_a_strict_csp(trader_client, accounts, name, args):
    response = trader_client.get(reverse(name, args=args))
    csp = response["Content-Security-Policy"]
    assert (
        "script-src 'self'" in csp
        and "unsafe-inline" not in csp.split("script-src")[1].split(";")[0]
    )
    audit = _ScriptAudit()
    audit.feed(response.content.decode())
    assert audit.problems == []
    assert "no-store" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]


def test_charts_use_our_own_plotly(trader_client, accounts):
    html = _page(trader_client, "7000001")
    assert '<script src="/static/vendor/plotly-basic.min.js">' in html
    assert '<script src="/static/js/charts.js">' in html


def test_account_without_metrics_yet_says_so(trader_client, accounts):
    html = _page(trader_client, "7000004")
    assert "has not been evaluated yet" in html


def test_money_is_shown_exactly(trader_client, accounts):
    accounts["active"].metrics.equity = Decimal("101665.91")
    accounts["active"].metrics.save()
    assert "101,665.91 USD" in _page(trader_client, "7000001")


def test_day0_constant_is_a_monday():
    assert DAY0.weekday() == 0


def test_the_trader_sees_what_the_platform_was_told_and_when(trader_client, trader):
    from evaluations.services import commands
    from tests.factories import BridgeFactory, TradingAccountFactory

    account = TradingAccountFactory(trader=trader, login="7000042", bridge=BridgeFactory())
    issued_at = dt.datetime(2026, 3, 3, 14, 3, 10, tzinfo=dt.UTC)
    with time_machine.travel(issued_at, tick=False):
        command = commands.issue(
            account, "close_and_disable", key="k", reason="Failed: daily loss broken"
        )
        commands.claim_for_bridge(account.bridge)
    with time_machine.travel(issued_at + dt.timedelta(seconds=2), tick=False):
        commands.acknowledge(account.bridge, command.pk, ok=True, result={})
    pause = commands.issue(account, "pause", key="p", payload={"until": "2026-03-04T00:00:00Z"})
    commands.claim_for_bridge(account.bridge)
    commands.acknowledge(account.bridge, pause.pk, ok=False, result={"error": "trade disabled"})

    html = " ".join(_page(trader_client, "7000042").split())

    assert (
        "<strong>Trading disabled on the platform</strong> at "
        '<time datetime="2026-03-03T14:03:12+00:00">3 Mar 2026, 14:03:12</time> '
        "(close all positions, then disable)"
    ) in html
    assert "The platform could not close all positions, pause until the reset" in html
    assert ": trade disabled" in html
    assert "Failed: daily loss broken" in html
