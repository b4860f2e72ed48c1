"""Each staff dashboard in a real browser (Debian chromium), on demo data: the figures draw,
the console stays clean under the CSP, and the risk monitor refreshes itself (htmx) when the live
stream reports a breach."""

from __future__ import annotations

import time

import pytest
from django.urls import reverse

from accounts.models import User
from demo.seed import seed_demo
from risk.services.evaluation import evaluate_accounts
from tests.live_redis import publish

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def page(chromium):
    context = chromium.new_context()
    try:
        yield context.new_page()
    finally:
        context.close()


@pytest.fixture
def demo_firm(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.REPORTS_RISK_REFRESH_SECONDS = 1
    seed_demo(7, traders=8)
    evaluate_accounts(notify=False)
    return User.objects.get(email="admin@propdesk.local")


@pytest.fixture
def staff_page(page, live_server, client, demo_firm):
    client.force_login(demo_firm)
    page.context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )
    errors: list[str] = []

    def on_console(msg) -> None:
        if msg.type == "error":
            errors.append(f"{msg.text} ({msg.location.get('url')})")

    page.on("console", on_console)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.errors = errors
    return page


def _trader_url() -> str:
    trader = User.objects.get(email="trader@propdesk.local")
    return reverse("reports:trader", args=[trader.pk])


@pytest.mark.parametrize(
    "path, charts",
    [
        ("/staff/", 0),
        ("/staff/risk/", 2),
        ("/staff/funnel/?start=2025-01-01", 3),
        ("/staff/money/?start=2025-01-01", 1),
        ("/staff/traders/?start=2025-01-01", 1),
        ("trader", 1),
    ],
)
def test_dashboard_draws_its_figures_without_console_errors(staff_page, live_server, path, charts):
    url = live_server.url + (_trader_url() if path == "trader" else path)

    response = staff_page.goto(url)

    assert response.status == 200
    if charts:
        staff_page.wait_for_selector(".js-chart .plot-container")
        drawn = staff_page.locator(".js-chart .plot-container").count()
        assert drawn >= charts
        # Every chart placeholder on the page was drawn (empty figures say so in text).
        assert drawn == staff_page.locator(".js-chart").count()
    assert staff_page.errors == []


def test_risk_monitor_refreshes_on_a_live_breach_without_a_page_reload(
    staff_page, live_server, live_redis, settings
):
    settings.LIVE_STREAM_MAX_SECONDS = 30
    staff_page.goto(live_server.url + "/staff/risk/")
    staff_page.wait_for_selector("#risk-panel .js-chart .plot-container")
    staff_page.wait_for_selector("[data-testid=live-indicator][data-state=connected]")
    staff_page.evaluate("window.__notReloaded = true")
    first = staff_page.locator("[data-testid=risk-updated]").inner_text()
    time.sleep(1.1)  # "Updated HH:MM:SS" shows whole seconds

    publish({"type": "breach", "account_id": 1, "login": "1", "rule": "max_daily_loss", "ts": 0})

    staff_page.wait_for_function(
        "text => document.querySelector('[data-testid=risk-updated]').innerText !== text",
        arg=first,
        timeout=5_000,
    )
    assert staff_page.evaluate("window.__notReloaded") is True
    staff_page.wait_for_selector("#risk-panel .js-chart .plot-container")
    assert staff_page.locator("#risk-panel .js-chart .plot-container").count() >= 2
    # htmx's indicator styles would be an inline <style> the CSP is meant to keep out.
    assert "htmx-indicator" not in staff_page.evaluate(
        "Array.from(document.querySelectorAll('style')).map(s => s.textContent).join(' ')"
    )
    assert staff_page.errors == []


def test_csv_export_downloads_from_the_page(staff_page, live_server):
    staff_page.goto(live_server.url + "/staff/traders/?start=2025-01-01")
    with staff_page.expect_download() as download:
        staff_page.click("[data-testid=export-leaderboard]")
    assert download.value.suggested_filename.startswith("leaderboard-20250101-")
