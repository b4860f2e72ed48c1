"""The staff live monitor and the trader's near-limit banner in chromium: events published on
`live:events` (and the nearest-to-limits set) show on the open page within 2 s, no reload."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from accounts.roles import RISK
from evaluations.models import Bridge, PlatformCommand
from live.models import LimitAlert
from risk.days import trading_day_at
from tests.conftest import client_with_second_factor
from tests.factories import TraderFactory, TradingAccountFactory, UserFactory, staff_user
from tests.live_redis import publish, set_live_row

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SOON = 2_000  # ms: what "live" means here


@pytest.fixture
def live_settings(live_redis, settings):
    # Long enough that no reconnect falls inside a test; a closed tab ends its stream at the
    # next ping (every 0.5 s), so the live server's threads end with the test.
    settings.LIVE_STREAM_MAX_SECONDS = 30


def _page_as(browser_page, live_server, user):
    client = client_with_second_factor()
    client.force_login(user)
    browser_page.context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )
    errors: list[str] = []
    browser_page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    browser_page.on("pageerror", lambda exc: errors.append(str(exc)))
    browser_page.errors = errors
    return browser_page


def test_the_staff_live_monitor_shows_breaches_commands_and_the_nearest_as_they_happen(
    browser_page, live_server, live_settings
):
    account = TradingAccountFactory()
    bridge = Bridge.objects.create(name="mt5-live", user=UserFactory())
    command = PlatformCommand.objects.create(
        bridge=bridge, account=account, kind="close_and_disable", key="live-1"
    )
    page = _page_as(browser_page, live_server, staff_user(RISK))
    page.goto(live_server.url + "/staff/live/")
    page.wait_for_selector("[data-testid=live-indicator][data-state=connected]", timeout=SOON)
    page.evaluate("window.__notReloaded = true")
    commands = page.locator(f"[data-testid=live-commands] tr[data-command-id='{command.pk}']")
    assert "Issued" in commands.inner_text()

    publish(
        {
            "type": "breach",
            "account_id": account.pk,
            "login": account.login,
            "trader_id": account.trader_id,
            "rule": "max_daily_loss",
            "severity": "hard",
            "ts": 1767225600,
            "threshold": "95000.00",
            "observed": "94990.12",
            "message": "Equity 94,990.12 fell below the daily floor 95,000.00",
            "violation_id": 12,
        }
    )
    publish({"type": "alert", "account_id": account.pk, "login": account.login, "level": 80})
    publish(
        {
            "type": "command",
            "account_id": account.pk,
            "login": account.login,
            "command_id": command.pk,
            "kind": "close_and_disable",
            "status": "done",
        }
    )
    set_live_row(account, 9350, equity="95312.40")

    first_breach = page.locator("[data-testid=live-breaches] tbody tr").first
    first_breach.filter(has_text="fell below the daily floor").wait_for(timeout=SOON)
    assert first_breach.inner_text().split("\t")[:5] == [
        "2026-01-01 00:00:00",
        account.login,
        "Max daily loss",
        "95,000.00",
        "94,990.12",
    ]
    commands.filter(has_text="Done").wait_for(timeout=SOON)
    assert commands.count() == 1  # changed in place
    nearest = page.locator(f"[data-testid=live-nearest] tr[data-account-id='{account.pk}']")
    nearest.wait_for(timeout=SOON)
    assert "95,312.40" in nearest.inner_text() and "94 %" in nearest.inner_text()
    assert (
        nearest.locator("a")
        .get_attribute("href")
        .endswith(f"/evaluations/tradingaccount/{account.pk}/change/")
    )
    assert page.evaluate("window.__notReloaded") is True
    assert page.errors == []


def test_the_traders_banner_shows_new_alerts_and_the_breach_without_a_reload(
    browser_page, live_server, live_settings
):
    trader = TraderFactory()
    account = TradingAccountFactory(trader=trader)
    theirs = TradingAccountFactory()
    day = trading_day_at(account.phase.reset_tz, account.phase.reset_hour, timezone.now()).day
    LimitAlert.objects.create(
        account=account,
        day=day,
        limit="daily",
        level=80,
        time=timezone.now() - dt.timedelta(minutes=1),
        equity=Decimal("95812.40"),
        floor=Decimal("95000.00"),
        used_bp=8012,
    )
    page = _page_as(browser_page, live_server, trader)
    page.goto(live_server.url + "/")
    banner = page.locator("[data-testid=live-banner]")
    assert "You have used 80 % of today's loss room: equity 95,812.40" in banner.inner_text()
    page.evaluate("window.__notReloaded = true")
    page.wait_for_selector("[data-testid=live-indicator][data-state=connected]", timeout=SOON)

    def event(kind, on, **fields):
        base = {"type": kind, "account_id": on.pk, "login": on.login, "trader_id": on.trader_id}
        return base | fields

    publish(event("alert", theirs, limit="daily", level=90, equity="1.00", floor="2.00"))
    publish(event("alert", account, limit="daily", level=90, equity="95400.00", floor="95000.00"))
    publish(event("alert", account, limit="total", level=80, equity="95400.00", floor="90000.00"))
    publish(event("breach", account, severity="hard", message="Equity fell below the floor"))

    notice = page.locator("[data-testid=live-breach]")
    notice.filter(has_text="failed").wait_for(timeout=SOON)
    assert (
        notice.inner_text() == f"Your account {account.login} failed: Equity fell below the floor"
    )
    text = banner.inner_text()
    assert (
        "You have used 90 % of today's loss room: equity 95,400.00, daily limit 95,000.00" in text
    )
    assert (
        "You have used 80 % of your total loss room: equity 95,400.00, total limit 90,000.00"
        in (text)
    )
    assert "80 % of today's" not in text and theirs.login not in text
    assert page.evaluate("window.__notReloaded") is True
    assert page.errors == []
