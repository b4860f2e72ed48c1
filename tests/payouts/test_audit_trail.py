"""Each payout step, through the page a person uses, writes exactly one audit event with the
actor and the payout's state before and after; the payout's own timeline (PayoutTransition)
keeps one row per step beside it."""

from decimal import Decimal

import pytest

from accounts.models import AuditAction, AuditEvent
from payouts import services
from payouts.models import PayoutRequest

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/payouts/payoutrequest/"


def new_events() -> list[AuditEvent]:
    """Payout events since the last call (logins of force_login are not payout steps)."""
    return list(AuditEvent.objects.filter(action=AuditAction.PAYOUT_TRANSITION).order_by("pk"))


def the_one_new_event(known: int) -> AuditEvent:
    events = new_events()
    assert len(events) == known + 1, [event.summary for event in events]
    return events[-1]


def test_a_request_from_the_portal_is_one_event_by_the_trader(client, funded_account, after_cycle):
    client.force_login(funded_account.trader)

    client.post(
        f"/payouts/account/{funded_account.login}/", {"amount": "1250.00", "confirm": "yes"}
    )

    payout = PayoutRequest.objects.get()
    event = the_one_new_event(0)
    assert (event.actor, event.object_id) == (funded_account.trader, str(payout.pk))
    assert event.data["before"] == {}
    assert event.data["after"]["status"] == "requested"
    assert event.data["after"]["amount"] == "1250.00"
    assert event.data["after"]["trader_share"] == "1000.00"
    assert "requested 1250.00 USD" in event.summary


def test_approve_and_pay_from_the_queue_are_one_event_each_by_finance(
    client, funded_account, finance, finance_2, after_cycle, recompute_calls
):
    payout = services.request_payout(funded_account, by=funded_account.trader)
    client.force_login(finance)

    client.post(f"/payouts/{payout.pk}/approve/", {"confirm": "yes"})

    approved = the_one_new_event(1)
    assert approved.actor == finance
    assert approved.data["before"] == {"status": "requested", "approved_by_id": None}
    assert approved.data["after"] == {"status": "approved", "approved_by_id": finance.pk}

    client.force_login(finance_2)
    client.post(f"/payouts/{payout.pk}/pay/", {"reference": "WIRE-55", "confirm": "yes"})

    paid = the_one_new_event(2)
    assert paid.actor == finance_2
    assert paid.data["before"] == {"status": "approved", "payment_reference": ""}
    assert paid.data["after"] == {"status": "paid", "payment_reference": "WIRE-55"}
    assert paid.data["withdrawal_amount"] == "-2500.00"
    # The withdrawal is part of the payment's event, not a second one.
    assert not AuditEvent.objects.filter(action=AuditAction.BALANCE_OPERATION_ADDED).exists()
    assert payout.transitions.count() == 3


def test_a_rejection_from_the_queue_is_one_event_with_the_reason(
    client, funded_account, finance, after_cycle
):
    payout = services.request_payout(funded_account, by=funded_account.trader)
    client.force_login(finance)

    client.post(f"/payouts/{payout.pk}/reject/", {"reason": "Name differs", "confirm": "yes"})

    event = the_one_new_event(1)
    assert event.actor == finance
    assert (event.data["before"]["status"], event.data["after"]["status"]) == (
        "requested",
        "rejected",
    )
    assert event.data["reason"] == "Name differs"
    assert "(Name differs)" in event.summary


def test_a_first_approval_is_one_event_and_leaves_the_status(
    funded_account, finance, after_cycle, settings
):
    settings.PAYOUT_SECOND_APPROVER_THRESHOLD = Decimal("10")
    payout = services.request_payout(funded_account, by=funded_account.trader)

    services.approve_payout(payout, by=finance)

    event = the_one_new_event(1)
    assert event.data["transition"] == "first_approval"
    assert event.data["before"] == {"first_approved_by_id": None}
    assert event.data["after"] == {"first_approved_by_id": finance.pk}


def test_an_admin_action_is_one_event_by_the_staff_member(
    client, funded_account, finance, after_cycle
):
    payout = services.request_payout(funded_account, by=funded_account.trader)
    client.force_login(finance)

    client.post(CHANGELIST, {"action": "approve_selected", "_selected_action": [payout.pk]})

    event = the_one_new_event(1)
    assert (event.actor, event.data["after"]["status"]) == (finance, "approved")


def test_a_refused_step_writes_no_event(client, funded_account, finance, after_cycle):
    payout = services.request_payout(funded_account, by=funded_account.trader)
    client.force_login(finance)

    client.post(f"/payouts/{payout.pk}/pay/", {"reference": "W", "confirm": "yes"})

    assert len(new_events()) == 1
