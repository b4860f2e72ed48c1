"""A trader's visit in a real browser: log in, dashboard and charts, journal, failure, log out.

Every page must load without a console error (a CSP violation is one). Set
PROPDESK_SCREENSHOT=1 to refresh docs/img/dashboard.png and docs/img/failure.png from this run.
"""

import os
import re
from pathlib import Path

import pytest

from tests.factories import TraderFactory
from tests.portal.builders import portfolio

DOCS_IMG = Path(__file__).resolve().parents[2] / "docs" / "img" / "dashboard.png"
DOCS_FAILURE_IMG = DOCS_IMG.with_name("failure.png")

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture
def console_errors(browser_page):
    page = browser_page
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on(
        "response",
        lambda response: (
            errors.append(f"{response.status} {response.url}") if response.status >= 400 else None
        ),
    )
    return errors


def _chart_traces(page, chart_id: str) -> int:
    return page.evaluate(f"document.getElementById('{chart_id}').data.length")


def test_trader_visit_in_the_browser(live_server, browser_page, console_errors, tmp_path):
    page = browser_page
    trader = TraderFactory(email="browser@example.com")
    portfolio(trader)

    page.goto(f"{live_server.url}/")
    assert "/accounts/login/" in page.url
    page.get_by_label("Email").fill("browser@example.com")
    page.get_by_label("Password").fill("pass-1234-word")
    page.get_by_role("button", name="Sign in").click()

    page.wait_for_url(f"{live_server.url}/")
    assert page.get_by_role("heading", name="Your accounts").is_visible()
    assert page.get_by_role("heading", name="Needs your attention").is_visible()
    page.screenshot(path=str(tmp_path / "home.png"), full_page=True)

    # the account dashboard: objectives, limits, and three charts drawn by plotly.js
    page.get_by_role("link", name="7000001").first.click()
    page.wait_for_selector("#chart-balance.js-plotly-plot")
    page.wait_for_selector("#chart-daily.js-plotly-plot")
    page.wait_for_selector("#chart-drawdown.js-plotly-plot")
    assert _chart_traces(page, "chart-balance") >= 3
    assert page.locator("#chart-balance .main-svg").count() > 0
    assert page.get_by_role("heading", name="Objectives").is_visible()
    assert page.get_by_role("heading", name="Limits today").is_visible()
    countdown = page.locator(".js-countdown").inner_text()
    assert re.fullmatch(r"\d+ h \d\d min \d\d s", countdown), countdown
    page.screenshot(path=str(tmp_path / "dashboard.png"), full_page=True)
    if os.environ.get("PROPDESK_SCREENSHOT"):
        DOCS_IMG.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(DOCS_IMG), full_page=True)

    # the journal: filter by symbol and side
    page.get_by_role("link", name="Trade journal").click()
    assert page.get_by_test_id("journal-count").inner_text().startswith("8 trades")
    page.get_by_label("Symbol").select_option("EURUSD")
    page.get_by_label("Side").select_option("buy")
    page.get_by_role("button", name="Filter").click()
    page.wait_for_url(re.compile(r".*symbol=EURUSD.*"))
    assert page.get_by_test_id("journal-count").inner_text().startswith("3 trades")
    rows = page.locator("table.journal-table tbody tr")
    assert rows.count() == 3
    assert all("EURUSD" in rows.nth(i).inner_text() for i in range(3))
    page.screenshot(path=str(tmp_path / "journal.png"), full_page=True)

    # the failed account: why it failed, with the day's chart and the trades
    page.get_by_role("link", name="Accounts").click()
    page.get_by_role("link", name="7000002").first.click()
    assert page.get_by_role("heading", name=re.compile("^Failed on")).is_visible()
    page.get_by_role("link", name="See what happened that day").click()
    page.wait_for_selector("#chart-day.js-plotly-plot")
    assert page.get_by_role("heading", name=re.compile("Max daily loss")).is_visible()
    assert _chart_traces(page, "chart-day") >= 3
    trades = page.locator("section:has(#trades-title) tbody tr")
    assert trades.count() == 3
    assert page.get_by_text(re.compile("was held over the weekend")).is_visible()
    page.screenshot(path=str(tmp_path / "failure.png"), full_page=True)
    if os.environ.get("PROPDESK_SCREENSHOT"):
        page.screenshot(path=str(DOCS_FAILURE_IMG), full_page=True)

    page.get_by_test_id("logout").click()
    page.wait_for_url(re.compile(r".*/accounts/login/.*|.*/$"))
    page.goto(f"{live_server.url}/")
    assert "/accounts/login/" in page.url

    assert console_errors == []
