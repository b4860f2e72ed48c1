"""Admin actions run the same transitions as the finance queue, through the same services."""

import pytest

from payouts import services
from payouts.models import PayoutStatus

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/payouts/payoutrequest/"


def act(client, action, payout, note=""):
    return client.post(
        CHANGELIST,
        {"action": action, "_selected_action": [payout.pk], "note": note},
        follow=True,
    )


@pytest.fixture
def requested(funded_account, after_cycle):
    return services.request_payout(funded_account, by=funded_account.trader)


def test_finance_approves_and_pays_from_the_admin(
    client, requested, finance, finance_2, recompute_calls
):
    client.force_login(finance)
    act(client, "approve_selected", requested)
    client.force_login(finance_2)
    response = act(client, "mark_paid_selected", requested, note="RUN-2026-03-20")

    requested.refresh_from_db()
    assert requested.status == PayoutStatus.PAID
    assert requested.payment_reference == "RUN-2026-03-20"
    assert requested.withdrawal.reference == f"payout:{requested.pk}"
    assert "1 payout(s) marked paid" in response.content.decode()


def test_admin_reject_needs_the_reason(client, requested, finance):
    client.force_login(finance)

    refused = act(client, "reject_selected", requested)
    requested.refresh_from_db()
    assert requested.status == PayoutStatus.REQUESTED
    assert "Type the reason" in refused.content.decode()

    act(client, "reject_selected", requested, note="Duplicate account")
    requested.refresh_from_db()
    assert (requested.status, requested.rejection_reason) == ("rejected", "Duplicate account")


def test_admin_shows_the_service_refusal(client, requested, finance):
    client.force_login(finance)

    response = act(client, "mark_paid_selected", requested, note="RUN-1")

    assert "only an approved payout can be paid" in response.content.decode()
    requested.refresh_from_db()
    assert requested.status == PayoutStatus.REQUESTED


def test_support_sees_payouts_in_the_admin_without_the_actions(client, requested, support):
    client.force_login(support)

    page = client.get(CHANGELIST)
    act(client, "approve_selected", requested)

    assert page.status_code == 200
    assert "approve_selected" not in page.content.decode()
    requested.refresh_from_db()
    assert requested.status == PayoutStatus.REQUESTED


def test_admin_export_action_downloads_paid_requests(
    client, requested, finance, finance_2, recompute_calls
):
    services.approve_payout(requested, by=finance)
    services.mark_payout_paid(requested, by=finance_2, reference="RUN-9")
    client.force_login(finance)

    response = client.post(
        CHANGELIST, {"action": "export_paid_csv", "_selected_action": [requested.pk]}
    )

    assert response["Content-Type"].startswith("text/csv")
    assert "RUN-9" in response.content.decode()


def test_payouts_cannot_be_added_edited_or_deleted_in_the_admin(client, requested, finance):
    client.force_login(finance)

    assert client.get(f"{CHANGELIST}add/").status_code == 403
    assert client.get(f"{CHANGELIST}{requested.pk}/delete/").status_code == 403
    client.post(f"{CHANGELIST}{requested.pk}/change/", {"amount": "1.00"})
    requested.refresh_from_db()
    assert str(requested.amount) == "2500.00"
