"""Security finding 7a: a balance adjustment added in the admin is itself a four-eyes request.
It raises neither the balance nor the eligible payout until a different person approves it, so
one finance member cannot inflate a payout and then approve it alone."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.urls import reverse

from evaluations.models import BalanceOperation, BalanceOperationStatus
from evaluations.services import balance as balance_services
from payouts import selectors, services
from risk.services import loading
from tests.conftest import client_with_second_factor

pytestmark = pytest.mark.django_db

PROFIT = Decimal("2500.00")  # the funded_account fixture's profit


def add_in_admin(user, account, amount="3000.00"):
    client = client_with_second_factor()
    client.force_login(user)
    response = client.post(
        reverse("admin:evaluations_balanceoperation_add"),
        {
            "account": account.pk,
            "kind": "adjustment",
            "amount": amount,
            "time_0": "2026-03-19",
            "time_1": "12:00:00",
            "reason": "Goodwill adjustment",
            "reference": "",
        },
    )
    assert response.status_code == 302, response.content[:2000]
    return BalanceOperation.objects.get(account=account, reason="Goodwill adjustment")


def decide_in_admin(user, operation, action="approve_selected"):
    client = client_with_second_factor()
    client.force_login(user)
    return client.post(
        reverse("admin:evaluations_balanceoperation_changelist"),
        {"action": action, "_selected_action": [operation.pk]},
        follow=True,
    )


def test_finding_7a_one_finance_member_cannot_raise_the_eligible_payout(
    funded_account, after_cycle, finance
):
    operation = add_in_admin(finance, funded_account)

    assert operation.status == BalanceOperationStatus.PENDING
    assert selectors.account_eligibility(funded_account).eligible_amount == PROFIT
    # ... nor approve their own adjustment
    decide_in_admin(finance, operation)
    with pytest.raises(PermissionDenied):
        balance_services.approve_balance_operation(operation, by=finance)
    operation.refresh_from_db()
    assert operation.status == BalanceOperationStatus.PENDING
    payout = services.request_payout(funded_account, by=funded_account.trader)
    assert payout.eligible_amount == PROFIT


def test_finding_7a_a_second_finance_member_approves_and_then_it_counts(
    funded_account, after_cycle, finance, finance_2
):
    operation = add_in_admin(finance, funded_account)

    decide_in_admin(finance_2, operation)

    operation.refresh_from_db()
    assert (operation.status, operation.decided_by) == (BalanceOperationStatus.APPROVED, finance_2)
    assert selectors.account_eligibility(funded_account).eligible_amount == PROFIT + 3000


def test_finding_7a_pending_and_rejected_operations_do_not_reach_the_risk_engine(
    funded_account, after_cycle, finance, finance_2
):
    pending = add_in_admin(finance, funded_account)
    rejected = balance_services.add_balance_operation(
        funded_account, kind="deposit", amount=Decimal("50.00"), reason="typo", by=finance
    )
    balance_services.reject_balance_operation(rejected, by=finance_2)

    _, one = loading.load_account(funded_account.pk)
    with transaction.atomic():
        [(_, many)] = list(loading.iter_accounts([funded_account.pk]))

    for account_in in (one, many):
        op_ids = {op.id for op in account_in.balance_ops}
        assert pending.pk not in op_ids and rejected.pk not in op_ids
    assert selectors.account_balance(funded_account.pk) == funded_account.initial_balance + PROFIT
