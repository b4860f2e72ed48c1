"""The abuse case desk in a real browser at 1366 px and 390 px: two traders copying each other
push their trades through the bridge import, a case opens, the copier's payout page says
"under review" and approval of the leader's pending request is refused; a risk user (signed in
with the second factor) opens the queue and the case (timeline chart drawn, no sideways scroll),
assigns it, comments, decides "fail the accounts" with the confirmation, and the decision is in
the audit trail."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from abuse.models import Case, CaseStatus
from accounts.models import AuditAction, AuditEvent
from accounts.roles import FINANCE, RISK
from payouts import services as payouts
from tests.abuse.test_copy_traders_case import copy_pair
from tests.conftest import client_with_second_factor
from tests.factories import staff_user

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
VIEWPORTS = {"desktop": (1366, 900), "phone": (390, 844)}


def _page_of(chromium, live_server, user, size, *, second_factor: bool):
    client = client_with_second_factor() if second_factor else None
    if client is None:
        from django.test import Client

        client = Client()
    client.force_login(user)
    width, height = size
    context = chromium.new_context(
        base_url=live_server.url, viewport={"width": width, "height": height}
    )
    context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )
    return context.new_page()


def _fits(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= page.evaluate(
        "window.innerWidth"
    )


@pytest.mark.parametrize("screen", VIEWPORTS)
def test_copy_traders_case_is_held_then_decided_in_the_browser(chromium, live_server, screen):
    leader, copier = copy_pair(pending_payout_for_leader=True)
    case = Case.objects.get()
    size = VIEWPORTS[screen]

    # The copier reads why no payout can be requested.
    trader_page = _page_of(chromium, live_server, copier.trader, size, second_factor=False)
    trader_page.goto(f"/payouts/account/{copier.login}/")
    expect(trader_page.get_by_text("account under review")).to_be_visible()
    trader_page.context.close()

    # Finance cannot approve the leader's pending request while the case is open.
    pending = leader.payout_requests.get()
    with pytest.raises(payouts.PayoutError, match=f"abuse case #{case.pk}"):
        payouts.approve_payout(pending, by=staff_user(FINANCE, "fin@firm.example"))

    risk = staff_user(RISK, "risk@firm.example")
    page = _page_of(chromium, live_server, risk, size, second_factor=True)
    page.goto("/staff/abuse/")
    row = page.get_by_test_id(f"case-row-{case.pk}")
    expect(row).to_contain_text("copy_trading")
    _fits(page)
    row.get_by_role("link", name=f"#{case.pk}").click()

    page.wait_for_selector("[data-figure=fig-case-timeline] .main-svg")
    expect(page.get_by_test_id("findings")).to_contain_text("trades opened together")
    expect(page.get_by_test_id("identities")).to_contain_text("198.51.100.23")
    _fits(page)

    page.get_by_test_id("assignee").select_option("risk@firm.example")
    page.get_by_test_id("assign-submit").click()
    expect(page.get_by_test_id("case-assignee")).to_have_text("risk@firm.example")

    page.get_by_test_id("comment-text").fill("Same entries within a second, same IP.")
    page.get_by_test_id("comment-submit").click()
    expect(page.get_by_test_id("comments")).to_contain_text("Same entries within a second")

    page.get_by_test_id("decision").select_option("fail_accounts")
    page.get_by_test_id("decision-note").fill("signal sharing")
    page.get_by_test_id("decide-submit").click()  # the confirmation is not ticked yet
    assert Case.objects.get().status == CaseStatus.OPEN
    page.get_by_test_id("decision-confirm").check()
    page.get_by_test_id("decide-submit").click()
    expect(page.get_by_test_id("case-decision")).to_have_text("Fail the accounts")
    _fits(page)

    leader.refresh_from_db()
    copier.refresh_from_db()
    assert (leader.status, copier.status) == ("failed", "failed")
    steps = list(
        AuditEvent.objects.filter(action=AuditAction.ABUSE_CASE, actor=risk)
        .order_by("pk")
        .values_list("data__step", flat=True)
    )
    assert steps == ["assigned", "commented", "decided"]
    decided = AuditEvent.objects.get(action=AuditAction.ABUSE_CASE, data__step="decided")
    assert decided.data["after"] == {"status": "decided", "decision": "fail_accounts"}
    assert sorted(decided.data["failed_accounts"]) == sorted([leader.pk, copier.pk])
