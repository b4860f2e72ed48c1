"""The trader's near-limit banner: today's alerts on the page, and the trader's own stream of
server-sent events (/live/stream/) that never carries another trader's events."""

from __future__ import annotations

import datetime as dt
import time
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse

from accounts.session_lifetime import LAST_USE_KEY
from evaluations.models import AccountStatus
from live.models import LimitAlert
from tests.conftest import client_with_second_factor
from tests.factories import TradingAccountFactory
from tests.live_redis import close, publish, stream

pytestmark = pytest.mark.django_db

UTC = dt.UTC
NOW = dt.datetime(2026, 3, 3, 10, 0, tzinfo=UTC)  # 11:00 in Prague: trading day 2026-03-03
STREAM = "/live/stream/"


def _alert(account, day, limit="daily", level=80, equity="95812.40", floor="95000.00"):
    return LimitAlert.objects.create(
        account=account,
        day=day,
        limit=limit,
        level=level,
        time=NOW - dt.timedelta(minutes=5),
        equity=Decimal(equity),
        floor=Decimal(floor),
        used_bp=level * 100 + 12,
    )


def _banner(html: str) -> str:
    return html.split('data-testid="live-banner"')[1].split("</section>")[0]


def test_the_dashboard_shows_todays_highest_alert_per_limit(trader_client, trader):
    account = TradingAccountFactory(trader=trader)
    today, yesterday = dt.date(2026, 3, 3), dt.date(2026, 3, 2)
    _alert(account, today, level=80)
    _alert(account, today, level=90, equity="95400.00")
    _alert(account, today, limit="total", level=80, equity="95400.00", floor="90000.00")
    _alert(account, yesterday, level=90, equity="11111.11")

    with time_machine.travel(NOW, tick=False):
        home = trader_client.get(reverse("portal:home")).content.decode()
        page = trader_client.get(reverse("portal:account", args=[account.login])).content.decode()

    for html in (home, page):
        banner = _banner(html)
        assert "hidden" not in banner.split(">")[0]
        assert (
            "You have used 90 % of today's loss room: equity 95,400.00, daily limit 95,000.00"
            in banner
        )
        assert (
            "You have used 80 % of your total loss room: equity 95,400.00, total limit 90,000.00"
            in banner
        )
        assert "80 % of today's" not in banner and "11,111.11" not in banner
        assert f'data-live-stream="{STREAM}"' in banner


def test_without_alerts_today_the_banner_waits_hidden(trader_client, trader):
    TradingAccountFactory(trader=trader)

    with time_machine.travel(NOW, tick=False):
        html = trader_client.get(reverse("portal:home")).content.decode()

    assert 'data-testid="live-banner"' in html
    assert " hidden>" in html.split('data-testid="live-banner"')[1].split("<h2")[0]


def test_a_failed_account_has_no_banner(trader_client, trader):
    account = TradingAccountFactory(trader=trader, status=AccountStatus.FAILED)
    _alert(account, dt.date(2026, 3, 3))

    with time_machine.travel(NOW, tick=False):
        home = trader_client.get(reverse("portal:home")).content.decode()
        page = trader_client.get(reverse("portal:account", args=[account.login])).content.decode()

    assert 'data-testid="live-banner"' not in home and 'data-testid="live-banner"' not in page


def _event(kind: str, account, marker: str, **fields) -> dict:
    return {
        "type": kind,
        "account_id": account.pk,
        "login": account.login,
        "trader_id": account.trader_id,
        "m": marker,
        **fields,
    }


def test_the_trader_stream_carries_only_alerts_and_breaches_of_the_traders_own_accounts(
    trader_client, trader, other_trader, live_redis
):
    mine, theirs = TradingAccountFactory(trader=trader), TradingAccountFactory(trader=other_trader)
    marker = f"banner-{mine.pk}-{time.time_ns()}"
    with stream(trader_client, STREAM) as live:
        publish(_event("alert", theirs, marker, level=90))
        publish(_event("breach", theirs, marker, message="not yours"))
        # An event naming this trader on someone else's account is not passed on either.
        publish(_event("alert", theirs, marker, trader_id=trader.pk))
        publish(_event("command", mine, marker, status="issued"))
        publish(_event("alert", mine, marker, level=80))
        publish(_event("breach", mine, marker, message="Equity fell below the daily floor"))

        frames = live.read(lambda fs: any(n == "breach" for n, _ in fs))

    received = [(name, data["login"]) for name, data in frames if data.get("m") == marker]
    assert received == [("alert", mine.login), ("breach", mine.login)]
    assert not any(data.get("login") == theirs.login for _, data in frames)


def test_the_stream_is_a_background_poll_for_the_session(trader, live_redis):
    client = client_with_second_factor()
    with time_machine.travel(dt.datetime.now(UTC), tick=False) as clock:
        client.force_login(trader)
        client.get(reverse("portal:home"))
        last_use = client.session[LAST_USE_KEY]
        clock.shift(dt.timedelta(minutes=30))

        response = client.get(STREAM)
        close(response)

        assert response.status_code == 200
        assert client.session[LAST_USE_KEY] == last_use


def test_a_signed_out_visitor_gets_401_from_the_stream(client, live_redis):
    assert client.get(STREAM).status_code == 401
