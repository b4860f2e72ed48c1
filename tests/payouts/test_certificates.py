"""A paid payout gets one certificate with the trader's share; approving alone gets none."""

import pytest
from django.urls import reverse

from evaluations.models import Certificate
from payouts import services

pytestmark = pytest.mark.django_db


def test_paying_a_payout_issues_its_certificate_once(
    client, funded_account, finance, finance_2, after_cycle, recompute_calls
):
    payout = services.request_payout(funded_account, by=funded_account.trader)
    services.approve_payout(payout, by=finance)
    assert not Certificate.objects.exists()
    services.mark_payout_paid(payout, by=finance_2, reference="WIRE-1")

    [certificate] = Certificate.objects.all()
    assert certificate.kind == "payout"
    assert (certificate.amount, certificate.currency) == (payout.trader_share, payout.currency)
    assert certificate.event_key == f"payout:{payout.pk}"
    page = client.get(reverse("portal:certificate", args=[certificate.public_id]))
    assert f"{payout.trader_share:,.2f} {payout.currency}" in page.content.decode()
