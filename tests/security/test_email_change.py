"""Finding 8 of the security review, second half: a trader could change their email to any
address (e.g. a formula) without re-authentication or verification, and it became their sign-in
and the payment run's email at once. Now: re-authenticate, confirm from the new mailbox, and
the old address is told."""

from __future__ import annotations

import re

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.urls import reverse

from tests.conftest import client_with_second_factor
from tests.factories import TraderFactory

pytestmark = pytest.mark.django_db

PASSWORD = "pass-1234-word"
NEW = "ana.new@example.com"


def _trader_client():
    trader = TraderFactory(email="ana@example.com")
    EmailAddress.objects.create(user=trader, email=trader.email, primary=True, verified=False)
    client = client_with_second_factor()
    client.force_login(trader)
    return trader, client


def test_finding_8_adding_an_email_needs_a_recent_reauthentication():
    trader, client = _trader_client()

    response = client.post(reverse("account_email"), {"action_add": "", "email": NEW})

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_reauthenticate"))
    assert not EmailAddress.objects.filter(email=NEW).exists()


def test_finding_8_a_new_email_counts_only_once_confirmed_and_the_old_one_is_told():
    trader, client = _trader_client()
    client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    mail.outbox.clear()

    client.post(reverse("account_email"), {"action_add": "", "email": NEW})
    refused = client.post(reverse("account_email"), {"action_primary": "", "email": NEW})

    trader.refresh_from_db()
    assert trader.email == "ana@example.com"  # not before confirmation
    assert refused.status_code == 302
    assert EmailAddress.objects.get(email=NEW).primary is False
    (confirmation,) = [m for m in mail.outbox if NEW in m.to]
    link = re.search(r"https?://\S+/accounts/confirm-email/\S+/", confirmation.body).group(0)

    client.post(link.split("testserver", 1)[-1].split("127.0.0.1:8000", 1)[-1])
    client.post(reverse("account_email"), {"action_primary": "", "email": NEW})

    trader.refresh_from_db()
    assert trader.email == NEW
    assert any("ana@example.com" in m.to for m in mail.outbox if m is not confirmation)
