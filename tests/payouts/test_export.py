"""Paid requests export as CSV for the payment run."""

import csv
import io

import pytest
from django.core.exceptions import PermissionDenied

from accounts.models import User
from accounts.roles import FINANCE
from payouts import selectors, services
from tests import builders
from tests.factories import staff_user

from .conftest import PROFIT_2500

pytestmark = pytest.mark.django_db


def _paid(account, finance, reference):
    """Approved by `finance`, paid by a second finance member (PAYOUT_APPROVER_MAY_PAY off)."""
    payout = services.request_payout(account, by=account.trader)
    services.approve_payout(payout, by=finance)
    payer = User.objects.filter(email="payer@firm.example").first() or staff_user(
        FINANCE, "payer@firm.example"
    )
    return services.mark_payout_paid(payout, by=payer, reference=reference)


def test_export_lists_paid_requests_with_payout_details(
    finance, after_cycle, recompute_calls, client
):
    account = builders.funded_account(daily_profits=PROFIT_2500, trader__email="ana@example.com")
    profile = account.trader.trader_profile
    profile.payout_method = "bank"
    profile.payout_details = "=HYPERLINK(evil) DE89 3704 0044 0532 0130 00"
    profile.save()
    paid = _paid(account, finance, "WIRE-1")
    open_account = builders.funded_account(daily_profits=PROFIT_2500)
    services.request_payout(open_account, by=open_account.trader)  # not paid: not exported

    client.force_login(finance)
    response = client.get("/payouts/export.csv")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert len(rows) == 1
    row = rows[0]
    assert row["payout_id"] == str(paid.pk)
    assert row["trader_email"] == "ana@example.com"
    assert row["account_login"] == account.login
    assert (row["amount"], row["currency"]) == ("2000.00", "USD")
    assert row["payout_method"] == "bank"
    assert row["payout_details"] == "'=HYPERLINK(evil) DE89 3704 0044 0532 0130 00"
    assert row["payment_reference"] == "WIRE-1"


def test_export_filters_by_payment_date(finance, after_cycle, recompute_calls, client):
    _paid(builders.funded_account(daily_profits=PROFIT_2500), finance, "WIRE-1")
    client.force_login(finance)

    same_day = client.get("/payouts/export.csv?paid_from=2026-03-20&paid_to=2026-03-21")
    later = client.get("/payouts/export.csv?paid_from=2026-03-21")

    assert len(same_day.content.decode().strip().splitlines()) == 2
    assert len(later.content.decode().strip().splitlines()) == 1  # the header only


def test_support_cannot_export(support, finance, after_cycle, recompute_calls, client):
    with pytest.raises(PermissionDenied):
        services.export_paid_payouts_csv(selectors.paid_payouts(), by=support)
    client.force_login(support)

    assert client.get("/payouts/export.csv").status_code == 403
