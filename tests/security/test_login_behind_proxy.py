"""Finding 5 of the security review: behind the documented reverse proxy every client had the
proxy's address, so ten failed logins with random emails from one attacker locked every user
out for a minute. The client address now comes from X-Forwarded-For, through as many proxies
as TRUSTED_PROXY_COUNT says, for the rate limits and the audit log."""

from __future__ import annotations

import pytest
from django.test import Client

from accounts.models import AuditAction, AuditEvent
from tests.factories import TraderFactory

pytestmark = pytest.mark.django_db

PASSWORD = "pass-1234-word"  # tests.factories.UserFactory
PROXY = "127.0.0.1"  # nginx on the same host, as in docs/deployment.md
LOCKED = "Too many failed login attempts"


def _through_proxy(client: Client, email: str, password: str, client_address: str):
    # The proxy appends the address it received the request from to what the client sent.
    return client.post(
        "/accounts/login/",
        {"login": email, "password": password},
        REMOTE_ADDR=PROXY,
        HTTP_X_FORWARDED_FOR=f"6.6.6.6, {client_address}",
    )


def test_finding_5_an_attacker_behind_the_proxy_locks_out_only_themselves(settings):
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1
    victim = TraderFactory(email="victim@traders.example")
    attacker = Client()
    for n in range(11):
        _through_proxy(attacker, f"random{n}@nowhere.example", "guess", "203.0.113.9")
    assert (
        LOCKED in _through_proxy(attacker, "x@nowhere.example", "g", "203.0.113.9").content.decode()
    )

    owner = Client()
    response = _through_proxy(owner, victim.email, PASSWORD, "198.51.100.7")

    assert response.status_code == 302
    assert "_auth_user_id" in owner.session


def test_finding_5_the_audit_log_records_the_forwarded_client_address(settings):
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1
    trader = TraderFactory(email="ana@traders.example")

    _through_proxy(Client(), trader.email, PASSWORD, "198.51.100.7")

    event = AuditEvent.objects.filter(action=AuditAction.LOGIN_SUCCEEDED).latest("pk")
    assert event.ip == "198.51.100.7"


def test_finding_5_without_a_trusted_proxy_a_forged_header_is_ignored(settings):
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 0
    trader = TraderFactory(email="ana@traders.example")

    _through_proxy(Client(), trader.email, PASSWORD, "198.51.100.7")

    event = AuditEvent.objects.filter(action=AuditAction.LOGIN_SUCCEEDED).latest("pk")
    assert event.ip == PROXY
