"""Security finding 7c: only finance members approve payouts, and the two approvals of a large
payout come from two different people, whatever the path (admin action, queue view, service).
The superuser flag alone does not make anyone an approver."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from payouts import services
from payouts.models import PayoutStatus
from tests.conftest import client_with_second_factor
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/payouts/payoutrequest/"


@pytest.fixture
def requested(funded_account, after_cycle):
    return services.request_payout(funded_account, by=funded_account.trader)


@pytest.fixture
def superuser(db):
    return UserFactory(email="root@firm.example", is_staff=True, is_superuser=True)


def approve_in_admin(user, payout):
    client = client_with_second_factor()
    client.force_login(user)
    return client.post(
        CHANGELIST,
        {"action": "approve_selected", "_selected_action": [payout.pk], "note": ""},
        follow=True,
    )


def test_finding_7c_the_superuser_does_not_approve_through_the_admin_action(requested, superuser):
    approve_in_admin(superuser, requested)

    requested.refresh_from_db()
    assert requested.status == PayoutStatus.REQUESTED
    assert requested.approved_by is None and requested.first_approved_by is None


def test_finding_7c_a_superuser_first_approval_does_not_make_the_second_person(
    requested, superuser, finance, settings
):
    settings.PAYOUT_SECOND_APPROVER_THRESHOLD = Decimal("1000.00")  # the share is 2,000.00

    approve_in_admin(superuser, requested)
    approve_in_admin(finance, requested)

    requested.refresh_from_db()
    # finance's approval is the first of two; the superuser's did not count as the other one
    assert requested.status == PayoutStatus.REQUESTED
    assert requested.first_approved_by == finance
    assert requested.approved_by is None


def test_finding_7c_the_superuser_does_not_approve_through_the_service_or_the_queue(
    requested, superuser
):
    with pytest.raises(PermissionDenied):
        services.approve_payout(requested, by=superuser)

    client = client_with_second_factor()
    client.force_login(superuser)
    response = client.post(reverse("payouts:approve", args=[requested.pk]))

    assert response.status_code == 403
    requested.refresh_from_db()
    assert requested.status == PayoutStatus.REQUESTED
