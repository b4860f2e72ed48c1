"""End to end without a browser: two traders copying each other push their trades through the
bridge import; the incremental scan (run by the import's hook) opens one case; the payout of one
is refused with "under review" (staff read the case); a risk user's decision closes the case,
fails the accounts and is audited; re-running the scans adds nothing."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from abuse.models import Case, CaseStatus, Decision, Finding
from abuse.services import decisions, scan
from accounts.models import AuditEvent, TraderProfile
from accounts.roles import RISK
from imports.service import import_items
from payouts import services as payouts
from payouts.selectors import account_eligibility
from tests import builders
from tests.factories import staff_user
from tests.payouts.conftest import PROFIT_2500

pytestmark = pytest.mark.django_db(transaction=True)


def copy_pair(n: int = 12, *, pending_payout_for_leader: bool = False):
    """Two verified funded traders whose bridge pushes repeat each other's trades 350 ms apart,
    from one client IP; optionally the leader has requested a payout before the imports."""
    start = timezone.now() - dt.timedelta(days=20)
    leader = builders.funded_account(
        daily_profits=PROFIT_2500, start=start, trader__email="lead@x.example"
    )
    copier = builders.funded_account(
        daily_profits=PROFIT_2500, start=start, trader__email="copy@x.example"
    )
    TraderProfile.objects.filter(user__in=[leader.trader, copier.trader]).update(
        kyc_status="verified"
    )
    if pending_payout_for_leader:
        payouts.request_payout(leader, by=leader.trader)
    base = timezone.now() - dt.timedelta(days=2)
    for account, jitter_ms in ((leader, 0), (copier, 350)):
        items = []
        for i in range(n):
            opened = base + dt.timedelta(minutes=7 * i, milliseconds=jitter_ms)
            items.append(
                {
                    "account": account.login,
                    "ticket": f"C{i}",
                    "symbol": "XAUUSD",
                    "side": "buy" if i % 3 else "sell",
                    "volume": "0.10",
                    "open_time": opened.isoformat(),
                    "open_price": "2300.00",
                    "close_time": (opened + dt.timedelta(minutes=5)).isoformat(),
                    "close_price": "2301.00",
                    "profit": "1.00",
                    "client_ip": "198.51.100.23",
                }
            )
        batch = import_items("trades", items)
        assert batch.status == "committed", batch.errors
    return leader, copier


def test_copy_traders_open_a_case_that_holds_payouts_until_risk_decides():
    leader, copier = copy_pair()

    case = Case.objects.get()
    assert case.status == CaseStatus.OPEN
    assert set(case.accounts.all()) >= {leader, copier}
    assert case.drivers[0]["detector"] == "copy_trading"
    assert Finding.objects.get(detector="copy_trading").evidence["matched"] >= 12

    eligibility = account_eligibility(copier)
    assert "account under review" in eligibility.reasons
    with pytest.raises(payouts.NotEligible, match="account under review"):
        payouts.request_payout(copier, by=copier.trader)

    # Re-running both scans adds nothing new.
    assert scan.full_scan().new_findings == 0
    assert Case.objects.count() == 1

    risk = staff_user(RISK, "risk@firm.example")
    decisions.decide_case(case, decision=Decision.FAIL_ACCOUNTS, note="signal sharing", by=risk)
    leader.refresh_from_db()
    copier.refresh_from_db()
    assert (leader.status, copier.status) == ("failed", "failed")
    event = AuditEvent.objects.get(action="abuse_case", data__step="decided")
    assert event.actor == risk and event.data["after"]["decision"] == "fail_accounts"


def test_an_open_case_blocks_the_approval_of_a_pending_payout():
    start = timezone.now() - dt.timedelta(days=20)
    account = builders.funded_account(daily_profits=PROFIT_2500, start=start)
    TraderProfile.objects.filter(user=account.trader).update(kyc_status="verified")
    payout = payouts.request_payout(account, by=account.trader)
    case = Case.objects.create(score=0.9)
    case.accounts.add(account)
    finance = staff_user("finance", "fin@firm.example")
    with pytest.raises(payouts.PayoutError, match=f"abuse case #{case.pk}"):
        payouts.approve_payout(payout, by=finance)
    assert Decimal(payout.amount) > 0
