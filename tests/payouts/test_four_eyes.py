"""Four-eyes: the approver is never the requester; above the threshold, two distinct approvers."""

from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction

from accounts.roles import FINANCE
from payouts import services
from payouts.models import PayoutAction, PayoutRequest, PayoutStatus

pytestmark = pytest.mark.django_db


@pytest.fixture
def requested(funded_account, after_cycle):
    """A 2,000.00 share, below the default 5,000.00 threshold."""
    return services.request_payout(funded_account, by=funded_account.trader)


def test_one_finance_approval_below_the_threshold_approves(requested, finance):
    payout = services.approve_payout(requested, by=finance)

    assert payout.status == PayoutStatus.APPROVED
    assert payout.approved_by == finance
    assert payout.first_approved_by is None


def test_requester_cannot_approve_even_with_the_finance_role(requested, funded_account):
    trader = funded_account.trader
    trader.groups.add(Group.objects.get(name=FINANCE))
    trader.is_staff = True
    trader.save()

    with pytest.raises(PermissionDenied, match="requester cannot approve"):
        services.approve_payout(requested, by=trader)

    requested.refresh_from_db()
    assert requested.status == PayoutStatus.REQUESTED


def test_requester_cannot_mark_their_own_payout_paid(requested, funded_account, finance):
    services.approve_payout(requested, by=finance)
    trader = funded_account.trader
    trader.groups.add(Group.objects.get(name=FINANCE))

    with pytest.raises(PermissionDenied):
        services.mark_payout_paid(requested, by=trader, reference="SELF-1")


def test_above_the_threshold_two_distinct_finance_approvers(
    requested, finance, finance_2, settings
):
    settings.PAYOUT_SECOND_APPROVER_THRESHOLD = Decimal("1999.99")

    first = services.approve_payout(requested, by=finance)
    assert first.status == PayoutStatus.REQUESTED
    assert first.first_approved_by == finance

    with pytest.raises(services.PayoutError, match="second, different approver"):
        services.approve_payout(requested, by=finance)
    requested.refresh_from_db()
    assert requested.status == PayoutStatus.REQUESTED

    second = services.approve_payout(requested, by=finance_2)
    assert second.status == PayoutStatus.APPROVED
    assert (second.first_approved_by, second.approved_by) == (finance, finance_2)
    assert list(second.transitions.values_list("action", "to_status")) == [
        (PayoutAction.REQUESTED, "requested"),
        (PayoutAction.FIRST_APPROVAL, "requested"),
        (PayoutAction.APPROVED, "approved"),
    ]


def test_share_equal_to_the_threshold_needs_one_approver(requested, finance, settings):
    settings.PAYOUT_SECOND_APPROVER_THRESHOLD = Decimal("2000.00")

    assert services.approve_payout(requested, by=finance).status == PayoutStatus.APPROVED


def test_database_refuses_the_same_approver_twice_or_the_requester(requested, finance):
    with pytest.raises(IntegrityError), transaction.atomic():
        PayoutRequest.objects.filter(pk=requested.pk).update(
            first_approved_by=finance, approved_by=finance
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        PayoutRequest.objects.filter(pk=requested.pk).update(approved_by=requested.requested_by)


def test_cannot_approve_twice_or_pay_without_approval(requested, finance, finance_2):
    with pytest.raises(services.PayoutError, match="only an approved payout can be paid"):
        services.mark_payout_paid(requested, by=finance, reference="BANK-1")

    services.approve_payout(requested, by=finance)
    with pytest.raises(services.PayoutError, match="is approved"):
        services.approve_payout(requested, by=finance_2)

    assert requested.transitions.filter(action=PayoutAction.APPROVED).count() == 1


def test_database_refuses_paid_without_approval_or_reference(requested):
    with pytest.raises(IntegrityError), transaction.atomic():
        PayoutRequest.objects.filter(pk=requested.pk).update(status="paid")
    with pytest.raises(IntegrityError), transaction.atomic():
        PayoutRequest.objects.filter(pk=requested.pk).update(status="approved")


def test_rejection_needs_a_reason_and_closes_the_request(requested, finance):
    with pytest.raises(services.PayoutError, match="reason"):
        services.reject_payout(requested, by=finance, reason="  ")

    payout = services.reject_payout(requested, by=finance, reason="Payout details incomplete")

    assert payout.status == PayoutStatus.REJECTED
    assert payout.rejection_reason == "Payout details incomplete"
    with pytest.raises(services.PayoutError):
        services.approve_payout(requested, by=finance)


def test_approved_request_can_still_be_rejected_before_payment(requested, finance, finance_2):
    services.approve_payout(requested, by=finance)

    payout = services.reject_payout(requested, by=finance_2, reason="Bank details bounced")

    assert payout.status == PayoutStatus.REJECTED
