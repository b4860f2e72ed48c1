"""Issue 17 in a real browser, at a laptop (1366 px) and a phone (390 px) width: payout
figures that say what they are, allauth's pages in the portal with two-factor leading through
email confirmation, and support viewing the portal as a trader, read only."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from urllib.parse import unquote

import pytest
import time_machine
from allauth.account.models import EmailAddress
from django.conf import settings
from django.test import Client
from django.utils import timezone

from accounts.roles import SUPPORT
from accounts.staff_mfa import SESSION_KEY as SECOND_FACTOR_KEY
from payouts.models import PayoutRequest
from tests import builders
from tests.factories import BalanceOperationFactory, TraderFactory, staff_user
from tests.portal.builders import portfolio

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

WIDTHS = {"laptop": (1366, 900), "phone": (390, 844)}
PASSWORD = "pass-1234-word"
AFTER_CYCLE = dt.datetime(2026, 3, 20, 12, 0, tzinfo=dt.UTC)


@pytest.fixture(params=list(WIDTHS))
def page(request, chromium):
    width, height = WIDTHS[request.param]
    context = chromium.new_context(viewport={"width": width, "height": height})
    try:
        yield context.new_page()
    finally:
        context.close()


def sign_in(page, base: str, email: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{base}/")


def text_of(page, test_id: str) -> str:
    return " ".join(page.get_by_test_id(test_id).first.inner_text().split())


# --- 1. every payout figure says what it is


def test_payout_figures_say_what_they_are(live_server, page):
    trader = TraderFactory(email="funded@example.com")
    # Waiting: 2,500.00 earned, 1,000.00 paid out two days ago; the new cycle runs 14 days.
    waiting = builders.funded_account(
        trader=trader, login="8100001", daily_profits=("1000.00", "800.00", "700.00")
    )
    BalanceOperationFactory(
        account=waiting,
        kind="withdrawal",
        amount=Decimal("-1000.00"),
        time=dt.datetime(2026, 3, 18, 12, 0, tzinfo=dt.UTC),
        reference="payout:test",
    )
    # Eligible: 2,500.00 profit, cycle over since 2026-03-16.
    builders.funded_account(
        trader=trader, login="8100002", daily_profits=("1000.00", "800.00", "700.00")
    )
    base = live_server.url
    with time_machine.travel(AFTER_CYCLE, tick=True):
        sign_in(page, base, "funded@example.com")

        page.goto(f"{base}/payouts/account/8100001/")
        assert "Current profit" in page.get_by_test_id("payout-figures").inner_text()
        assert text_of(page, "profit") == "1,500.00 USD"
        share = text_of(page, "share-now")
        assert share.startswith("Nothing yet: the payout cycle runs until 2026-04-01")
        assert "From then, 1,200.00 USD (80% of the current profit)" in share
        assert text_of(page, "next-eligible") == "Eligible from 2026-04-01 12:00"
        assert text_of(page, "net-since-start") == (
            "2,500.00 = 1,500.00 current profit + 1,000.00 paid out USD"
        )
        assert "You would receive (all of it)" not in page.content()

        page.goto(f"{base}/payouts/account/8100002/")
        assert text_of(page, "share-now") == "2,000.00 USD"
        assert text_of(page, "next-eligible").startswith("Eligible now (since 2026-03-16")
        assert page.get_by_test_id("net-since-start").count() == 0  # nothing paid out yet

        # the funded dashboard: net profit since start explained, not beside a bare "Profit"
        page.goto(f"{base}/trading/8100001/")
        payouts = page.locator("section[aria-labelledby='payouts-title']")
        assert payouts.get_by_test_id("net-since-start").is_visible()
        assert "1,000.00 paid out" in text_of(page, "net-since-start")
        assert payouts.get_by_test_id("next-eligible").inner_text().startswith("Eligible from")


# --- 2. allauth's pages in the portal; two-factor leads through email confirmation


def test_two_factor_leads_through_email_confirmation(live_server, page, mailoutbox):
    trader = TraderFactory(email="new@example.com")
    EmailAddress.objects.create(user=trader, email=trader.email, primary=True, verified=False)
    base = live_server.url
    sign_in(page, base, "new@example.com")

    page.get_by_role("link", name="Two-factor").first.click()
    page.wait_for_url(f"{base}/accounts/2fa/")
    step = page.get_by_test_id("confirm-email-first")
    assert step.is_visible()
    assert "Step 1: confirm new@example.com" in step.inner_text()
    assert page.locator(".account-tabs").is_visible()  # the settings' tabs, portal look
    assert page.locator(".site-header").is_visible()

    page.get_by_test_id("send-confirmation").click()
    page.wait_for_url(f"{base}/accounts/email/")
    assert page.get_by_role("heading", name="Email Addresses").is_visible()
    assert page.locator(".card.account-settings").is_visible()
    link = re.search(r"https?://\S+/accounts/confirm-email/\S+/", mailoutbox[-1].body).group(0)

    page.goto(base + link[link.index("/accounts/") :])
    page.get_by_role("button", name="Confirm").click()
    page.goto(f"{base}/accounts/2fa/")
    assert page.get_by_test_id("confirm-email-first").count() == 0
    page.get_by_role("link", name="Activate").click()
    page.wait_for_load_state()
    if "/accounts/reauthenticate/" in page.url:  # allauth asks for the password again
        assert page.locator(".card.account-settings, .card").first.is_visible()
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Confirm").click()
    page.wait_for_url(f"{base}/accounts/2fa/totp/activate/")
    assert page.get_by_role("heading", name="Activate Authenticator App").is_visible()
    assert page.locator("img.qr-code").is_visible()
    assert page.get_by_label("Authenticator code").is_visible()
    assert "until you have verified your email" not in page.content()


def test_every_account_page_is_in_the_menu_and_styled(live_server, page):
    TraderFactory(email="menu@example.com")
    base = live_server.url
    sign_in(page, base, "menu@example.com")

    for name, heading in (
        ("Email", "Email Addresses"),
        ("Password", "Change Password"),
        ("Two-factor", "Two-Factor Authentication"),
    ):
        page.goto(f"{base}/")
        page.locator(".site-nav").get_by_role("link", name=name).click()
        assert page.get_by_role("heading", name=heading).is_visible()
        current = page.locator(".account-tabs a[aria-current='page']")
        assert current.inner_text() == name
        # portal buttons, not the browser's bare ones
        button = page.locator(".account-settings .button").first
        assert button.evaluate("b => getComputedStyle(b).borderRadius") != "0px"

    # where payouts go: the payee page, behind a fresh password confirmation
    page.goto(f"{base}/")
    page.locator(".site-nav").get_by_role("link", name="Payout details").click()
    assert "/payouts/destination/" in unquote(page.url)


# --- 3. view as trader: support sees what the trader sees, changes nothing


def staff_session_cookie(user, base: str) -> dict:
    client = Client()
    client.force_login(user)
    session = client.session
    session[SECOND_FACTOR_KEY] = timezone.now().timestamp()
    session.save()
    return {"name": settings.SESSION_COOKIE_NAME, "value": session.session_key, "url": base}


def test_support_views_as_the_trader_read_only(live_server, page):
    trader = TraderFactory(email="viewed@example.com")
    portfolio(trader)
    eligible = builders.funded_account(
        trader=trader,
        login="8200001",
        daily_profits=("1000.00", "800.00", "700.00"),
        start=timezone.now() - dt.timedelta(days=20),
    )
    support = staff_user(SUPPORT, "support@firm.example")
    base = live_server.url
    page.context.add_cookies([staff_session_cookie(support, base)])

    page.goto(f"{base}/admin/accounts/user/{trader.pk}/change/")
    page.get_by_test_id("view-as-trader").click()
    page.wait_for_url(f"{base}/")
    banner = page.get_by_test_id("view-as-banner")
    assert banner.is_visible()
    assert " ".join(banner.inner_text().split()).startswith(
        "Viewing as viewed@example.com — read only"
    )

    # "why did I fail?": the trader's failure page, as the trader sees it
    page.goto(f"{base}/trading/7000002/failure/")
    assert page.get_by_role("heading", name=re.compile("failed", re.I)).first.is_visible()
    assert banner.is_visible()

    # requesting a payout is refused
    page.goto(f"{base}/payouts/account/{eligible.login}/")
    page.get_by_test_id("review-payout").click()
    assert "Read only" in page.content()
    assert not PayoutRequest.objects.filter(account=eligible).exists()

    # Stop: back in the staff session, on the trader's admin page
    page.goto(f"{base}/")
    page.get_by_test_id("view-as-stop").click()
    page.wait_for_url(f"{base}/admin/accounts/user/{trader.pk}/change/")
    assert page.get_by_test_id("view-as-banner").count() == 0
    assert page.get_by_test_id("view-as-trader").is_visible()
