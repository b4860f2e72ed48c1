"""Finance in a real browser at 1366 px and 390 px: the payout queue fits the screen (cards on a
phone), Reject looks like a danger action, approve asks for confirmation with the amount,
trader and destination, the detail page shows payee, KYC, a live eligibility re-check and the
account link, and a payment run goes from approved payouts to a SEPA file to paid in one step.

Set PROPDESK_SCREENSHOT=1 to refresh docs/img/payout-queue.png and docs/img/payment-run.png
from the 1366 px run.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from accounts.models import TraderProfile
from accounts.roles import FINANCE
from payouts import services
from payouts.models import PaymentRun, PayoutStatus
from tests import builders
from tests.conftest import client_with_second_factor
from tests.factories import staff_user
from tests.payouts.conftest import PROFIT_2500

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
DOCS_IMG = Path(__file__).resolve().parents[2] / "docs" / "img"
VIEWPORTS = {"desktop": (1366, 900), "phone": (390, 844)}
IBAN = "IBAN DE89 3704 0044 0532 0130 00, Ana Trader"


def _signed_in_page(chromium, live_server, user, size):
    client = client_with_second_factor()
    client.force_login(user)
    width, height = size
    context = chromium.new_context(
        base_url=live_server.url, viewport={"width": width, "height": height}
    )
    context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )
    return context.new_page()


def _requested(email: str):
    start = timezone.now() - dt.timedelta(days=20)
    account = builders.funded_account(
        daily_profits=PROFIT_2500, start=start, currency="EUR", trader__email=email
    )
    TraderProfile.objects.filter(user=account.trader).update(
        payout_method="bank", payout_details=IBAN
    )
    return services.request_payout(account, by=account.trader)


def _fits(page) -> None:
    width = page.evaluate("window.innerWidth")
    assert page.evaluate("document.documentElement.scrollWidth") <= width


@pytest.mark.parametrize("screen", VIEWPORTS)
def test_finance_queue_confirmation_detail_and_payment_run(chromium, live_server, settings, screen):
    settings.PAYMENT_RUN_DEBTOR_NAME = "PropDesk Trading Ltd"
    settings.PAYMENT_RUN_DEBTOR_IBAN = "DE02120300000000202051"
    approver = staff_user(FINANCE, "approver@firm.example")
    payer = staff_user(FINANCE, "payer@firm.example")
    payouts = [_requested(f"trader{i}@example.com") for i in range(3)]
    page = _signed_in_page(chromium, live_server, approver, VIEWPORTS[screen])

    # The queue fits the screen: every action button inside the viewport, no sideways scroll.
    page.goto("/payouts/queue/")
    _fits(page)
    width = page.evaluate("window.innerWidth")
    for payout in payouts:
        for action in ("approve", "reject"):
            box = page.get_by_test_id(f"{action}-{payout.pk}").bounding_box()
            assert box and box["x"] >= 0 and box["x"] + box["width"] <= width, action
    approve_colour = page.get_by_test_id(f"approve-{payouts[0].pk}").evaluate(
        "b => getComputedStyle(b).backgroundColor"
    )
    reject_colour = page.get_by_test_id(f"reject-{payouts[0].pk}").evaluate(
        "b => getComputedStyle(b).color"
    )
    assert reject_colour == "rgb(185, 28, 28)" and approve_colour != "rgb(255, 255, 255)"
    if screen == "desktop" and os.environ.get("PROPDESK_SCREENSHOT"):
        page.screenshot(path=str(DOCS_IMG / "payout-queue.png"), full_page=True)

    # Approve asks first, stating the amount, the trader and the destination.
    for payout in payouts[:2]:
        page.get_by_test_id(f"approve-{payout.pk}").click()
        expect(page.get_by_test_id("confirm-amount")).to_have_text("2,000.00 EUR")
        expect(page.get_by_test_id("confirm-trader")).to_contain_text(payout.account.trader.email)
        expect(page.get_by_test_id("confirm-destination")).to_contain_text("DE89 3704 0044")
        payout.refresh_from_db()
        assert payout.status == PayoutStatus.REQUESTED  # nothing happened yet
        page.get_by_test_id("confirm-button").click()
        expect(page.locator(".message.success")).to_have_text(
            f"Payout #{payout.pk}: Approved — approval recorded."
        )
    # The approver is not offered "Mark paid" (PAYOUT_APPROVER_MAY_PAY is off).
    page.goto("/payouts/queue/?status=approved")
    expect(page.get_by_test_id(f"pay-{payouts[0].pk}")).to_have_count(0)

    # The detail page: payee, KYC, eligibility now, and the account.
    page.goto(f"/payouts/{payouts[2].pk}/")
    expect(page.get_by_test_id("payout-destination")).to_contain_text("DE89 3704 0044 0532 0130 00")
    expect(page.get_by_test_id("kyc-status")).to_have_text("Verified")
    expect(page.get_by_test_id("eligibility-recheck")).to_contain_text("still eligible")
    expect(page.get_by_test_id("account-link")).to_have_attribute(
        "href", f"/admin/evaluations/tradingaccount/{payouts[2].account.pk}/change/"
    )
    _fits(page)

    # The payment run: another finance member selects the approved payouts, gets the SEPA
    # file, and marks the batch paid with the bank's reference after confirming.
    page = _signed_in_page(chromium, live_server, payer, VIEWPORTS[screen])
    page.goto("/payouts/runs/")
    _fits(page)
    for payout in payouts[:2]:
        page.get_by_test_id(f"select-{payout.pk}").check()
    page.get_by_test_id("create-run").click()
    run = PaymentRun.objects.get()
    expect(page.get_by_test_id("run-total")).to_have_text("4,000.00 EUR")
    with page.expect_download() as download:
        page.get_by_test_id("run-pain001").click()
    assert b"<CtrlSum>4000.00</CtrlSum>" in Path(download.value.path()).read_bytes()
    page.get_by_test_id("run-pay").click()
    expect(page.get_by_test_id("confirm-run-pay")).to_contain_text("Mark 2 payouts paid")
    if screen == "desktop" and os.environ.get("PROPDESK_SCREENSHOT"):
        page.screenshot(path=str(DOCS_IMG / "payment-run.png"), full_page=True)
    _fits(page)
    page.get_by_test_id("bank-reference").fill("BANK-BATCH-2026-07")
    page.get_by_test_id("confirm-run-paid").click()
    expect(page.get_by_test_id("run-status")).to_have_text("Paid")
    run.refresh_from_db()
    assert run.status == "paid" and run.bank_reference == "BANK-BATCH-2026-07"
    for payout in payouts[:2]:
        payout.refresh_from_db()
        assert payout.status == PayoutStatus.PAID and payout.paid_by == payer
