"""View as trader (accounts/view_as.py): support and risk see the trader's pages, change
nothing, and every start and stop is audited; nobody else may, and nobody views as staff."""

from __future__ import annotations

import pytest
from django.urls import reverse

from accounts.models import AuditAction, AuditEvent
from accounts.roles import ADMINS, FINANCE, RISK, SUPPORT
from accounts.staff_mfa import SESSION_KEY as SECOND_FACTOR_KEY
from payouts.models import PayeeChange, PayoutRequest
from tests.conftest import client_with_second_factor
from tests.factories import TraderFactory, UserFactory, staff_user
from tests.portal.builders import portfolio

pytestmark = pytest.mark.django_db


@pytest.fixture
def trader(db):
    return TraderFactory(email="viewed@example.com")


@pytest.fixture
def accounts(trader):
    return portfolio(trader)


def signed_in(user):
    client = client_with_second_factor()
    client.force_login(user)
    return client


def start(client, user):
    return client.post(
        reverse("hijack:acquire"), {"user_pk": user.pk, "next": reverse("portal:home")}
    )


@pytest.mark.parametrize("role", [SUPPORT, RISK])
def test_support_and_risk_see_the_traders_failure_page_with_the_banner(role, trader, accounts):
    client = signed_in(staff_user(role))
    assert client.get(reverse("portal:failure", args=["7000002"])).status_code == 404

    response = start(client, trader)

    assert response.status_code == 302
    page = client.get(reverse("portal:failure", args=["7000002"]))
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-testid="view-as-banner"' in html
    assert "Viewing as <strong>viewed@example.com</strong> — read only" in html


def test_nothing_can_be_changed_while_viewing_as_a_trader(trader, accounts):
    client = signed_in(staff_user(SUPPORT))
    start(client, trader)
    funded = accounts["funded"].login

    payout = client.post(reverse("payouts:account", args=[funded]), {"amount": "100.00"})
    payee = client.post(
        reverse("payouts:destination"), {"method": "wise", "details": "me@example.com"}
    )
    password = client.post(reverse("account_change_password"), {"oldpassword": "x"})

    assert (payout.status_code, payee.status_code, password.status_code) == (403, 403, 403)
    assert not PayoutRequest.objects.filter(account__trader=trader).exists()
    assert not PayeeChange.objects.filter(trader=trader).exists()


def test_start_and_stop_are_audited_and_stop_returns_to_the_staff_session(trader, accounts):
    support = staff_user(SUPPORT)
    client = signed_in(support)
    start(client, trader)

    response = client.post(reverse("hijack:release"), {"next": reverse("admin:index")})

    assert response.status_code == 302
    assert client.session[SECOND_FACTOR_KEY]  # no new sign-in with the authenticator
    assert client.get(reverse("admin:index")).status_code == 200
    events = AuditEvent.objects.filter(actor=support, action__startswith="view_as").order_by("pk")
    assert [e.action for e in events] == [AuditAction.VIEW_AS_STARTED, AuditAction.VIEW_AS_ENDED]
    assert all(e.object_id == str(trader.pk) for e in events)
    # the sign-in as the trader is not recorded as the trader's login
    assert not AuditEvent.objects.filter(actor=trader, action=AuditAction.LOGIN_SUCCEEDED)


def test_a_trader_cannot_view_as_another_trader(trader):
    other = TraderFactory(email="other@example.com")
    client = signed_in(other)

    assert start(client, trader).status_code == 403
    assert "hijack_history" not in client.session


@pytest.mark.parametrize("target_role", [FINANCE, ADMINS, SUPPORT])
def test_viewing_as_a_staff_member_is_refused(target_role):
    client = signed_in(staff_user(SUPPORT, "support@firm.example"))
    target = staff_user(target_role, f"{target_role}-target@firm.example")

    assert start(client, target).status_code == 403
    assert not AuditEvent.objects.filter(action=AuditAction.VIEW_AS_STARTED).exists()


def test_viewing_as_a_superuser_is_refused():
    client = signed_in(staff_user(RISK))
    boss = UserFactory(email="boss@firm.example", is_superuser=True)

    assert start(client, boss).status_code == 403


@pytest.mark.parametrize("role", [FINANCE, ADMINS])
def test_other_staff_roles_cannot_view_as_a_trader(role, trader):
    client = signed_in(staff_user(role))

    assert start(client, trader).status_code == 403


def test_the_traders_admin_page_offers_view_as_to_support_only(trader, admin_user):
    url = reverse("admin:accounts_user_change", args=[trader.pk])
    support_page = signed_in(staff_user(SUPPORT)).get(url).content.decode()
    finance_page = signed_in(staff_user(FINANCE)).get(url).content.decode()

    assert 'data-testid="view-as-trader"' in support_page
    assert 'data-testid="view-as-trader"' not in finance_page
