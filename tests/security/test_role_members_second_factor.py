"""Finding 2 of the security review: a member of a staff role group created without "staff
status" signed in with the password alone and could push trades through the bridge API with
the session, or read a payout. Now every staff role member needs the second factor on every
page and API call, and bridge endpoints accept only bridge tokens."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import reverse

from accounts.roles import ADMINS, FINANCE, RISK, SUPPORT
from tests.conftest import client_with_second_factor
from tests.factories import TradingAccountFactory, UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "pass-1234-word"  # tests.factories.UserFactory
TRADE = {
    "trades": [
        {
            "account": None,
            "ticket": "T-1",
            "symbol": "EURUSD",
            "side": "buy",
            "volume": "1.00",
            "open_time": "2026-03-02T08:00:00Z",
            "open_price": "1.1",
            "close_time": "2026-03-02T09:00:00Z",
            "close_price": "1.2",
            "profit": "100.00",
        }
    ]
}


def _role_member_without_staff_status(role: str):
    user = UserFactory(email=f"{role}-nostaff@firm.example")
    user.groups.add(Group.objects.get(name=role))
    assert not user.is_staff
    return user


def _signed_in_with_password(user) -> Client:
    client = Client()
    response = client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
    assert response.status_code == 302
    return client


@pytest.mark.parametrize("role", [ADMINS, RISK, FINANCE, SUPPORT])
@pytest.mark.parametrize("path", ["/", "/payouts/", "/api/bridge/trades/", "/staff/"])
def test_finding_2_a_role_member_without_staff_status_needs_the_second_factor(role, path):
    client = _signed_in_with_password(_role_member_without_staff_status(role))

    response = client.get(path)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("mfa_activate_totp"))


def test_finding_2_a_staff_session_never_writes_through_the_bridge_api():
    account = TradingAccountFactory(status="funded")
    risk_user = UserFactory(email="risk-bridge@firm.example", roles=[RISK])
    client = client_with_second_factor()
    client.force_login(risk_user)  # with the second factor
    payload = {"trades": [{**TRADE["trades"][0], "account": account.login}]}

    response = client.post("/api/bridge/trades/", payload, content_type="application/json")

    assert response.status_code in (401, 403)
    assert not account.trades.exists()
