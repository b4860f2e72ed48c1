"""Statistics, the journal's new columns and certificates in a real browser, on a laptop
(1366 px) and a phone (390 px): every item is visible, nothing overflows the page sideways, and
the console stays clean under the CSP."""

from __future__ import annotations

import pytest

from evaluations.models import Certificate
from tests.factories import TraderFactory
from tests.portal.builders import portfolio

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PAGE_OVERFLOW = "document.documentElement.scrollWidth - window.innerWidth"


@pytest.fixture(params=[1366, 390], ids=["laptop", "phone"])
def trader_page(request, chromium, live_server, client):
    width = request.param
    trader = TraderFactory(email="stats@example.com", first_name="Jane", last_name="Doe")
    portfolio(trader)
    client.force_login(trader)
    context = chromium.new_context(viewport={"width": width, "height": 900})
    context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.errors = errors
    page.width = width
    try:
        yield page
    finally:
        context.close()


def test_statistics_page_per_day_table_and_calendar(trader_page, live_server):
    page = trader_page
    page.goto(f"{live_server.url}/trading/7000001/")
    page.get_by_role("link", name="Statistics").click()
    assert page.get_by_test_id("expectancy").inner_text().startswith("208.24 USD")
    assert page.get_by_test_id("win-loss-ratio").inner_text() == "2.92"
    assert page.get_by_test_id("win-streak").inner_text() == "2"
    assert page.get_by_test_id("loss-streak").inner_text() == "1"
    assert page.get_by_test_id("holding-time").inner_text() == "5 min 00 s"
    assert page.get_by_test_id("sides-table").get_by_role("row").count() == 3
    symbols = page.get_by_test_id("symbols-table")
    assert symbols.get_by_role("rowheader").all_inner_texts() == ["EURUSD", "XAUUSD", "US30"]
    days = page.get_by_test_id("days-table")
    days.scroll_into_view_if_needed()
    assert days.get_by_role("rowheader").all_inner_texts() == [
        "Mon 2 Mar 2026",
        "Tue 3 Mar 2026",
        "Wed 4 Mar 2026",
    ]
    assert "95,000.00" in days.get_by_role("row").nth(1).inner_text()

    calendar = page.get_by_test_id("calendar")
    calendar.scroll_into_view_if_needed()
    assert page.get_by_test_id("calendar-month").inner_text() == "March 2026"
    win = calendar.locator('td[data-day="2026-03-02"]')
    assert win.is_visible() and "900.25" in win.inner_text()
    assert "day-win" in win.get_attribute("class")
    # every cell of the grid fits the screen: seven columns, no sideways scrolling
    box = calendar.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= page.width
    assert page.evaluate(PAGE_OVERFLOW) <= 0
    page.goto(f"{live_server.url}/trading/7000001/statistics/?month=2026-02")
    assert page.get_by_test_id("calendar-month").inner_text() == "February 2026"
    page.get_by_role("link", name="Mar 2026 →").click()
    assert page.get_by_test_id("calendar-month").inner_text() == "March 2026"
    assert page.errors == []


def test_journal_columns(trader_page, live_server):
    page = trader_page
    page.goto(f"{live_server.url}/trading/7000001/journal/")
    table = page.locator("table.journal-table")
    for heading in ("Entry", "Exit", "Held", "Commission", "Swap"):
        assert table.get_by_role("columnheader", name=heading).count() == 1
    first = table.get_by_role("row").nth(1).inner_text()
    assert "1.08" in first and "5 min 00 s" in first
    scroller = page.locator(".table-scroll").first
    overflow = scroller.evaluate("e => e.scrollWidth - e.clientWidth")
    if page.width >= 1366:
        assert overflow <= 0  # the whole table fits a laptop screen
    else:
        assert overflow > 0  # a phone scrolls the table inside its container…
    assert page.evaluate(PAGE_OVERFLOW) <= 0  # …never the page
    assert page.errors == []


def test_certificate_share_link_public_page_and_pdf(trader_page, live_server, chromium):
    page = trader_page
    page.goto(f"{live_server.url}/")
    page.get_by_role("link", name="Certificates").click()
    link = page.get_by_test_id("share-link")
    url = link.inner_text()
    certificate = Certificate.objects.get(kind="phase_passed", account__login="7000003")
    assert url == f"{live_server.url}/certificates/{certificate.public_id}/"
    assert page.evaluate(PAGE_OVERFLOW) <= 0

    # anyone with the link: a fresh browser without a session
    stranger = chromium.new_context(viewport={"width": page.width, "height": 900})
    try:
        public = stranger.new_page()
        public_errors: list[str] = []
        public.on("console", lambda m: public_errors.append(m.text) if m.type == "error" else None)
        public.goto(url)
        assert public.get_by_test_id("certificate-name").inner_text() == "Jane D."
        assert "stats@example.com" not in public.content()
        assert public.locator(".qr svg").is_visible()
        assert public.evaluate(PAGE_OVERFLOW) <= 0
        pdf = public.request.get(f"{url}certificate.pdf")
        assert pdf.ok and pdf.body().startswith(b"%PDF") and url.encode() in pdf.body()
        assert public.request.get(f"{live_server.url}/certificates/nope/").status == 404
        assert public_errors == []  # the inline SVG passes the CSP
    finally:
        stranger.close()
    assert page.errors == []
