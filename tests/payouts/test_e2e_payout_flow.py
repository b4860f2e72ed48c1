"""In a real browser: a trader requests, one finance user approves, another marks it paid; the
trader sees it paid and the account back at its initial balance. Staff sign in with a second
factor: the approver types the code of an authenticator already set up, the payer sets one up
on first sign-in."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone
from playwright.sync_api import Browser, Page, expect

from accounts.roles import FINANCE
from accounts.totp import current_code, give_totp_authenticator
from payouts.models import PayoutRequest, PayoutStatus
from risk.models import AccountMetrics
from tests import builders
from tests.factories import staff_user

from .conftest import PROFIT_2500

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "pass-1234-word"  # tests.factories.UserFactory
APPROVER_SECRET = "APPROVERSECRETTOTPKEY234"


def signed_in(browser: Browser, base_url: str, email: str, next_url: str = "/") -> Page:
    page = browser.new_context(base_url=base_url).new_page()
    page.goto(f"/accounts/login/?next={next_url}")
    page.get_by_label(re.compile("email", re.I)).fill(email)
    page.get_by_label(re.compile("password", re.I)).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()
    return page


def type_authenticator_code(page: Page, secret: str) -> None:
    page.locator('input[name="code"]').fill(current_code(secret))
    page.locator('form:has(input[name="code"]) button[type="submit"]').first.click()
    page.wait_for_load_state()


def test_trader_requests_finance_approves_and_pays(chromium, live_server):
    # Real clock: the browser's cookies must not expire against a travelled server time.
    start = timezone.now() - dt.timedelta(days=20)
    account = builders.funded_account(
        daily_profits=PROFIT_2500, start=start, trader__email="trader@example.com"
    )
    give_totp_authenticator(staff_user(FINANCE, "approver@firm.example"), APPROVER_SECRET)
    staff_user(FINANCE, "payer@firm.example")

    trader = signed_in(chromium, live_server.url, "trader@example.com")
    trader.goto(f"/payouts/account/{account.login}/")
    expect(trader.get_by_role("heading", name="You can request a payout")).to_be_visible()
    expect(trader.get_by_test_id("balance")).to_contain_text("102,500.00")
    expect(trader.get_by_label(re.compile("Amount of profit"))).to_have_value("2500.00")
    trader.get_by_test_id("review-payout").click()
    expect(trader.get_by_test_id("confirm-split")).to_have_text("80%")
    expect(trader.get_by_test_id("confirm-share")).to_contain_text("2,000.00 USD")
    trader.get_by_test_id("confirm-payout").click()
    expect(trader.get_by_test_id("payout-status")).to_have_text("Requested")
    payout = PayoutRequest.objects.get(account=account)

    approver = signed_in(chromium, live_server.url, "approver@firm.example", "/payouts/queue/")
    expect(approver.get_by_role("heading", name="Two-Factor Authentication")).to_be_visible()
    type_authenticator_code(approver, APPROVER_SECRET)
    expect(approver).to_have_url(re.compile(r"/payouts/queue/$"))
    approver.get_by_test_id(f"approve-{payout.pk}").click()
    approver.get_by_test_id("confirm-button").click()  # the confirmation step
    expect(approver.locator(f'tr[data-payout="{payout.pk}"]')).to_contain_text("Approved")
    # PAYOUT_APPROVER_MAY_PAY is off: the approver is not offered "Mark paid"
    expect(approver.get_by_test_id(f"pay-{payout.pk}")).to_have_count(0)

    payer = signed_in(chromium, live_server.url, "payer@firm.example", "/payouts/queue/")
    # No authenticator yet: the queue sends the payer to set one up first, which allauth lets
    # only a user who has just confirmed their password do.
    expect(payer).to_have_url(re.compile(r"/accounts/reauthenticate/"))
    expect(payer.get_by_text("Staff accounts need two-factor authentication")).to_be_visible()
    payer.get_by_label(re.compile("password", re.I)).fill(PASSWORD)
    payer.get_by_role("button", name="Confirm").click()
    expect(payer).to_have_url(re.compile(r"/accounts/2fa/totp/activate/"))
    type_authenticator_code(payer, payer.locator("#authenticator_secret").input_value())
    payer.goto("/payouts/queue/")
    payer.get_by_test_id(f"pay-{payout.pk}").click()
    payer.get_by_label("Payment reference").fill("WIRE-2026-0001")
    payer.get_by_test_id("confirm-button").click()
    expect(payer.get_by_role("status")).to_contain_text("marked paid")

    trader.goto(f"/payouts/{payout.pk}/")
    expect(trader.get_by_test_id("payout-status")).to_have_text("Paid")
    expect(trader.get_by_test_id("payment-reference")).to_have_text("WIRE-2026-0001")
    trader.goto(f"/payouts/account/{account.login}/")
    expect(trader.get_by_test_id("balance")).to_contain_text("100,000.00")
    expect(trader.get_by_test_id("eligibility-checks")).to_contain_text("next eligible")
    # The dashboard reads the risk metrics, recomputed after the payment's commit.
    assert AccountMetrics.objects.get(account=account).balance == account.initial_balance
    trader.goto("/")
    expect(trader.get_by_role("row", name=re.compile(account.login))).to_contain_text("100,000.00")

    payout.refresh_from_db()
    assert payout.status == PayoutStatus.PAID
    assert payout.approved_by.email == "approver@firm.example"
    assert payout.paid_by.email == "payer@firm.example"
