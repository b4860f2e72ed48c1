"""The write paths for balance operations staff add by hand: deposits, withdrawals and
adjustments (a payout's withdrawal is written by `payouts.services.mark_payout_paid`, audited
as part of that payout's transition, and counts at once).

Four-eyes: an operation added by hand is a request. It is `pending` and counts toward nothing
(balance, eligibility, metrics) until a different person holding
`evaluations.approve_balanceoperation` approves it; or it is rejected.

The ledger is append-only: a wrong operation is corrected by adding an opposite one, so every
change of an account's balance keeps its author and reason.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from accounts.audit import by_whom, fields_of, record
from accounts.models import AuditAction
from evaluations.hooks import enqueue_recompute
from evaluations.models import (
    APPROVE_BALANCE_OPERATION_PERMISSION,
    BalanceOperation,
    BalanceOperationStatus,
    TradingAccount,
)

OPERATION_FIELDS = ("account", "kind", "amount", "time", "reason", "reference")


@transaction.atomic
def add_balance_operation(
    account: TradingAccount,
    *,
    kind: str,
    amount: Decimal,
    reason: str,
    by,
    time: dt.datetime | None = None,
    reference: str = "",
) -> BalanceOperation:
    """Ask for one balance operation (signed `amount`: deposits > 0, withdrawals < 0; the
    database refuses a sign that does not match the kind, and a reference used twice on an
    account). It is created `pending` and counts nowhere until `approve_balance_operation`.

    One audit event with the operation; nothing is recomputed yet, the balance is unchanged.
    """
    operation = BalanceOperation.objects.create(
        status=BalanceOperationStatus.PENDING,
        account=account,
        kind=kind,
        amount=amount,
        time=time or timezone.now(),
        reason=reason,
        reference=reference,
        created_by=by,
    )
    record(
        AuditAction.BALANCE_OPERATION_ADDED,
        actor=by,
        obj=operation,
        summary=f"{operation.get_kind_display()} of {amount} {account.currency} on account "
        f"{account.login} asked by {by_whom(by)} (waits for a second person): {reason}",
        before={},
        after=fields_of(operation, OPERATION_FIELDS),
        data={"account_id": account.pk},
    )
    return operation


def _decide(operation: BalanceOperation | int, *, by, status: str) -> BalanceOperation:
    """Lock a pending operation, check the second person, set the decision and audit it."""
    operation_id = operation.pk if isinstance(operation, BalanceOperation) else operation
    operation = (
        BalanceOperation.objects.select_for_update(of=("self",))
        .select_related("account")
        .get(pk=operation_id)
    )
    if (
        by is None
        or not by.is_authenticated
        or not by.has_perm(APPROVE_BALANCE_OPERATION_PERMISSION)
    ):
        raise PermissionDenied("You may not decide balance operations.")
    if by.pk == operation.created_by_id:
        raise PermissionDenied("A second person must decide a balance operation you added.")
    if operation.status != BalanceOperationStatus.PENDING:
        raise PermissionDenied(
            f"Balance operation #{operation.pk} is already "
            f"{operation.get_status_display().lower()}."
        )
    operation.status, operation.decided_by, operation.decided_at = status, by, timezone.now()
    operation._history_user = by
    operation.save(update_fields=["status", "decided_by", "decided_at"])
    account = operation.account
    verb = "approved" if status == BalanceOperationStatus.APPROVED else "rejected"
    record(
        AuditAction.BALANCE_OPERATION_APPROVED
        if status == BalanceOperationStatus.APPROVED
        else AuditAction.BALANCE_OPERATION_REJECTED,
        actor=by,
        obj=operation,
        summary=f"{operation.get_kind_display()} of {operation.amount} {account.currency} on "
        f"account {account.login} {verb} by {by_whom(by)}",
        before={"status": BalanceOperationStatus.PENDING},
        after={"status": status, "decided_by": by.pk},
        data={"account_id": account.pk, "created_by": operation.created_by_id},
    )
    return operation


@transaction.atomic
def approve_balance_operation(operation: BalanceOperation | int, *, by) -> BalanceOperation:
    """A second person (not the one who added it, with `approve_balanceoperation`) approves a
    pending operation: from now on it counts, and the account's metrics and rules are
    recomputed after commit, since the balance every limit is measured from has changed."""
    operation = _decide(operation, by=by, status=BalanceOperationStatus.APPROVED)
    enqueue_recompute([operation.account_id])
    return operation


@transaction.atomic
def reject_balance_operation(operation: BalanceOperation | int, *, by) -> BalanceOperation:
    """A second person rejects a pending operation: it never counts."""
    return _decide(operation, by=by, status=BalanceOperationStatus.REJECTED)
