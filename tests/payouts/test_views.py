"""The portal request flow, the finance queue, and who may see and do what."""

from decimal import Decimal

import pytest
from django.contrib.auth.models import Group

from accounts.roles import ADMINS
from payouts import services
from payouts.models import PayoutRequest, PayoutStatus
from tests import builders
from tests.factories import staff_user

from .conftest import PROFIT_2500

pytestmark = pytest.mark.django_db


@pytest.fixture
def trader_client(client, funded_account):
    client.force_login(funded_account.trader)
    return client


def test_trader_sees_every_reason_before_asking(client, after_cycle):
    account = builders.funded_account(daily_profits=("1500.00", "500.00"), consistency="40")
    profile = account.trader.trader_profile
    profile.kyc_status = "pending"
    profile.save()
    client.force_login(account.trader)

    page = client.get(f"/payouts/account/{account.login}/").content.decode()
    index = client.get("/payouts/").content.decode()

    for text in ("KYC not verified", "consistency: best day 75% &gt; 40%", "Not eligible yet"):
        assert text in page
    assert "KYC not verified" in index
    assert 'data-testid="review-payout"' not in page


def test_request_flow_shows_split_and_share_before_confirming(
    trader_client, funded_account, after_cycle
):
    url = f"/payouts/account/{funded_account.login}/"
    form = trader_client.get(url).content.decode()
    assert 'value="2500.00"' in form  # default: all of it

    confirm = trader_client.post(url, {"amount": "1250.555"})
    assert confirm.status_code == 200
    body = confirm.content.decode()
    assert "Confirm your payout request" in body
    assert "80%" in body
    assert "1,250.55" in body and "1,000.44" in body  # 1250.55 × 80% = 1000.44
    assert not PayoutRequest.objects.exists()

    done = trader_client.post(url, {"amount": "1250.55", "confirm": "yes"}, follow=True)
    payout = PayoutRequest.objects.get()
    assert done.redirect_chain[-1][0] == f"/payouts/{payout.pk}/"
    assert (payout.amount, payout.trader_share) == (Decimal("1250.55"), Decimal("1000.44"))
    assert "Requested" in done.content.decode()


def test_amount_above_eligible_is_a_form_error(trader_client, funded_account, after_cycle):
    response = trader_client.post(f"/payouts/account/{funded_account.login}/", {"amount": "9999"})

    assert "At most 2500.00 can be withdrawn" in response.content.decode()
    assert not PayoutRequest.objects.exists()


def test_trader_cancels_from_the_portal(trader_client, funded_account, after_cycle):
    payout = services.request_payout(funded_account, by=funded_account.trader)

    response = trader_client.post(f"/payouts/{payout.pk}/cancel/", follow=True)

    payout.refresh_from_db()
    assert payout.status == PayoutStatus.CANCELLED
    assert "cancelled" in response.content.decode()


def test_trader_sees_the_rejection_reason(trader_client, funded_account, finance, after_cycle):
    payout = services.request_payout(funded_account, by=funded_account.trader)
    services.reject_payout(payout, by=finance, reason="Bank account holder differs")

    detail = trader_client.get(f"/payouts/{payout.pk}/").content.decode()
    index = trader_client.get("/payouts/").content.decode()

    assert "Bank account holder differs" in detail
    assert "Bank account holder differs" in index


def test_another_traders_payout_is_not_found(client, funded_account, after_cycle):
    payout = services.request_payout(funded_account, by=funded_account.trader)
    other = builders.funded_account(daily_profits=PROFIT_2500)
    client.force_login(other.trader)

    assert client.get(f"/payouts/{payout.pk}/").status_code == 404
    assert client.post(f"/payouts/{payout.pk}/cancel/").status_code == 404
    assert client.post(f"/payouts/{payout.pk}/approve/").status_code == 404
    assert client.get(f"/payouts/account/{funded_account.login}/").status_code == 404


def test_anonymous_is_sent_to_login(client):
    assert client.get("/payouts/").status_code == 302
    assert client.get("/payouts/queue/").status_code == 302


@pytest.mark.parametrize("role", ["finance", "support", "admins"])
def test_staff_who_may_see_payouts_get_the_queue(client, funded_account, after_cycle, role):
    payout = services.request_payout(funded_account, by=funded_account.trader)
    client.force_login(staff_user(role))

    queue = client.get("/payouts/queue/")
    detail = client.get(f"/payouts/{payout.pk}/")

    assert queue.status_code == 200
    assert f"#{payout.pk}" in queue.content.decode()
    assert detail.status_code == 200
    approve_button = f'data-testid="approve-{payout.pk}"'
    assert (approve_button in queue.content.decode()) == (role == "finance")


@pytest.mark.parametrize("who", ["risk", "trader"])
def test_others_cannot_see_the_queue(client, funded_account, who):
    user = staff_user("risk") if who == "risk" else funded_account.trader
    client.force_login(user)

    assert client.get("/payouts/queue/").status_code == 403


@pytest.mark.parametrize("role", ["support", "admins"])
def test_support_and_admins_cannot_approve_or_pay(
    client, funded_account, finance, after_cycle, role
):
    payout = services.request_payout(funded_account, by=funded_account.trader)
    client.force_login(staff_user(role))

    assert client.post(f"/payouts/{payout.pk}/approve/").status_code == 403
    services.approve_payout(payout, by=finance)
    assert client.post(f"/payouts/{payout.pk}/pay/", {"reference": "X"}).status_code == 403
    assert client.post(f"/payouts/{payout.pk}/reject/", {"reason": "no"}).status_code == 403
    payout.refresh_from_db()
    assert payout.status == PayoutStatus.APPROVED


def test_trader_cannot_approve_their_own_request(trader_client, funded_account, after_cycle):
    payout = services.request_payout(funded_account, by=funded_account.trader)

    assert trader_client.post(f"/payouts/{payout.pk}/approve/").status_code == 403


def test_finance_approves_and_pays_from_the_queue(
    client, funded_account, finance, finance_2, after_cycle, recompute_calls
):
    payout = services.request_payout(funded_account, by=funded_account.trader)
    client.force_login(finance)

    approved = client.post(
        f"/payouts/{payout.pk}/approve/", {"next": "/payouts/queue/", "confirm": "yes"}, follow=True
    )
    assert approved.redirect_chain[-1][0] == "/payouts/queue/"
    page = approved.content.decode()
    assert f"Payout #{payout.pk}: Approved — approval recorded." in page
    assert "functools.partial" not in page
    client.force_login(finance_2)
    client.post(f"/payouts/{payout.pk}/pay/", {"reference": "WIRE-55", "confirm": "yes"})

    payout.refresh_from_db()
    assert payout.status == PayoutStatus.PAID
    assert (payout.approved_by, payout.paid_by, payout.payment_reference) == (
        finance,
        finance_2,
        "WIRE-55",
    )


def test_failed_action_shows_the_reason(client, funded_account, finance, after_cycle):
    payout = services.request_payout(funded_account, by=funded_account.trader)
    client.force_login(finance)

    response = client.post(f"/payouts/{payout.pk}/pay/", {"reference": "W"}, follow=True)

    assert "only an approved payout can be paid" in response.content.decode()


def test_queue_does_not_grow_queries_with_requests(
    client, finance, after_cycle, django_assert_max_num_queries
):
    for _ in range(6):
        account = builders.funded_account(daily_profits=PROFIT_2500)
        services.request_payout(account, by=account.trader)
    client.force_login(finance)

    with django_assert_max_num_queries(12):
        response = client.get("/payouts/queue/")

    assert response.content.decode().count("data-payout=") == 6


def test_admins_group_has_no_approve_permission(db):
    admins = Group.objects.get(name=ADMINS)
    codenames = set(
        admins.permissions.filter(content_type__app_label="payouts").values_list(
            "codename", flat=True
        )
    )

    assert "approve_payoutrequest" not in codenames
    assert "pay_payoutrequest" not in codenames
    assert "view_payoutrequest" in codenames
